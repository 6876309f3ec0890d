import { environmentCommand } from './environment-command.ts';

/** `/rollback <env>`: return an environment to its previous release (reserved). */
export const rollbackCommand = environmentCommand(
  'rollback',
  'Return an environment to its previous release.',
);
