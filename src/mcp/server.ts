import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { hashRunToken, type RunScope, verifyRunToken } from '../agents/run-tokens.ts';
import { createAgentMcpServer } from './agent-server.ts';
import type { McpDeps } from './deps.ts';
import {
  bearerToken,
  JSONRPC_FORBIDDEN,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  JSONRPC_SERVER_ERROR,
  JSONRPC_SESSION_NOT_FOUND,
  sendJsonRpcError,
  sendUnauthorized,
} from './http-errors.ts';
import { ProgressPublisher } from './progress.ts';
import { authInfoFor } from './scope.ts';
import { type McpSession, McpSessionRegistry } from './sessions.ts';
import type { ToolEnv } from './tool-kit.ts';

/**
 * AiWorker's MCP endpoint for coding agents (docs/architecture.md §5): Streamable HTTP with sessions.
 * `POST` carries JSON-RPC (an `initialize` without `mcp-session-id` opens a session), `GET`
 * opens the session's SSE stream, `DELETE` ends the session.
 *
 * Every request must carry `Authorization: Bearer <run token>`, verified against the database
 * each time (so revocation and expiry count at once); the session is bound to the token that
 * opened it. Sessions rather than stateless mode: the spec's GET stream and DELETE need them,
 * and binding a session to one token means a leaked session id is useless on its own. They
 * hold no state beyond that binding (tools read the database), so a restart costs a client only
 * a new `initialize`. With several `serve` replicas, route `/mcp` by `mcp-session-id` (sticky).
 */

export interface McpRouterOptions {
  /** Shortest time between two edits of a run's progress comment. Default 5 s. */
  progressIntervalMs?: number;
  /** Sessions unused this long are closed. Default 30 minutes. */
  sessionIdleMs?: number;
  /** Sessions open at once. Default 1000. */
  maxSessions?: number;
  /** Sessions of one run at once (a new one closes the oldest). Default 4. */
  maxSessionsPerRun?: number;
  /** Largest JSON-RPC body. Default 1 MiB. */
  maxBodyBytes?: number;
}

export interface McpEndpoint {
  /** Mount at `/mcp`: `createHttpApp({ routers: [{ path: '/mcp', handler: endpoint.router }] })`. */
  router: Router;
  sessionCount(): number;
  /** Ends every session and writes queued progress comments (at shutdown). */
  close(): Promise<void>;
}

export const DEFAULT_PROGRESS_INTERVAL_MS = 5_000;
export const DEFAULT_MCP_MAX_BODY_BYTES = 1024 * 1024;

interface Caller {
  verified: RunScope;
  tokenHash: string;
}

function callerOf(res: Response): Caller {
  const caller = res.locals['mcpCaller'] as Caller | undefined;
  if (!caller) throw new Error('MCP request reached a handler without authentication');
  return caller;
}

