import { z } from 'zod';
import { recordPullRequest } from '../../db/runs.ts';
import { approvedSpec } from '../../db/specs.ts';
import { findMarker } from '../../gitea/markers.ts';
import { cleanAgentLine, cleanAgentText } from '../agent-text.ts';
import { ToolRefusal } from '../refusal.ts';
import { renderPullRequestBody } from '../render.ts';
import { loadSubtaskContext, type SubtaskContext } from '../run-context.ts';
import { defineTool, type ToolEnv } from '../tool-kit.ts';
import { updateProgress } from './progress-comment.ts';
import { changeSubtaskStatus, refuseWhenDone } from './status-change.ts';

/** open_pull_request: the run's branch proposed to the default branch, closing the subtask. */

const MAX_BODY = 50_000;

/** Link to the spec comment on the parent issue; null when it cannot be found (the PR still opens). */
async function specCommentUrl(env: ToolEnv, ctx: SubtaskContext): Promise<string | null> {
  try {
    const comments = await env.deps.gitea.comments.list(
      ctx.repo.owner,
      ctx.repo.name,
      ctx.feature.issueNumber,
    );
    const spec = comments.find((comment) =>
      findMarker(comment.body, 'spec', { task: ctx.feature.issueNumber }),
    );
    return spec?.htmlUrl || null;
  } catch (error) {
    env.deps.log.warn(
      { err: error, issue: ctx.feature.issueNumber },
      'spec comment not found for the pull request',
    );
    return null;
  }
}

/**
 * The subtask moves to review (`pull_request_opened`). When the lifecycle refuses (it is in
 * review already, or failed meanwhile) the pull request still stands: only the progress
 * comment learns about it; the pull request webhook settles the state.
 */
async function showInReview(env: ToolEnv, ctx: SubtaskContext, prNumber: number, opened: string) {
  const { log } = env.deps;
  if (ctx.task.state !== 'review') {
    try {
      await changeSubtaskStatus(env, ctx, 'review', opened, {
        command: 'mcp.open_pull_request',
        progress: { pullRequest: prNumber },
      });
      return;
    } catch (error) {
      if (!(error instanceof ToolRefusal)) throw error;
      log.warn({ issue: ctx.issueNumber, reason: error.message }, 'subtask not moved to review');
    }
  }
  await updateProgress(env, ctx, { pullRequest: prNumber, message: opened }).catch((error: unknown) =>
    log.warn({ err: error, issue: ctx.issueNumber }, 'progress comment not updated with the pull request'),
  );
}

export const openPullRequestTool = defineTool({
  name: 'open_pull_request',
  title: 'Open the pull request',
  description:
    "Opens the pull request of this run's branch into the default branch. The body gets `Closes #<subtask>` " +
    'and a link to the approved parent spec. Push the branch first. If a pull request for the branch is ' +
    'already open it is returned unchanged. The subtask moves to review.',
  input: z.strictObject({
    title: z.string().min(1).max(255),
    body: z.string().max(MAX_BODY).optional().describe('what changed and how it was tested (markdown)'),
  }),
  output: z.object({
    number: z.number().int(),
    url: z.string(),
    title: z.string(),
    head: z.string(),
    base: z.string(),
    created: z.boolean().describe('false when an open pull request for the branch already existed'),
    closes: z.number().int(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, scope, env) {
    const { db, gitea, secrets } = env.deps;
    const ctx = await loadSubtaskContext(db, scope);
    refuseWhenDone(ctx);
    const reader = env.deps.readerFor(ctx.repo.owner, ctx.repo.name);
    const [repoInfo, spec, specUrl] = await Promise.all([
      reader.getRepo(),
      approvedSpec(db, ctx.feature.id),
      specCommentUrl(env, ctx),
    ]);
    const title = cleanAgentLine(args.title, secrets, 255);
    const body = renderPullRequestBody({
      runId: scope.runId,
      issueNumber: ctx.issueNumber,
      body: cleanAgentText(args.body ?? '', secrets, MAX_BODY),
      subtaskTitle: ctx.subtask.title,
      parent: {
        issueNumber: ctx.feature.issueNumber,
        title: ctx.feature.title,
        specUrl,
        specVersion: spec?.version ?? null,
      },
    });
    const { pullRequest, created } = await gitea.pulls.create(ctx.repo.owner, ctx.repo.name, {
      head: ctx.branch,
      base: repoInfo.defaultBranch,
      title,
      body,
    });
    if (ctx.ownRun) await recordPullRequest(db, scope.runId, pullRequest.number);
    const opened = `Pull request #${pullRequest.number} is open for review`;
    await showInReview(env, ctx, pullRequest.number, opened);
    return {
      summary: `${created ? 'Opened' : 'Already open:'} pull request #${pullRequest.number} (${ctx.branch} → ${repoInfo.defaultBranch}), closes #${ctx.issueNumber}`,
      data: {
        number: pullRequest.number,
        url: pullRequest.htmlUrl,
        title: pullRequest.title,
        head: pullRequest.head.ref,
        base: pullRequest.base.ref,
        created,
        closes: ctx.issueNumber,
      },
    };
  },
});
