import { toComment, toIssue, toReaction } from '../convert.ts';
import { canWrite, requireReadable } from '../domain/access.ts';
import { createComment, deleteComment, editComment, listComments } from '../domain/comments.ts';
import { addDependency, removeDependency } from '../domain/dependencies.ts';
import { createIssue, editIssue, listIssues } from '../domain/issues.ts';
import { resolveLabelRefs } from '../domain/labels.ts';
import { addReaction, reactionsOn, removeReaction } from '../domain/reactions.ts';
import { ApiError, notFound } from '../errors.ts';
import {
  bodyArray,
  bodyBool,
  bodyString,
  doerOf,
  intParam,
  issueParam,
  json,
  noContent,
  paged,
  queryTime,
  type RequestContext,
  type RouteDef,
  repoOf,
} from '../router.ts';
import type { CommentRecord, IssueRecord, RepoRecord } from '../state.ts';

/** Issues, their comments, reactions and dependencies (routers/api/v1/repo/issue*.go). */

function issueJson(ctx: RequestContext, issue: IssueRecord) {
  return toIssue(ctx.world.state, repoOf(ctx), issue);
}

/**
 * The issue `{index}` for the comment list and comment creation: ListIssueComments and
 * CreateIssueComment (routers/api/v1/repo/issue_comment.go, 1.24.7 to 1.26.3) pass
 * GetIssueByIndex's not-exist error to APIErrorInternal, so a missing issue is a 500 there,
 * not the 404 that GET …/issues/{index} answers.
 */
function issueForComments(ctx: RequestContext): IssueRecord {
  const repo = repoOf(ctx);
  const issue = repo.issues.get(intParam(ctx, 'index'));
  if (!issue) {
    throw new ApiError(
      500,
      `issue does not exist [id: 0, repo_id: ${repo.id}, index: ${intParam(ctx, 'index')}]`,
    );
  }
  return issue;
}

function commentParam(ctx: RequestContext): { comment: CommentRecord; issue: IssueRecord } {
  const repo = repoOf(ctx);
  const comment = ctx.world.state.comments.get(intParam(ctx, 'id'));
  const issue = comment ? ctx.world.state.issuesById.get(comment.issueId) : undefined;
  if (!comment || !issue || issue.repoId !== repo.id) {
    throw notFound(`comment does not exist [id: ${ctx.params.id}]`);
  }
  return { comment, issue };
}

/** IssueMeta → the dependency issue; owner/repo must name a repository (Gitea compares them exactly). */
function formIssue(ctx: RequestContext): IssueRecord {
  const { state } = ctx.world;
  const here = repoOf(ctx);
  const owner = bodyString(ctx, 'owner') ?? '';
  const name = bodyString(ctx, 'repo') ?? '';
  let repo: RepoRecord | undefined = here;
  if (owner !== state.repoOwner(here).login || name !== here.name) {
    repo = state.repoByName(owner, name);
    if (!repo)
      throw notFound(`repository does not exist [id: 0, uid: 0, owner_name: ${owner}, name: ${name}]`);
  }
  requireReadable(repo, ctx.doer);
  const index = typeof ctx.body.index === 'number' ? ctx.body.index : 0;
  const issue = repo.issues.get(index);
  if (!issue) throw notFound(`issue does not exist [repo_id: ${repo.id}, index: ${index}]`);
  return issue;
}

/** createIssueDependency / removeIssueDependency: the blocked issue's repository must be writable. */
function requireDependencyWriter(ctx: RequestContext, blocked: IssueRecord): void {
  const repo = ctx.world.state.issueRepo(blocked);
  if (!canWrite(repo, ctx.doer)) throw notFound();
}

function dependencyList(ctx: RequestContext, issues: IssueRecord[]) {
  return paged(ctx, issues, (issue) => toIssue(ctx.world.state, ctx.world.state.issueRepo(issue), issue));
}

function reactionTarget(ctx: RequestContext, kind: 'issue' | 'comment') {
  if (kind === 'issue') return { issueId: issueParam(ctx).id, commentId: 0 };
  const { comment, issue } = commentParam(ctx);
  return { issueId: issue.id, commentId: comment.id };
}

function reactionRoutes(kind: 'issue' | 'comment', path: string): RouteDef[] {
  return [
    {
      method: 'GET',
      path,
      handle: (ctx) => {
        const reactions = reactionsOn(ctx.world, reactionTarget(ctx, kind));
        return paged(ctx, reactions, (reaction) => toReaction(ctx.world.state, reaction));
      },
    },
    {
      method: 'POST',
      path,
      access: 'signed',
      handle: (ctx) => {
        const { reaction, created } = addReaction(
          ctx.world,
          reactionTarget(ctx, kind),
          doerOf(ctx),
          bodyString(ctx, 'content') ?? '',
        );
        return json(created ? 201 : 200, toReaction(ctx.world.state, reaction));
      },
    },
    {
      method: 'DELETE',
      path,
      access: 'signed',
      handle: (ctx) => {
        removeReaction(ctx.world, reactionTarget(ctx, kind), doerOf(ctx), bodyString(ctx, 'content') ?? '');
        return { status: 200 };
      },
    },
  ];
}