export function createMcpRouter(deps: McpDeps, options: McpRouterOptions = {}): McpEndpoint {
  const now = deps.now ?? (() => new Date());
  const realm = `${deps.publicUrl.replace(/\/+$/, '')}/mcp`;
  const progress = new ProgressPublisher({
    intervalMs: options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
    log: deps.log,
  });
  const env: ToolEnv = { deps, now, progress };
  const sessions = new McpSessionRegistry({
    idleMs: options.sessionIdleMs ?? 30 * 60 * 1000,
    maxSessions: options.maxSessions ?? 1000,
    maxPerRun: options.maxSessionsPerRun ?? 4,
    log: deps.log,
  });

  const authenticate: RequestHandler = async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (token === null) {
      sendUnauthorized(res, 'missing', realm);
      return;
    }
    const tokenHash = hashRunToken(token);
    const verified = await verifyRunToken(deps.db, token, now());
    if (!verified.ok) {
      // A session opened with a token that is now dead ends with it.
      const open = sessions.get(req.get('mcp-session-id') ?? '');
      if (open?.tokenHash === tokenHash) await sessions.close(open.id, `token ${verified.reason}`);
      sendUnauthorized(res, verified.reason, realm);
      return;
    }
    res.locals['mcpCaller'] = { verified, tokenHash } satisfies Caller;
    Object.assign(req, { auth: authInfoFor(verified) });
    next();
  };

  /** The session named by the request, if the caller may use it; otherwise the refusal is sent. */
  const sessionFor = (req: Request, res: Response): McpSession | undefined => {
    const id = req.get('mcp-session-id');
    if (!id) {
      sendJsonRpcError(
        res,
        400,
        JSONRPC_SERVER_ERROR,
        'Bad Request: no mcp-session-id header (initialize first)',
      );
      return undefined;
    }
    const session = sessions.get(id);
    if (!session) {
      sendJsonRpcError(res, 404, JSONRPC_SESSION_NOT_FOUND, 'Session not found (initialize again)');
      return undefined;
    }
    if (session.tokenHash !== callerOf(res).tokenHash) {
      sendJsonRpcError(
        res,
        403,
        JSONRPC_FORBIDDEN,
        'Forbidden: this session was opened with another run token',
      );
      return undefined;
    }
    sessions.touch(session);
    return session;
  };

  const openSession = async (req: Request, res: Response): Promise<void> => {
    const { verified, tokenHash } = callerOf(res);
    if (!(await sessions.makeRoom(verified.runId))) {
      sendJsonRpcError(res, 503, JSONRPC_SERVER_ERROR, 'Too many open MCP sessions; try again later', {
        'Retry-After': '30',
      });
      return;
    }
    const server = createAgentMcpServer(env);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.add({ id, transport, server, tokenHash, runId: verified.runId, lastSeenAt: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.forget(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    // An initialize the transport refused leaves no session behind.
    if (!transport.sessionId || !sessions.get(transport.sessionId)) await server.close();
  };

  const router = express.Router();
  const json = express.json({ limit: options.maxBodyBytes ?? DEFAULT_MCP_MAX_BODY_BYTES });

  router.post('/', authenticate, json, async (req, res) => {
    if (req.get('mcp-session-id')) {
      const session = sessionFor(req, res);
      if (session) await session.transport.handleRequest(req, res, req.body);
      return;
    }
    if (!isInitializeRequest(req.body)) {
      sendJsonRpcError(
        res,
        400,
        JSONRPC_SERVER_ERROR,
        'Bad Request: no mcp-session-id header; a session starts with an initialize request',
      );
      return;
    }
    await openSession(req, res);
  });

  const toSession: RequestHandler = async (req, res) => {
    const session = sessionFor(req, res);
    if (session) await session.transport.handleRequest(req, res);
  };
  router.get('/', authenticate, toSession);
  router.delete('/', authenticate, toSession);
  router.all('/', (_req, res) => {
    sendJsonRpcError(res, 405, JSONRPC_SERVER_ERROR, 'Method not allowed', { Allow: 'GET, POST, DELETE' });
  });

  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    const type = (error as { type?: string }).type;
    if (res.headersSent) {
      next(error);
      return;
    }
    if (type === 'entity.too.large') {
      sendJsonRpcError(res, 413, JSONRPC_INVALID_REQUEST, 'Request body too large');
    } else if (type === 'entity.parse.failed') {
      sendJsonRpcError(res, 400, JSONRPC_PARSE_ERROR, 'Parse error: the body is not valid JSON');
    } else if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      sendJsonRpcError(res, 415, JSONRPC_INVALID_REQUEST, 'Unsupported body encoding');
    } else {
      deps.log.error({ err: error }, 'MCP request failed');
      sendJsonRpcError(res, 500, JSONRPC_SERVER_ERROR, 'Internal error');
    }
  };
  router.use(bodyErrors);

  return {
    router,
    sessionCount: () => sessions.size,
    async close() {
      await sessions.closeAll();
      await progress.flushAll();
    },
  };
}
