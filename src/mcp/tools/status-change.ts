import { audit } from '../../db/tasks.ts';
import { ToolRefusal } from '../refusal.ts';
import type { SubtaskContext } from '../run-context.ts';
import { showStatusLabel } from '../status-label.ts';
import { setSubtaskStatus } from '../task-data.ts';
import type { ToolEnv } from '../tool-kit.ts';
import { type ProgressChange, updateProgress } from './progress-comment.ts';

/**
 * A status change reported by an agent: recorded (subtask, task state, audit log), shown as the
 * issue's `ai-status/*` label and in the progress comment. Returns the status it had before.
 */
export async function changeSubtaskStatus(
  env: ToolEnv,
  ctx: SubtaskContext,
  status: 'running' | 'review' | 'blocked' | 'failed',
  reason: string,
  progress: Omit<ProgressChange, 'status' | 'message'> = {},
): Promise<{ previous: string; label: string }> {
  const { db, gitea, log } = env.deps;
  const previous = await setSubtaskStatus(db, ctx.subtask.id, status);
  await audit(db, {
    deliveryId: null,
    repoFullName: ctx.repo.fullName,
    issueNumber: ctx.issueNumber,
    actor: `agent-run:${ctx.scope.runId}`,
    command: 'mcp.update_task_status',
    args: reason.slice(0, 2000),
    result: status,
    detail: `${previous} → ${status}`,
  });
  const label = await showStatusLabel(
    gitea,
    { owner: ctx.repo.owner, repo: ctx.repo.name, number: ctx.issueNumber },
    status,
  );
  // The comment follows the status; failing to edit it must not undo the change.
  await updateProgress(env, ctx, { ...progress, status, message: reason }).catch((error: unknown) =>
    log.warn({ err: error, issue: ctx.issueNumber }, 'progress comment not updated after a status change'),
  );
  return { previous, label };
}

export function refuseWhenDone(ctx: SubtaskContext): void {
  if (ctx.subtask.status === 'done') {
    throw new ToolRefusal(`#${ctx.issueNumber} is done (merged); its status no longer changes`);
  }
}
