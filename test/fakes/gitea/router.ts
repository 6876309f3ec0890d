import type { Authentication } from './auth.ts';
import { ApiError, notFound } from './errors.ts';
import { type ListOptions, listOptions, pageOf, paginationHeaders } from './pagination.ts';
import type { IssueRecord, RepoRecord, UserRecord } from './state.ts';
import type { World } from './world.ts';

/** What a route handler sees of a request, and what it answers. */

export interface RequestContext {
  world: World;
  method: string;
  url: URL;
  params: Record<string, string>;
  query: URLSearchParams;
  auth: Authentication;
  doer: UserRecord | null;
  /** The repository of `/repos/{owner}/{repo}/…` routes, resolved before the handler runs. */
  repo: RepoRecord | null;
  /** The bound JSON body (an object, possibly empty) on routes that take one. */
  body: Record<string, unknown>;
}

export interface ApiResponse {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * Who may call a route, checked before the body is bound (as Gitea's middlewares run before
 * `bind`): `signed` is reqToken(), `write`/`admin` need that access to the route's repository.
 */
export type Access = 'public' | 'signed' | 'write' | 'admin';

export interface RouteDef {
  method: string;
  /** The swagger path template, e.g. `/repos/{owner}/{repo}/issues/{index}`. */
  path: string;
  access?: Access;
  /** Route middleware that runs after `access` and before the body is bound. */
  guard?(ctx: RequestContext): void;
  handle(ctx: RequestContext): ApiResponse;
}

export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

export function json(status: number, value: unknown, headers?: Record<string, string>): ApiResponse {
  return headers ? { status, json: value, headers } : { status, json: value };
}

export function noContent(): ApiResponse {
  return { status: 204 };
}

/** A page of `items` with Gitea's X-Total-Count and Link headers. */
export function paged<T>(
  ctx: RequestContext,
  items: readonly T[],
  render: (item: T) => unknown,
): ApiResponse {
  const opts: ListOptions = listOptions(ctx.query);
  const headers = paginationHeaders(ctx.url, ctx.world.state.baseUrl, items.length, opts);
  return json(200, pageOf(items, opts).map(render), headers);
}

export function repoOf(ctx: RequestContext): RepoRecord {
  if (!ctx.repo) throw new Error(`Gitea fake: route ${ctx.url.pathname} has no repository`);
  return ctx.repo;
}

export function doerOf(ctx: RequestContext): UserRecord {
  if (!ctx.doer) throw new ApiError(401, 'token is required');
  return ctx.doer;
}

export function intParam(ctx: RequestContext, name: string): number {
  const value = Number.parseInt(ctx.params[name] ?? '', 10);
  return Number.isFinite(value) ? value : 0;
}

/** The issue or pull request `{index}`; a missing one is a 404. */
export function issueParam(ctx: RequestContext): IssueRecord {
  const issue = repoOf(ctx).issues.get(intParam(ctx, 'index'));
  if (!issue) throw notFound(`issue does not exist [repo_id: ${repoOf(ctx).id}, index: ${ctx.params.index}]`);
  return issue;
}

export function bodyString(ctx: RequestContext, key: string): string | undefined {
  const value = ctx.body[key];
  return typeof value === 'string' ? value : undefined;
}

export function bodyBool(ctx: RequestContext, key: string): boolean | undefined {
  const value = ctx.body[key];
  return typeof value === 'boolean' ? value : undefined;
}

export function bodyArray(ctx: RequestContext, key: string): unknown[] | undefined {
  const value = ctx.body[key];
  return Array.isArray(value) ? value : undefined;
}

export function queryTime(ctx: RequestContext, key: string): Date | undefined {
  const value = ctx.query.get(key);
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new ApiError(422, `parsing time "${value}" as RFC 3339 failed`);
  return date;
}
