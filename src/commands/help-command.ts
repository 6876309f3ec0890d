import type { CommandDescriptor } from './context.ts';
import { describeCommand } from './descriptor.ts';
import { renderHelp } from './help.ts';

export const helpCommand: CommandDescriptor = describeCommand('help', {
  states: 'any',
  async run(ctx) {
    await ctx.reply(
      renderHelp(ctx.registry.entries(), { overrides: ctx.config.permissions, repo: ctx.repo.fullName }),
    );
  },
});
