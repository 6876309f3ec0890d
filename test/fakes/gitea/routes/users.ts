import { toToken, toUser } from '../convert.ts';
import { ApiError, forbidden, notFound } from '../errors.ts';
import { doerOf, json, noContent, paged, type RequestContext, type RouteDef } from '../router.ts';
import type { UserRecord } from '../state.ts';

/** /version, /user, /users/{username} and access tokens. */

/** reqSelfOrAdmin. */
function selfOrAdmin(ctx: RequestContext): UserRecord {
  const target = ctx.world.state.userByLogin(ctx.params.username ?? '');
  if (!target) throw notFound();
  const doer = ctx.doer;
  if (!doer || (doer.id !== target.id && !doer.isAdmin)) {
    throw forbidden('doer should be the site admin or be same as the contextUser');
  }
  return target;
}

/** The token routes' middlewares: reqSelfOrAdmin, then reqBasicOrRevProxyAuth. */
function tokenGuard(ctx: RequestContext): void {
  selfOrAdmin(ctx);
  if (ctx.auth.method !== 'basic') throw new ApiError(401, 'auth method not allowed');
}

export const userRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/version',
    handle: (ctx) => json(200, { version: ctx.world.state.version }),
  },
  {
    method: 'GET',
    path: '/user',
    access: 'signed',
    handle: (ctx) => json(200, toUser(ctx.world.state, doerOf(ctx), { authed: true })),
  },
  {
    method: 'GET',
    path: '/users/{username}',
    handle: (ctx) => {
      const user = ctx.world.state.userByLogin(ctx.params.username ?? '');
      if (!user) throw notFound();
      const authed = ctx.doer !== null && (ctx.doer.id === user.id || ctx.doer.isAdmin);
      return json(200, toUser(ctx.world.state, user, { authed }));
    },
  },
  {
    method: 'GET',
    path: '/users/{username}/tokens',
    guard: tokenGuard,
    handle: (ctx) => {
      const target = selfOrAdmin(ctx);
      const tokens = [...ctx.world.state.tokens.values()].filter((t) => t.userId === target.id);
      return paged(ctx, tokens, (token) => toToken(token, { withSecret: false }));
    },
  },
  {
    method: 'POST',
    path: '/users/{username}/tokens',
    guard: tokenGuard,
    handle: (ctx) => {
      const target = selfOrAdmin(ctx);
      const name = String(ctx.body.name ?? '');
      const scopes = (Array.isArray(ctx.body.scopes) ? ctx.body.scopes : [])
        .map(String)
        .filter((s) => s !== '');
      const { state } = ctx.world;
      const taken = [...state.tokens.values()].some((t) => t.userId === target.id && t.name === name);
      if (taken) throw new ApiError(400, 'access token name has been used already');
      if (scopes.length === 0) throw new ApiError(400, 'access token must have a scope');
      const token = state.issueToken(target, name, scopes);
      return json(201, toToken(token, { withSecret: true }));
    },
  },
  {
    method: 'DELETE',
    path: '/users/{username}/tokens/{token}',
    guard: tokenGuard,
    handle: (ctx) => {
      const target = selfOrAdmin(ctx);
      const { state } = ctx.world;
      const ref = ctx.params.token ?? '';
      const id = /^\d+$/.test(ref) ? Number(ref) : undefined;
      const mine = [...state.tokens.values()].filter((t) => t.userId === target.id);
      const matches = id !== undefined ? mine.filter((t) => t.id === id) : mine.filter((t) => t.name === ref);
      if (matches.length > 1) {
        throw new ApiError(422, 'multiple matches for token name, please specify by ID');
      }
      const token = matches[0];
      if (!token) throw notFound();
      state.tokens.delete(token.id);
      return noContent();
    },
  },
];
