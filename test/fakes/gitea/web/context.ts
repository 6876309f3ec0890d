import type { IncomingHttpHeaders } from 'node:http';
import { goJsonCompact } from '../go-json.ts';
import type { RepoRecord, UserRecord } from '../state.ts';
import type { World } from '../world.ts';
import { layout, notFoundMain } from './html.ts';
import type { ProjectStore } from './projects.ts';
import type { SessionStore, WebSession } from './sessions.ts';
import type { WebVersion } from './version.ts';

/** What a web route handler sees of a request, and what it answers. */

export interface WebWorld {
  world: World;
  projects: ProjectStore;
  sessions: SessionStore;
  /** The Gitea whose web UI is imitated. */
  version: WebVersion;
  /** Gitea ≤ 1.25 renders and checks CSRF tokens; 1.26 does not. */
  legacyCsrf: boolean;
  twoFactorUsers: Set<number>;
}

export interface WebContext {
  web: WebWorld;
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  contentType: string;
  raw: string;
  params: Record<string, string>;
  session: WebSession;
  doer: UserRecord | null;
  /** Set for `/{owner}/{repo}/…` routes once the repository is assigned. */
  repo: RepoRecord | null;
  /** Cookies to set on the answer (besides the session cookie). */
  cookies: string[];
}

export interface WebResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Replace the session (login): its cookie is sent instead of the request's. */
  newSession?: WebSession;
}

export type Auth = 'optional' | 'required' | 'signed-out';

export interface WebRoute {
  method: string;
  /** Segments; `{name}` captures one, `{name:a|b}` one of the alternatives, `{name:\d}` digits only. */
  pattern: string;
  auth: Auth;
  /** Repository routes: the repo is assigned (404 when missing or unreadable), then this check runs. */
  repo?: (ctx: WebContext) => boolean;
  handle(ctx: WebContext): WebResponse | Promise<WebResponse>;
}

export function jsonResponse(status: number, value: unknown): WebResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json;charset=utf-8' },
    body: goJsonCompact(value),
  };
}

/** ctx.JSONOK */
export function jsonOk(): WebResponse {
  return jsonResponse(200, { ok: true });
}

export function textResponse(status: number, body: string): WebResponse {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body };
}

export function htmlResponse(ctx: WebContext, status: number, title: string, main: string): WebResponse {
  const frame = {
    title,
    appUrl: `${ctx.web.world.state.baseUrl}/`,
    csrfToken: ctx.web.legacyCsrf ? ctx.session.csrfToken : null,
    signedInAs: ctx.doer?.login ?? null,
    path: ctx.url.pathname + ctx.url.search,
  };
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: layout(frame, main) };
}

/** ctx.Redirect: 303. */
export function redirect(location: string): WebResponse {
  return { status: 303, headers: { Location: location } };
}

/** ctx.NotFound: an HTML page when the client accepts HTML, `Not found.` otherwise. */
export function notFound(ctx: WebContext): WebResponse {
  const accept = String(ctx.headers.accept ?? '');
  if (accept.includes('text/html')) return htmlResponse(ctx, 404, 'Page Not Found', notFoundMain());
  return textResponse(404, 'Not found.\n');
}

/** ctx.ServerError for an error that is not a not-exist error (production mode hides the cause). */
export function serverError(ctx: WebContext): WebResponse {
  const accept = String(ctx.headers.accept ?? '');
  if (accept.includes('text/html')) {
    return htmlResponse(
      ctx,
      500,
      'Internal Server Error',
      '<div role="main" class="page-content status-page-500"><p>An error occurred.</p></div>',
    );
  }
  return textResponse(500, 'Internal Server Error\n');
}

export function repoLink(ctx: WebContext): string {
  const repo = ctx.repo;
  if (!repo) throw new Error('Gitea fake: web route has no repository');
  return `/${ctx.web.world.state.fullName(repo)}`;
}

export function mustRepo(ctx: WebContext): RepoRecord {
  if (!ctx.repo) throw new Error('Gitea fake: web route has no repository');
  return ctx.repo;
}

export function mustDoer(ctx: WebContext): UserRecord {
  if (!ctx.doer) throw new Error('Gitea fake: web route needs a signed-in user');
  return ctx.doer;
}

/** ctx.PathParamInt64: 0 when the segment is not a number. */
export function pathInt(ctx: WebContext, name: string): number {
  const value = ctx.params[name] ?? '';
  return /^\d+$/.test(value) ? Number.parseInt(value, 10) : 0;
}
