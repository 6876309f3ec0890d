import { type Command, requireFeature } from './command.ts';
import { transitionByCommand } from './transition.ts';

/** `/spec`: write the spec now; unanswered questions become stated assumptions. */
export const specCommand: Command = {
  name: 'spec',
  usage: '/spec',
  description: 'Write the specification now; unanswered questions use the stated assumptions.',
  examples: ['/spec'],
  permission: 'write',
  async run(ctx) {
    const task = await requireFeature(ctx);
    if (!task) return;
    const outcome = await transitionByCommand(ctx, task, { type: 'spec_requested' });
    if (outcome.kind === 'refused') return ctx.reply(`Cannot write the spec now: ${outcome.reason}.`);
    await ctx.react('rocket');
  },
};
