import { audit } from '../../db/audit.ts';
import { lockSubtaskTask, setSubtaskState } from '../../db/subtasks.ts';
import type { SubtaskState } from '../../domain/lifecycle.ts';
import { showStatusLabel } from '../../publish/board-sync.ts';
import { type AgentStatus, agentStatusChange } from '../agent-status.ts';
import { ToolRefusal } from '../refusal.ts';
import type { SubtaskContext } from '../run-context.ts';
import type { ToolEnv } from '../tool-kit.ts';
import { type ProgressChange, updateProgress } from './progress-comment.ts';

export interface StatusChangeResult {
  /** The lifecycle state before the report. */
  previous: SubtaskState;
  /** The lifecycle state after it. */
  state: SubtaskState;
  label: string;
}

/**
 * A status reported by an agent. The subtask's lifecycle state moves only as the lifecycle
 * allows (`agentStatusChange`), in one transaction with the audit entry and a state version
 * bump; then the issue's `ai-status/*` label and the progress comment follow what it shows.
 * A report the lifecycle refuses changes nothing and becomes a ToolRefusal with the reason.
 */
export async function changeSubtaskStatus(
  env: ToolEnv,
  ctx: SubtaskContext,
  status: AgentStatus,
  reason: string,
  options: { command: string; progress?: Omit<ProgressChange, 'status' | 'message'> },
): Promise<StatusChangeResult> {
  const { db, gitea, log } = env.deps;
  const outcome = await db.transaction(async (tx) => {
    const task = await lockSubtaskTask(tx, ctx.task.id);
    const change = agentStatusChange(task.state, status);
    if (!change.ok) return { ...change, previous: task.state };
    if (change.moved) await setSubtaskState(tx, task, change.state);
    await audit(tx, {
      deliveryId: null,
      repoFullName: ctx.repo.fullName,
      issueNumber: ctx.issueNumber,
      actor: `agent-run:${ctx.scope.runId}`,
      command: options.command,
      args: reason.slice(0, 2000),
      result: status,
      detail: change.moved
        ? `${task.state} → ${change.state}`
        : `state stays ${task.state}; shown as ${change.shown}`,
    });
    return { ...change, previous: task.state };
  });
  if (!outcome.ok) {
    throw new ToolRefusal(`#${ctx.issueNumber} cannot be set to ${status}: ${outcome.reason}`);
  }
  const label = await showStatusLabel(
    gitea,
    { owner: ctx.repo.owner, repo: ctx.repo.name, number: ctx.issueNumber },
    outcome.shown,
  );
  // The comment follows the status; failing to edit it must not undo the change.
  await updateProgress(env, ctx, { ...options.progress, status: outcome.shown, message: reason }).catch(
    (error: unknown) =>
      log.warn({ err: error, issue: ctx.issueNumber }, 'progress comment not updated after a status change'),
  );
  return { previous: outcome.previous, state: outcome.state, label };
}

export function refuseWhenDone(ctx: SubtaskContext): void {
  if (ctx.task.state === 'done') {
    throw new ToolRefusal(`#${ctx.issueNumber} is done (merged); its status no longer changes`);
  }
}
