import { repoUrls, toCommitStatus, toRepo } from '../convert.ts';
import { combinedStatus, createStatus, statusesOf } from '../domain/statuses.ts';
import { notFound } from '../errors.ts';
import { bodyString, doerOf, json, paged, type RouteDef, repoOf } from '../router.ts';
import { AccessMode } from '../state.ts';

/** Commit statuses (routers/api/v1/repo/status.go). */

export const statusRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/statuses/{sha}',
    access: 'write',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const status = createStatus(ctx.world, repo, doerOf(ctx), ctx.params.sha ?? '', {
        state: bodyString(ctx, 'state') ?? '',
        targetUrl: bodyString(ctx, 'target_url'),
        description: bodyString(ctx, 'description'),
        context: bodyString(ctx, 'context'),
      });
      return json(201, toCommitStatus(ctx.world.state, repo, status));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/statuses/{sha}',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const state = ctx.query.get('state');
      const statuses = statusesOf(repo, ctx.params.sha ?? '').filter((s) => !state || s.state === state);
      return paged(ctx, statuses, (s) => toCommitStatus(ctx.world.state, repo, s));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/statuses',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const commit = ctx.world.state.resolveRef(repo, ctx.params.ref ?? '');
      if (!commit) throw notFound();
      return paged(ctx, statusesOf(repo, commit.sha), (s) => toCommitStatus(ctx.world.state, repo, s));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/status',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const { state } = ctx.world;
      const commit = state.resolveRef(repo, ctx.params.ref ?? '');
      if (!commit) throw notFound();
      const combined = combinedStatus(repo, commit.sha);
      const { api } = repoUrls(state, repo);
      return json(200, {
        state: combined.state,
        sha: commit.sha,
        total_count: combined.latest.length,
        statuses: combined.latest.map((s) => toCommitStatus(state, repo, s)),
        repository: toRepo(state, repo, AccessMode.Read),
        commit_url: `${api}/commits/${commit.sha}`,
        url: `${api}/commits/${commit.sha}/status`,
      });
    },
  },
];
