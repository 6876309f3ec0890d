import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type Authentication, authenticate } from './auth.ts';
import { accessMode } from './domain/access.ts';
import { ApiError, errorBody, NOT_FOUND_MESSAGE, notFound } from './errors.ts';
import type { FailureInjector, InjectedFailure } from './failures.ts';
import { goJsonCompact } from './go-json.ts';
import { type ApiResponse, type RequestContext, type RouteDef, routeKey } from './router.ts';
import { AccessMode } from './state.ts';
import type { SwaggerContract, SwaggerOperation } from './swagger.ts';
import type { RecordedCall } from './types.ts';
import type { World } from './world.ts';

/**
 * The request pipeline, in Gitea's order: authentication, route lookup against the swagger
 * contract (404/405), repository assignment (404), access (401/403), route middleware, body
 * binding (422), handler. Failure injection sits in front and can skip or shadow all of it.
 */

export interface PipelineDeps {
  world: () => World;
  swagger: SwaggerContract;
  routes: ReadonlyMap<string, RouteDef>;
  failures: FailureInjector;
  calls: RecordedCall[];
  hanging: Set<Socket>;
  /** The web UI routes (sign-in, project boards): every path outside `/api/v1`. */
  web?: (req: IncomingMessage, res: ServerResponse, url: URL, raw: string) => Promise<void>;
}

const API_PREFIX = '/api/v1';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseForRecord(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, response: ApiResponse): void {
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  let payload = '';
  if (response.json !== undefined) {
    headers['Content-Type'] = 'application/json;charset=utf-8';
    payload = goJsonCompact(response.json);
  } else if (response.text !== undefined) {
    headers['Content-Type'] = response.contentType ?? 'text/plain; charset=utf-8';
    payload = response.text;
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

function errorResponse(error: ApiError, swaggerUrl: string, version: string): ApiResponse {
  if (error.emptyBody) return { status: error.status };
  return { status: error.status, json: errorBody(error, swaggerUrl, version) };
}

function hang(deps: PipelineDeps, req: IncomingMessage, ms: number): void {
  const socket = req.socket;
  deps.hanging.add(socket);
  const timer = setTimeout(() => socket.destroy(), ms);
  socket.once('close', () => {
    clearTimeout(timer);
    deps.hanging.delete(socket);
  });
}

function resolveRepo(ctx: RequestContext, operation: SwaggerOperation): void {
  if (!operation.template.startsWith('/repos/{owner}/{repo}')) return;
  const { state } = ctx.world;
  const repo = state.repoByName(ctx.params.owner ?? '', ctx.params.repo ?? '');
  if (!repo || accessMode(repo, ctx.doer) < AccessMode.Read) throw notFound();
  ctx.repo = repo;
}

function checkAccess(ctx: RequestContext, route: RouteDef): void {
  const access = route.access ?? 'public';
  if (access === 'public') return;
  if (!ctx.doer) throw new ApiError(401, 'token is required');
  if (access === 'signed' || !ctx.repo) return;
  const mode = accessMode(ctx.repo, ctx.doer);
  if (access === 'write' && mode < AccessMode.Write) {
    throw new ApiError(403, 'user should have a permission to write to a repo');
  }
  if (access === 'admin' && mode < AccessMode.Admin) {
    throw new ApiError(403, 'user should be an owner or a collaborator with admin write of a repository');
  }
}

/** Runs the API request; ApiErrors become Gitea-shaped answers. */
function dispatch(
  deps: PipelineDeps,
  req: IncomingMessage,
  url: URL,
  raw: string,
  call: RecordedCall,
): ApiResponse {
  const world = deps.world();
  const { state } = world;
  try {
    const auth: Authentication = authenticate(state, req.headers.authorization);
    call.user = auth.user?.login ?? null;
    const apiPath = url.pathname.slice(API_PREFIX.length) || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const match = deps.swagger.match(method, apiPath);
    if (match.kind === 'not-found')
      return { status: 404, json: { errors: null, message: NOT_FOUND_MESSAGE, url: state.swaggerUrl } };
    if (match.kind === 'method-not-allowed') return { status: 405 };
    const route = deps.routes.get(routeKey(method, match.operation.template));
    const ctx: RequestContext = {
      world,
      method,
      url,
      params: match.params,
      query: url.searchParams,
      auth,
      doer: auth.user,
      repo: null,
      body: {},
    };
    resolveRepo(ctx, match.operation);
    if (!route) {
      return {
        status: 501,
        json: {
          message: `The Gitea fake does not implement ${method} ${API_PREFIX}${match.operation.template} (${match.operation.operationId}) yet; add it in test/fakes/gitea/routes/.`,
          url: state.swaggerUrl,
        },
      };
    }
    checkAccess(ctx, route);
    route.guard?.(ctx);
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    const bound = deps.swagger.bindBody(match.operation, method, contentType, raw);
    if (bound && typeof bound === 'object' && !Array.isArray(bound))
      ctx.body = bound as Record<string, unknown>;
    return route.handle(ctx);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error, state.swaggerUrl, state.version);
    return {
      status: 500,
      json: {
        message: `Gitea fake internal error: ${(error as Error).stack ?? String(error)}`,
        url: state.swaggerUrl,
      },
    };
  }
}

function injectedAnswer(failure: InjectedFailure, swaggerUrl: string): ApiResponse {
  const status = failure.status === 'timeout' ? 504 : failure.status;
  return { status, json: { message: `injected failure (HTTP ${status})`, url: swaggerUrl } };
}

export function createRequestHandler(deps: PipelineDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const world = deps.world();
    const url = new URL(req.url ?? '/', world.state.baseUrl);
    const raw = await readBody(req);
    if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) {
      if (deps.web) await deps.web(req, res, url, raw);
      else send(res, { status: 404, text: 'Not found.\n' });
      return;
    }
    const call: RecordedCall = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      user: null,
      body: parseForRecord(raw),
    };
    deps.calls.push(call);

    const failure = deps.failures.decide(call.method, url.pathname);
    if (failure && !failure.afterEffect) {
      call.injected = 'failure';
      try {
        call.user = authenticate(world.state, req.headers.authorization).user?.login ?? null;
      } catch {
        call.user = null;
      }
      if (failure.status === 'timeout') {
        hang(deps, req, failure.hangMs);
        return;
      }
      const answer = injectedAnswer(failure, world.state.swaggerUrl);
      call.status = answer.status;
      send(res, answer);
      return;
    }

    const response = dispatch(deps, req, url, raw, call);
    if (failure) {
      // The change happened; the client is told it did not.
      call.injected = 'after-effect';
      if (failure.status === 'timeout') {
        hang(deps, req, failure.hangMs);
        return;
      }
      const answer = injectedAnswer(failure, world.state.swaggerUrl);
      call.status = answer.status;
      send(res, answer);
      return;
    }
    call.status = response.status;
    send(res, response);
  };
}
