import type { Command } from './command.ts';
import { renderHelp } from './help-table.ts';

export const helpCommand: Command = {
  name: 'help',
  usage: '/help',
  description: 'Show this list of commands.',
  examples: ['/help'],
  permission: 'anyone',
  async run(ctx) {
    await ctx.reply(
      renderHelp(
        ctx.commands.filter((command) => command.run !== undefined),
        { overrides: ctx.config.permissions, repo: ctx.repo.fullName },
      ),
    );
  },
};
