import type { Tx } from '../db/client.ts';
import { latestRunOf } from '../db/runs.ts';
import { dependenciesDone, setSubtaskState } from '../db/subtasks.ts';
import { lockTask, type TaskRow } from '../db/tasks.ts';
import { nextSubtaskState, type SubtaskState } from '../domain/lifecycle.ts';
import { agentCommandTarget, replyToClaim } from './agent-target.ts';
import { type Command, causeOf } from './command.ts';

/**
 * `/retry` (write): a new agent attempt at a failed subtask — on the subtask issue, or
 * `/retry #14` on the feature; `/retry` on the feature retries every failed subtask. The
 * subtask goes back to ready (or blocked, should a dependency have reopened) and is started
 * at once within the limits, on the same branch. A subtask whose agent stopped to ask a
 * question (blocked, run paused) is retried the same way once the question is answered.
 */
export const retryCommand: Command = {
  name: 'retry',
  usage: '/retry',
  description: 'Retry the step that failed last (spec, decomposition or agent run).',
  examples: ['/retry'],
  permission: 'write',
  async run(ctx) {
    const found = await agentCommandTarget(ctx);
    if (!found) return;
    const { agents, target } = found;
    const candidates = target.named
      ? target.subtasks
      : target.subtasks.filter((t) => t.state === 'failed' || t.state === 'blocked' || t.state === 'running');
    const readyAgain: number[] = [];
    const waiting: number[] = [];
    const result = await agents.claim({
      // Filled by `prepare` inside the claim's transaction, before the selection reads it.
      scope: { taskIds: readyAgain },
      automatic: false,
      cause: causeOf(ctx),
      prepare: async (tx) => {
        const refusals: string[] = [];
        for (const candidate of candidates) {
          const moved = await retrySubtask(tx, candidate.id);
          if (typeof moved === 'string') refusals.push(`#${candidate.issueNumber} ${moved}`);
          else if (moved.state === 'ready') readyAgain.push(moved.id);
          else waiting.push(moved.issueNumber);
        }
        if (readyAgain.length + waiting.length > 0) return null;
        // On the feature, subtasks that simply wait for their dependencies are no reason to list.
        if (!target.named) return `No subtask of #${target.feature.issueNumber} has failed.`;
        return `Nothing to retry: ${refusals.join('; ')}.`;
      },
    });
    const prefix =
      waiting.length > 0
        ? `${waiting.map((n) => `#${n}`).join(', ')} ${waiting.length === 1 ? 'waits' : 'wait'} for ${waiting.length === 1 ? 'its' : 'their'} dependencies again and will start once they are done.\n`
        : '';
    if (result.kind === 'claimed' && result.started.length === 0 && result.waiting.length === 0 && prefix) {
      await ctx.react('+1');
      return ctx.reply(prefix.trim());
    }
    await replyToClaim(ctx, result, ctx.config.agents.dispatch === 'manual', prefix);
  },
};

/**
 * Moves a failed subtask — or one its agent left blocked (it asked a question, or said it
 * cannot go on) once its run has ended — back to ready (blocked while a dependency is open
 * again). A string says why not.
 */
async function retrySubtask(tx: Tx, taskId: number): Promise<TaskRow | string> {
  const task = await lockTask(tx, taskId);
  if (!task) return 'no longer exists';
  const state = task.state as SubtaskState;
  const last = await latestRunOf(tx, task.id);
  if (last && last.finishedAt === null) return `still has run #${last.id} going; say \`/cancel\` first`;
  const depsDone = await dependenciesDone(tx, task);
  if (state === 'blocked' && last && depsDone) return setSubtaskState(tx, task, 'ready'); // blocked by its agent
  // An agent that asked a question (report_blocker) ended its run paused; the subtask kept its
  // `running` state while people answer. Retrying it starts a new attempt.
  if (state === 'running' && last?.status === 'paused')
    return setSubtaskState(tx, task, depsDone ? 'ready' : 'blocked');
  const next = nextSubtaskState(state, { type: 'retry', dependenciesDone: depsDone });
  if (!next.ok) return next.reason;
  return setSubtaskState(tx, task, next.next);
}
