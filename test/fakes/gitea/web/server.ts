import type { IncomingMessage, ServerResponse } from 'node:http';
import { accessMode } from '../domain/access.ts';
import { AccessMode } from '../state.ts';
import { authRoutes } from './auth-routes.ts';
import {
  notFound,
  redirect,
  textResponse,
  type WebContext,
  type WebResponse,
  type WebRoute,
  type WebWorld,
} from './context.ts';
import { formValues } from './forms.ts';
import { projectRoutes } from './project-routes.ts';
import {
  CSRF_COOKIE,
  crossOriginRefusal,
  csrfAccepted,
  csrfCookie,
  parseCookies,
  sessionCookie,
} from './sessions.ts';
import type { FakeWebCall } from './types.ts';

/**
 * The web request pipeline, in Gitea's order: session, route (404/405), `verifyAuthWithOptions`
 * (signed-out redirect, cross-origin protection in 1.26 or the CSRF token until 1.25, sign-in
 * redirect), repository assignment and unit checks (404), handler.
 */

const ROUTES: WebRoute[] = [...authRoutes, ...projectRoutes];

type Match = { route: WebRoute; params: Record<string, string> };

function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').slice(1);
  const got = path.split('/').slice(1);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const value = decodeURIComponent(got[i] ?? '');
    const capture = /^\{(\w+)(?::(.+))?\}$/.exec(segment);
    if (!capture) {
      if (segment !== value) return null;
      continue;
    }
    const [, name = '', choices] = capture;
    if (choices !== undefined && !choices.split('|').includes(value)) return null;
    if (value === '') return null;
    params[name] = value;
  }
  return params;
}

function findRoute(method: string, path: string): Match | 'method-not-allowed' | null {
  let pathMatched = false;
  for (const route of ROUTES) {
    const params = matchPattern(route.pattern, path);
    if (!params) continue;
    pathMatched = true;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
  }
  return pathMatched ? 'method-not-allowed' : null;
}

async function verifyAuth(ctx: WebContext, route: WebRoute): Promise<WebResponse | undefined> {
  if (route.auth === 'signed-out') {
    return ctx.doer ? redirect('/') : undefined;
  }
  if (!ctx.web.legacyCsrf) {
    const refusal = crossOriginRefusal(ctx.method, ctx.headers);
    if (refusal) return textResponse(403, `${refusal}\n`);
  }
  if (route.auth === 'required' && !ctx.doer) {
    ctx.cookies.push(
      `redirect_to=${encodeURIComponent(ctx.url.pathname + ctx.url.search)}; Path=/; HttpOnly; SameSite=Lax`,
    );
    return redirect('/user/login');
  }
  if (ctx.web.legacyCsrf) {
    const formToken = (await formValues(ctx.contentType, ctx.raw, ctx.url.searchParams))('_csrf');
    if (!csrfAccepted(ctx.method, ctx.headers, formToken || undefined, ctx.session)) {
      return textResponse(400, 'Invalid CSRF token.\n');
    }
  }
  return undefined;
}

/** context.RepoAssignment: a repository the doer cannot read does not exist. */
function assignRepo(ctx: WebContext): boolean {
  const { owner, repo } = ctx.params;
  if (owner === undefined || repo === undefined) return true;
  const record = ctx.web.world.state.repoByName(owner, repo);
  if (!record || accessMode(record, ctx.doer) < AccessMode.Read) return false;
  ctx.repo = record;
  return true;
}

async function answer(ctx: WebContext, match: Match): Promise<WebResponse> {
  const refused = await verifyAuth(ctx, match.route);
  if (refused) return refused;
  if (!assignRepo(ctx)) return notFound(ctx);
  if (match.route.repo && !match.route.repo(ctx)) return notFound(ctx);
  return match.route.handle(ctx);
}

export function createWebHandler(web: WebWorld, calls: FakeWebCall[]) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const cookies = parseCookies(req.headers.cookie);
    const { session, isNew } = web.sessions.resolve(cookies);
    const doer = session.userId === null ? null : (web.world.state.users.get(session.userId) ?? null);
    const ctx: WebContext = {
      web,
      method,
      url,
      headers: req.headers,
      contentType: String(req.headers['content-type'] ?? ''),
      raw,
      params: {},
      session,
      doer,
      repo: null,
      cookies: [],
    };
    const match = findRoute(method, url.pathname);
    let response: WebResponse;
    if (match === null) response = notFound(ctx);
    else if (match === 'method-not-allowed') response = textResponse(405, 'Method Not Allowed\n');
    else {
      ctx.params = match.params;
      response = await answer(ctx, match);
    }

    const finalSession = response.newSession ?? session;
    const setCookies: string[] = [];
    if (response.newSession || isNew) setCookies.push(sessionCookie(finalSession));
    if (web.legacyCsrf && cookies.get(CSRF_COOKIE) !== encodeURIComponent(finalSession.csrfToken)) {
      setCookies.push(csrfCookie(finalSession));
    }
    setCookies.push(...ctx.cookies);
    const headers: Record<string, string | string[]> = { ...(response.headers ?? {}) };
    if (setCookies.length > 0) headers['Set-Cookie'] = setCookies;
    calls.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: response.status,
      user: doer?.login ?? null,
      contentType: ctx.contentType,
      body: raw === '' ? undefined : raw,
    });
    res.writeHead(response.status, headers);
    res.end(method === 'HEAD' ? undefined : (response.body ?? ''));
  };
}