export const issueRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues',
    handle: (ctx) => {
      const q = ctx.query;
      const issues = listIssues(ctx.world, repoOf(ctx), {
        state: q.get('state') ?? undefined,
        labels: q.get('labels') ?? undefined,
        type: q.get('type') ?? undefined,
        q: q.get('q') ?? undefined,
        createdBy: q.get('created_by') ?? undefined,
        since: queryTime(ctx, 'since'),
        before: queryTime(ctx, 'before'),
      });
      return paged(ctx, issues, (issue) => issueJson(ctx, issue));
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues',
    access: 'signed',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const labels = resolveLabelRefs(repo, (bodyArray(ctx, 'labels') ?? []).map(Number));
      const issue = createIssue(ctx.world, repo, doerOf(ctx), {
        title: bodyString(ctx, 'title') ?? '',
        body: bodyString(ctx, 'body'),
        labels,
        closed: bodyBool(ctx, 'closed'),
      });
      return json(201, issueJson(ctx, issue));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{index}',
    handle: (ctx) => json(200, issueJson(ctx, issueParam(ctx))),
  },
  {
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/issues/{index}',
    access: 'signed',
    handle: (ctx) => {
      const issue = editIssue(ctx.world, repoOf(ctx), issueParam(ctx), doerOf(ctx), {
        title: bodyString(ctx, 'title'),
        body: bodyString(ctx, 'body'),
        state: bodyString(ctx, 'state'),
      });
      return json(201, issueJson(ctx, issue));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{index}/comments',
    handle: (ctx) => {
      const issue = issueForComments(ctx);
      const comments = listComments(ctx.world, issue, {
        since: queryTime(ctx, 'since'),
        before: queryTime(ctx, 'before'),
      });
      // Not paginated: one call returns every comment, as Gitea does.
      return json(
        200,
        comments.map((c) => toComment(ctx.world.state, repoOf(ctx), issue, c)),
        { 'X-Total-Count': String(comments.length), 'Access-Control-Expose-Headers': 'X-Total-Count' },
      );
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{index}/comments',
    access: 'signed',
    handle: (ctx) => {
      const issue = issueForComments(ctx);
      if (issue.isLocked && !canWrite(repoOf(ctx), ctx.doer)) {
        throw new ApiError(403, 'user should have a permission to write to a repo');
      }
      const comment = createComment(
        ctx.world,
        repoOf(ctx),
        issue,
        doerOf(ctx),
        bodyString(ctx, 'body') ?? '',
      );
      return json(201, toComment(ctx.world.state, repoOf(ctx), issue, comment));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/comments',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const since = queryTime(ctx, 'since');
      const before = queryTime(ctx, 'before');
      const comments = [...ctx.world.state.comments.values()]
        .filter((c) => ctx.world.state.issuesById.get(c.issueId)?.repoId === repo.id)
        .filter((c) => !since || c.updatedAt >= since)
        .filter((c) => !before || c.updatedAt < before)
        .sort((a, b) => a.id - b.id);
      return paged(ctx, comments, (c) => {
        const issue = ctx.world.state.issuesById.get(c.issueId);
        return issue ? toComment(ctx.world.state, repo, issue, c) : null;
      });
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/comments/{id}',
    handle: (ctx) => {
      const { comment, issue } = commentParam(ctx);
      return json(200, toComment(ctx.world.state, repoOf(ctx), issue, comment));
    },
  },
  {
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/issues/comments/{id}',
    access: 'signed',
    handle: (ctx) => {
      const { comment, issue } = commentParam(ctx);
      editComment(ctx.world, repoOf(ctx), comment, doerOf(ctx), bodyString(ctx, 'body') ?? '');
      return json(200, toComment(ctx.world.state, repoOf(ctx), issue, comment));
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/comments/{id}',
    access: 'signed',
    handle: (ctx) => {
      const { comment } = commentParam(ctx);
      deleteComment(ctx.world, repoOf(ctx), comment, doerOf(ctx));
      return noContent();
    },
  },
  ...reactionRoutes('issue', '/repos/{owner}/{repo}/issues/{index}/reactions'),
  ...reactionRoutes('comment', '/repos/{owner}/{repo}/issues/comments/{id}/reactions'),
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{index}/dependencies',
    handle: (ctx) => {
      const issue = issueParam(ctx);
      const deps = issue.dependsOn
        .map((id) => ctx.world.state.issuesById.get(id))
        .filter((dep): dep is IssueRecord => dep !== undefined);
      return dependencyList(ctx, deps);
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{index}/dependencies',
    access: 'signed',
    handle: (ctx) => {
      const target = issueParam(ctx);
      const dependency = formIssue(ctx);
      requireDependencyWriter(ctx, target);
      addDependency(target, dependency);
      return json(201, issueJson(ctx, target));
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/{index}/dependencies',
    access: 'signed',
    handle: (ctx) => {
      const target = issueParam(ctx);
      const dependency = formIssue(ctx);
      requireDependencyWriter(ctx, target);
      removeDependency(target, dependency);
      return json(201, issueJson(ctx, target));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{index}/blocks',
    handle: (ctx) => {
      const issue = issueParam(ctx);
      const blocked = [...ctx.world.state.issuesById.values()].filter((other) =>
        other.dependsOn.includes(issue.id),
      );
      return dependencyList(ctx, blocked);
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{index}/blocks',
    access: 'signed',
    handle: (ctx) => {
      const blocker = issueParam(ctx);
      const blocked = formIssue(ctx);
      requireDependencyWriter(ctx, blocked);
      addDependency(blocked, blocker);
      return json(201, issueJson(ctx, blocker));
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/{index}/blocks',
    access: 'signed',
    handle: (ctx) => {
      const blocker = issueParam(ctx);
      const blocked = formIssue(ctx);
      requireDependencyWriter(ctx, blocked);
      removeDependency(blocked, blocker);
      return json(201, issueJson(ctx, blocker));
    },
  },
];
