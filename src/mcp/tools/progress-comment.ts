import { recordProgressComment } from '../../db/runs.ts';
import { GiteaNotFoundError } from '../../gitea/errors.ts';
import type { ProgressUpdateResult } from '../progress.ts';
import {
  type ChecklistItem,
  type ProgressView,
  progressMarker,
  renderProgressBody,
  renderProgressComment,
} from '../render.ts';
import type { SubtaskContext } from '../run-context.ts';
import type { ToolEnv } from '../tool-kit.ts';

/** The run's one progress comment on its subtask: what changes, and how it is written. */

export interface ProgressChange {
  message?: string;
  checklist?: ChecklistItem[];
  status?: string;
  pullRequest?: number;
}

function intervalSeconds(env: ToolEnv): number {
  return env.progress.intervalMs / 1000;
}

async function writeProgress(
  env: ToolEnv,
  ctx: SubtaskContext,
  view: ProgressView,
  commentId: number | null,
): Promise<number> {
  const { gitea, db } = env.deps;
  const { owner, name } = ctx.repo;
  if (commentId !== null) {
    try {
      await gitea.comments.edit(owner, name, commentId, renderProgressComment(view, intervalSeconds(env)));
      return commentId;
    } catch (error) {
      // Someone deleted it: the next write finds or creates the run's comment by its marker.
      if (!(error instanceof GiteaNotFoundError)) throw error;
    }
  }
  const written = await gitea.comments.ensure(
    owner,
    name,
    ctx.issueNumber,
    progressMarker(ctx.scope.runId),
    renderProgressBody(view, intervalSeconds(env)),
  );
  if (ctx.ownRun) await recordProgressComment(db, ctx.scope.runId, written.id);
  return written.id;
}

export function updateProgress(
  env: ToolEnv,
  ctx: SubtaskContext,
  change: ProgressChange,
): Promise<ProgressUpdateResult> {
  return env.progress.update({
    key: `${ctx.scope.runId}#${ctx.repo.id}/${ctx.issueNumber}`,
    initial: () => ({
      runId: ctx.scope.runId,
      branch: ctx.branch,
      status: ctx.task.state,
      message: '',
      checklist: ctx.subtask.acceptanceCriteria.map((item) => ({ item, done: false })),
      checklistSource: 'criteria',
      pullRequest: ctx.ownRun?.prNumber ?? null,
      updatedAt: env.now(),
    }),
    apply: (view) => ({
      ...view,
      message: change.message ?? view.message,
      status: change.status ?? view.status,
      checklist: change.checklist ?? view.checklist,
      checklistSource: change.checklist ? 'agent' : view.checklistSource,
      pullRequest: change.pullRequest ?? view.pullRequest,
      updatedAt: env.now(),
    }),
    write: (view, commentId) => writeProgress(env, ctx, view, commentId),
    knownCommentId: ctx.ownRun?.progressCommentId ?? null,
  });
}
