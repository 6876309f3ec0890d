import type { Command } from './command.ts';

/**
 * A command that acts on one environment (`/promote`, `/rollback`). Staging needs write
 * access, production admin; an environment not listed (a typo, or one added in the repo
 * config) needs the strictest level. These commands are reserved: deployments land later, so
 * they have no `run` yet.
 */
export function environmentCommand(name: string, description: string): Command {
  return {
    name,
    usage: `/${name} <staging|production>`,
    description,
    examples: [`/${name} production`, `/${name} staging`],
    permission: 'admin',
    permissionByArgument: { staging: 'write', production: 'admin' },
  };
}
