import { listSubtaskTasks } from '../db/subtasks.ts';
import { describeState, type SubtaskState } from '../domain/lifecycle.ts';
import { agentCommandTarget, replyToClaim, summariseStates } from './agent-target.ts';
import { type Command, causeOf } from './command.ts';

/**
 * `/dispatch` (write): start agent runs now, within the concurrency limits — every ready
 * subtask of the feature (on the feature issue), one subtask (`/dispatch #14` on the feature,
 * or `/dispatch` on the subtask issue). Works whether the repository dispatches automatically
 * or not (`agents.dispatch: manual` repositories only ever dispatch this way), and lifts the
 * hold a `/cancel` on the feature put on automatic dispatch.
 */
export const dispatchCommand: Command = {
  name: 'dispatch',
  usage: '/dispatch',
  description: 'Start agent runs for the subtasks whose dependencies are done.',
  examples: ['/dispatch'],
  permission: 'write',
  async run(ctx) {
    const found = await agentCommandTarget(ctx);
    if (!found) return;
    const { agents, target } = found;
    if (target.feature.state !== 'in_progress') {
      return ctx.reply(
        `Nothing to dispatch: #${target.feature.issueNumber} is ${describeState(target.feature.state as never)}.`,
      );
    }
    const named = target.named ? target.subtasks[0] : undefined;
    if (named && named.state !== 'ready') {
      return ctx.reply(
        `#${named.issueNumber} is not ready to start: it is ${describeState(named.state as SubtaskState)}.`,
      );
    }
    // Claimed even when nothing is ready: a `/dispatch` on the feature lifts a `/cancel` hold.
    const result = await agents.claim({
      scope: named ? { taskIds: [named.id] } : { featureId: target.feature.id },
      automatic: false,
      cause: causeOf(ctx),
    });
    if (result.kind === 'claimed' && result.started.length === 0 && result.waiting.length === 0) {
      const subtasks = await listSubtaskTasks(ctx.services.db, target.feature.id);
      return ctx.reply(
        `No subtask of #${target.feature.issueNumber} is ready to start (${summariseStates(subtasks)}).`,
      );
    }
    await replyToClaim(ctx, result, ctx.config.agents.dispatch === 'manual');
  },
};
