import { environmentCommand } from './environment-command.ts';

/** `/promote <env>`: deploy the current release through the GitOps repository (reserved). */
export const promoteCommand = environmentCommand(
  'promote',
  'Deploy the current release to an environment through the GitOps repository.',
);
