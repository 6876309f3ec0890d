import { type Command, requireFeature } from './command.ts';
import { transitionByCommand } from './transition.ts';

const MAX_FEEDBACK = 8_000;

/** `/revise-spec <feedback>`: a new spec version that applies the feedback. */
export const reviseSpecCommand: Command = {
  name: 'revise-spec',
  usage: '/revise-spec <feedback>',
  description: 'Write a new version of the specification that takes your feedback into account.',
  examples: ['/revise-spec Also support refunds; drop PayPal.'],
  permission: 'write',
  async run(ctx) {
    const task = await requireFeature(ctx);
    if (!task) return;
    const feedback = [ctx.command.args, ctx.command.body]
      .filter((part) => part.trim() !== '')
      .join('\n')
      .trim();
    if (feedback === '') {
      return ctx.reply(
        'Say what should change: `/revise-spec <feedback>`, e.g. `/revise-spec also support PayPal`.',
      );
    }
    if (feedback.length > MAX_FEEDBACK) {
      return ctx.reply(
        `That feedback is ${feedback.length} characters long; please keep it under ${MAX_FEEDBACK}.`,
      );
    }
    const outcome = await transitionByCommand(
      ctx,
      task,
      { type: 'revision_requested' },
      { pendingFeedback: feedback },
    );
    if (outcome.kind === 'refused') return ctx.reply(`Cannot revise the spec now: ${outcome.reason}.`);
    await ctx.react('rocket');
  },
};
