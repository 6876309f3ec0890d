import { toHook, toPayloadCommit, toRepo, toUser } from '../convert.ts';
import { createHook, editHook, mustHook } from '../domain/hooks.ts';
import { notFound } from '../errors.ts';
import {
  bodyArray,
  bodyBool,
  bodyString,
  doerOf,
  intParam,
  json,
  noContent,
  paged,
  type RequestContext,
  type RouteDef,
  repoOf,
} from '../router.ts';
import { AccessMode } from '../state.ts';

/** Repository webhooks (routers/api/v1/repo/hook.go); every route needs repository admin. */

function configOf(ctx: RequestContext): Record<string, string> | undefined {
  const config = ctx.body.config;
  if (!config || typeof config !== 'object') return undefined;
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
}

function eventsOf(ctx: RequestContext): string[] | undefined {
  return bodyArray(ctx, 'events')?.map(String);
}

export const hookRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/hooks',
    access: 'admin',
    handle: (ctx) => paged(ctx, [...repoOf(ctx).hooks.values()], (hook) => toHook(ctx.world.state, hook)),
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/hooks',
    access: 'admin',
    handle: (ctx) => {
      const hook = createHook(ctx.world, repoOf(ctx), {
        type: bodyString(ctx, 'type') ?? '',
        config: configOf(ctx) ?? {},
        events: eventsOf(ctx),
        active: bodyBool(ctx, 'active'),
        branchFilter: bodyString(ctx, 'branch_filter'),
        authorizationHeader: bodyString(ctx, 'authorization_header'),
        name: bodyString(ctx, 'name'),
      });
      return json(201, toHook(ctx.world.state, hook));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/hooks/{id}',
    access: 'admin',
    handle: (ctx) => json(200, toHook(ctx.world.state, mustHook(repoOf(ctx), intParam(ctx, 'id')))),
  },
  {
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/hooks/{id}',
    access: 'admin',
    handle: (ctx) => {
      const hook = editHook(ctx.world, mustHook(repoOf(ctx), intParam(ctx, 'id')), {
        config: configOf(ctx),
        events: eventsOf(ctx),
        active: bodyBool(ctx, 'active'),
        branchFilter: bodyString(ctx, 'branch_filter'),
        authorizationHeader: bodyString(ctx, 'authorization_header'),
        name: bodyString(ctx, 'name'),
      });
      return json(200, toHook(ctx.world.state, hook));
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/hooks/{id}',
    access: 'admin',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      if (!repo.hooks.delete(intParam(ctx, 'id'))) throw notFound();
      return noContent();
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/hooks/{id}/tests',
    access: 'admin',
    handle: (ctx) => {
      // TestHook: a push payload for the head commit of the default branch, sent to this hook only.
      const repo = repoOf(ctx);
      const { state } = ctx.world;
      const hook = mustHook(repo, intParam(ctx, 'id'));
      const branch = ctx.query.get('ref') ?? repo.defaultBranch;
      const commit = state.resolveRef(repo, branch);
      if (!commit) throw notFound();
      const doer = doerOf(ctx);
      const apiCommit = toPayloadCommit(state, repo, commit);
      ctx.world.webhooks.emitTo(hook, 'push', {
        ref: `refs/heads/${branch}`,
        before: commit.sha,
        after: commit.sha,
        compare_url: `${state.baseUrl}/`,
        commits: [apiCommit],
        total_commits: 1,
        head_commit: apiCommit,
        repository: toRepo(state, repo, AccessMode.Owner),
        pusher: toUser(state, doer),
        sender: toUser(state, doer),
      });
      return noContent();
    },
  },
];
