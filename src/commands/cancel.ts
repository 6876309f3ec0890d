import { claimCause } from '../db/audit.ts';
import { listActiveRuns } from '../db/runs.ts';
import { agentCommandTarget } from './agent-target.ts';
import { type Command, causeOf } from './command.ts';

/**
 * `/cancel` (write): stop agent runs. On a subtask issue (or `/cancel #14` on the feature):
 * that subtask's run. On the feature: every run of the feature, and automatic dispatch of the
 * feature is held until `/dispatch` or `/retry` there — otherwise the freed slots would start
 * the next ready subtasks at once. Cancelled subtasks are marked failed; `/retry` starts them again.
 */
export const cancelCommand: Command = {
  name: 'cancel',
  usage: '/cancel',
  description: 'Stop the agent runs of this issue.',
  examples: ['/cancel'],
  permission: 'write',
  async run(ctx) {
    const found = await agentCommandTarget(ctx);
    if (!found) return;
    const { agents, target } = found;
    // Claimed first: a redelivered comment must not cancel the next attempt.
    const fresh = await ctx.services.db.transaction((tx) => claimCause(tx, causeOf(ctx)));
    if (!fresh) return;
    const runs = await listActiveRuns(ctx.services.db, { taskIds: target.subtasks.map((t) => t.id) });
    const stopped = await agents.cancelRuns(runs, ctx.comment.author);
    const holds = target.onFeature && !target.named && ctx.config.agents.dispatch === 'auto';
    const hold = holds
      ? ` Automatic dispatch of #${target.feature.issueNumber} is paused: say \`/dispatch\` here to resume it.`
      : '';
    if (stopped.length === 0) {
      const what =
        target.named && target.subtasks[0]
          ? `#${target.subtasks[0].issueNumber}`
          : `#${target.feature.issueNumber}`;
      return ctx.reply(`No agent run of ${what} is going.${hold}`);
    }
    await ctx.react('+1');
    await ctx.reply(
      `Cancelled ${stopped.map((r) => `run #${r.id} of #${r.issueNumber}`).join(', ')}. ${
        stopped.length === 1 ? 'Its subtask is' : 'Their subtasks are'
      } marked failed; say \`/retry\` to start again.${hold}`,
    );
  },
};
