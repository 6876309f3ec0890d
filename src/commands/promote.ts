import type { Command } from './command.ts';
import { ENVIRONMENT_PERMISSIONS } from './environment-permissions.ts';

/** `/promote <env>`: reserved; promotion through the GitOps repository lands with deployments. */
export const promoteCommand: Command = {
  name: 'promote',
  usage: '/promote <staging|production>',
  description: 'Deploy the current release to an environment through the GitOps repository.',
  examples: ['/promote production', '/promote staging'],
  permission: 'admin',
  permissionByArgument: ENVIRONMENT_PERMISSIONS,
};
