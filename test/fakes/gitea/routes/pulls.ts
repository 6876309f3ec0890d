import { toPullRequest, toPullReview } from '../convert.ts';
import { editIssue } from '../domain/issues.ts';
import { resolveLabelRefs } from '../domain/labels.ts';
import { createPullRequest, MERGE_STYLES, mergePullRequest } from '../domain/pulls.ts';
import { submitReview, visibleReviews } from '../domain/reviews.ts';
import { ApiError, notFound } from '../errors.ts';
import {
  bodyArray,
  bodyBool,
  bodyString,
  doerOf,
  issueParam,
  json,
  noContent,
  paged,
  type RequestContext,
  type RouteDef,
  repoOf,
} from '../router.ts';
import type { IssueRecord } from '../state.ts';

/** Pull requests (routers/api/v1/repo/pull.go) and their reviews (pull_review.go). */

function pullParam(ctx: RequestContext): IssueRecord {
  const issue = issueParam(ctx);
  if (!issue.pull) throw notFound(`pull request does not exist [issue_id: ${issue.id}]`);
  return issue;
}

/**
 * MergePullRequestForm has no json tags: Go binds `Do`, `MergeTitleField`, … by case-insensitive
 * field name, so `do` works but `merge_title_field` (the swagger's spelling) is ignored.
 */
function formField(ctx: RequestContext, goName: string): string | undefined {
  for (const [key, value] of Object.entries(ctx.body)) {
    if (key.toLowerCase() === goName.toLowerCase() && typeof value === 'string') return value;
  }
  return undefined;
}

function pullJson(ctx: RequestContext, issue: IssueRecord) {
  return toPullRequest(ctx.world.state, repoOf(ctx), issue, ctx.doer);
}

export const pullRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls',
    handle: (ctx) => {
      const state = ctx.query.get('state') ?? 'open';
      const pulls = [...repoOf(ctx).issues.values()]
        .filter((issue) => issue.pull !== null)
        .filter((issue) => state === 'all' || (state === 'closed') === issue.isClosed)
        .sort((a, b) => b.index - a.index);
      return paged(ctx, pulls, (issue) => pullJson(ctx, issue));
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls',
    access: 'signed',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const issue = createPullRequest(ctx.world, repo, doerOf(ctx), {
        head: bodyString(ctx, 'head') ?? '',
        base: bodyString(ctx, 'base') ?? '',
        title: bodyString(ctx, 'title') ?? '',
        body: bodyString(ctx, 'body'),
        labels: resolveLabelRefs(repo, (bodyArray(ctx, 'labels') ?? []).map(Number)),
      });
      return json(201, pullJson(ctx, issue));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{index}',
    handle: (ctx) => json(200, pullJson(ctx, pullParam(ctx))),
  },
  {
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/pulls/{index}',
    access: 'signed',
    handle: (ctx) => {
      const issue = editIssue(ctx.world, repoOf(ctx), pullParam(ctx), doerOf(ctx), {
        title: bodyString(ctx, 'title'),
        body: bodyString(ctx, 'body'),
        state: bodyString(ctx, 'state'),
      });
      return json(201, pullJson(ctx, issue));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{index}/merge',
    handle: (ctx) => (pullParam(ctx).pull?.merged ? noContent() : { status: 404 }),
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls/{index}/merge',
    access: 'signed',
    handle: (ctx) => {
      const style = formField(ctx, 'Do') ?? '';
      if (!MERGE_STYLES.includes(style)) throw new ApiError(422, '[Do]: In');
      mergePullRequest(ctx.world, repoOf(ctx), pullParam(ctx), doerOf(ctx), {
        style,
        title: formField(ctx, 'MergeTitleField'),
        message: formField(ctx, 'MergeMessageField'),
        headCommitId: bodyString(ctx, 'head_commit_id'),
        deleteBranch: bodyBool(ctx, 'delete_branch_after_merge'),
      });
      return { status: 200 };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{index}/reviews',
    handle: (ctx) => {
      const issue = pullParam(ctx);
      return paged(ctx, visibleReviews(ctx.world, issue, ctx.doer), (review) =>
        toPullReview(ctx.world.state, repoOf(ctx), issue, review, ctx.doer),
      );
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls/{index}/reviews',
    access: 'signed',
    handle: (ctx) => {
      const issue = pullParam(ctx);
      if (bodyArray(ctx, 'comments')?.length) {
        throw new ApiError(501, 'Gitea fake: code comments in a review are not modelled');
      }
      const review = submitReview(ctx.world, repoOf(ctx), issue, doerOf(ctx), {
        event: bodyString(ctx, 'event') ?? '',
        body: bodyString(ctx, 'body'),
        commitId: bodyString(ctx, 'commit_id'),
      });
      return json(200, toPullReview(ctx.world.state, repoOf(ctx), issue, review, ctx.doer));
    },
  },
];
