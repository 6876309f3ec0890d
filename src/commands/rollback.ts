import type { Command } from './command.ts';
import { ENVIRONMENT_PERMISSIONS } from './environment-permissions.ts';

/** `/rollback <env>`: reserved; rollbacks land with deployments. */
export const rollbackCommand: Command = {
  name: 'rollback',
  usage: '/rollback <staging|production>',
  description: 'Return an environment to its previous release.',
  examples: ['/rollback production', '/rollback staging'],
  permission: 'admin',
  permissionByArgument: ENVIRONMENT_PERMISSIONS,
};
