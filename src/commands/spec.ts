import { type CommandDescriptor, requireFeature } from './context.ts';
import { describeCommand } from './descriptor.ts';
import { transitionByCommand } from './transition.ts';

/** `/spec`: write the spec now; unanswered questions become stated assumptions. */
export const specCommand: CommandDescriptor = describeCommand('spec', {
  states: ['clarifying', 'failed'],
  async run(ctx) {
    const task = await requireFeature(ctx);
    if (!task) return;
    const outcome = await transitionByCommand(ctx, task, { type: 'spec_requested' });
    if (outcome.kind === 'refused') return ctx.reply(`Cannot write the spec now: ${outcome.reason}.`);
    await ctx.react('rocket');
  },
});
