import { toCommitStatus, toRepo } from '../convert.ts';
import { accessMode } from '../domain/access.ts';
import {
  combineStates,
  createStatus,
  FILTERABLE_STATES,
  latestStatuses,
  sortStatuses,
  statusesOf,
} from '../domain/statuses.ts';
import { listOptions, pageOf, paginationHeaders } from '../pagination.ts';
import { bodyString, doerOf, json, paged, type RequestContext, type RouteDef, repoOf } from '../router.ts';
import type { StatusRecord } from '../state.ts';
import { versionAtLeast } from '../version.ts';
import { refCommitOf } from './refs.ts';

/** Commit statuses (routers/api/v1/repo/status.go). */

function listStatuses(ctx: RequestContext, sha: string) {
  const repo = repoOf(ctx);
  const filter = ctx.query.get('state')?.trim() ?? '';
  const statuses = statusesOf(repo, sha).filter(
    (s) => !FILTERABLE_STATES.includes(filter) || s.state === filter,
  );
  const sorted = sortStatuses(statuses, ctx.query.get('sort')?.trim() ?? '');
  return paged(ctx, sorted, (s) => toCommitStatus(ctx.world.state, repo, s));
}

/**
 * `GetCombinedCommitStatusByRef`: the latest status of each context (a page of contexts), their
 * combined state, and the repository as the caller may see it. What differs by version:
 * 1.24 answers an all-empty object for a commit without statuses and otherwise leaves `url`
 * and `commit_url` empty; 1.25 fills both and answers state `""` and statuses `null` for a
 * commit without statuses; 1.26 says `pending` there and adds a Link header.
 */
function combinedStatusJson(ctx: RequestContext, sha: string) {
  const repo = repoOf(ctx);
  const { state } = ctx.world;
  const opts = listOptions(ctx.query);
  const contexts = latestStatuses(repo, sha);
  const page = pageOf(contexts, opts).sort((a, b) => a.id - b.id);
  // Only 1.26 sets a Link header here; every version sets X-Total-Count to the contexts.
  const headers = versionAtLeast(state.version, 1, 26)
    ? paginationHeaders(ctx.url, state.baseUrl, contexts.length, opts)
    : { 'X-Total-Count': String(contexts.length), 'Access-Control-Expose-Headers': 'X-Total-Count' };
  const repository = toRepo(state, repo, accessMode(repo, ctx.doer));
  const statuses = (list: StatusRecord[]) =>
    list.length === 0 ? null : list.map((s) => toCommitStatus(state, repo, s));
  const combined = combineStates(
    page.map((s) => s.state),
    state.version,
  );
  if (!versionAtLeast(state.version, 1, 25)) {
    if (page.length === 0) {
      return json(
        200,
        { state: '', sha: '', total_count: 0, statuses: null, repository: null, commit_url: '', url: '' },
        headers,
      );
    }
    return json(
      200,
      {
        state: combined,
        sha,
        total_count: page.length,
        statuses: statuses(page),
        repository,
        commit_url: '',
        url: '',
      },
      headers,
    );
  }
  const api = String(repository.url);
  return json(
    200,
    {
      state: combined,
      sha,
      total_count: page.length,
      statuses: statuses(page),
      repository,
      commit_url: `${api}/commits/${sha}`,
      url: `${api}/commits/${sha}/status`,
    },
    headers,
  );
}

export const statusRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/statuses/{sha}',
    access: 'write',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const status = createStatus(ctx.world, repo, doerOf(ctx).id, ctx.params.sha ?? '', {
        state: bodyString(ctx, 'state') ?? '',
        targetUrl: bodyString(ctx, 'target_url'),
        description: bodyString(ctx, 'description'),
        context: bodyString(ctx, 'context'),
      });
      return json(201, toCommitStatus(ctx.world.state, repo, status));
    },
  },
  {
    // The sha is matched as written: a short sha or a branch name finds nothing.
    method: 'GET',
    path: '/repos/{owner}/{repo}/statuses/{sha}',
    handle: (ctx) => listStatuses(ctx, ctx.params.sha ?? ''),
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/statuses',
    handle: (ctx) => listStatuses(ctx, refCommitOf(ctx, ctx.params.ref ?? '', 7).sha),
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/status',
    handle: (ctx) => combinedStatusJson(ctx, refCommitOf(ctx, ctx.params.ref ?? '', 7).sha),
  },
];
