import { toLabel } from '../convert.ts';
import { requireIssueWriter } from '../domain/access.ts';
import {
  addIssueLabels,
  clearIssueLabels,
  createLabel,
  deleteLabel,
  editLabel,
  removeIssueLabel,
  replaceIssueLabels,
  resolveLabelRefs,
} from '../domain/labels.ts';
import { ApiError, notFound } from '../errors.ts';
import {
  bodyArray,
  bodyBool,
  bodyString,
  intParam,
  issueParam,
  json,
  noContent,
  paged,
  type RequestContext,
  type RouteDef,
  repoOf,
} from '../router.ts';
import type { LabelRecord } from '../state.ts';

/** Repository labels and the labels of an issue (routers/api/v1/repo/label.go, issue_label.go). */

function labelParam(ctx: RequestContext): LabelRecord {
  const label = repoOf(ctx).labels.get(intParam(ctx, 'id'));
  if (!label) throw notFound(`label does not exist [id: ${ctx.params.id}]`);
  return label;
}

/** The issue's labels as the label endpoints answer them. */
function issueLabels(ctx: RequestContext) {
  const repo = repoOf(ctx);
  const issue = issueParam(ctx);
  return json(
    200,
    ctx.world.state.labelsOf(repo, issue).map((label) => toLabel(ctx.world.state, repo, label)),
  );
}

/** Writing an issue's labels needs write access; Gitea refuses with a bare 403. */
function labelWriter(ctx: RequestContext) {
  try {
    return requireIssueWriter(repoOf(ctx), ctx.doer);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) throw new ApiError(403, 'forbidden', true);
    throw error;
  }
}

export const labelRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/labels',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const labels = [...repo.labels.values()].sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id,
      );
      return paged(ctx, labels, (label) => toLabel(ctx.world.state, repo, label));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/labels/{id}',
    handle: (ctx) => json(200, toLabel(ctx.world.state, repoOf(ctx), labelParam(ctx))),
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/labels',
    access: 'write',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const label = createLabel(ctx.world, repo, {
        name: bodyString(ctx, 'name') ?? '',
        color: bodyString(ctx, 'color') ?? '',
        description: bodyString(ctx, 'description'),
        exclusive: bodyBool(ctx, 'exclusive'),
        isArchived: bodyBool(ctx, 'is_archived'),
      });
      return json(201, toLabel(ctx.world.state, repo, label));
    },
  },
  {
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/labels/{id}',
    access: 'write',
    handle: (ctx) => {
      const label = editLabel(labelParam(ctx), {
        name: bodyString(ctx, 'name'),
        color: bodyString(ctx, 'color'),
        description: bodyString(ctx, 'description'),
        exclusive: bodyBool(ctx, 'exclusive'),
        isArchived: bodyBool(ctx, 'is_archived'),
      });
      return json(200, toLabel(ctx.world.state, repoOf(ctx), label));
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/labels/{id}',
    access: 'write',
    handle: (ctx) => {
      deleteLabel(repoOf(ctx), labelParam(ctx));
      return noContent();
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{index}/labels',
    handle: issueLabels,
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{index}/labels',
    access: 'signed',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const issue = issueParam(ctx);
      const labels = resolveLabelRefs(repo, bodyArray(ctx, 'labels') ?? []);
      addIssueLabels(ctx.world, repo, issue, labelWriter(ctx), labels);
      return issueLabels(ctx);
    },
  },
  {
    method: 'PUT',
    path: '/repos/{owner}/{repo}/issues/{index}/labels',
    access: 'signed',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const issue = issueParam(ctx);
      const labels = resolveLabelRefs(repo, bodyArray(ctx, 'labels') ?? []);
      replaceIssueLabels(ctx.world, repo, issue, labelWriter(ctx), labels);
      return issueLabels(ctx);
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/{index}/labels',
    access: 'signed',
    handle: (ctx) => {
      const issue = issueParam(ctx);
      clearIssueLabels(ctx.world, repoOf(ctx), issue, labelWriter(ctx));
      return noContent();
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/{index}/labels/{id}',
    access: 'signed',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const issue = issueParam(ctx);
      const doer = labelWriter(ctx);
      const label = repo.labels.get(intParam(ctx, 'id'));
      if (!label) throw new ApiError(422, `label does not exist [id: ${intParam(ctx, 'id')}]`);
      removeIssueLabel(ctx.world, repo, issue, doer, label);
      return noContent();
    },
  },
];
