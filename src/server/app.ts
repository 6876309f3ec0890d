import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from '../config/logger.ts';
import { createOpsRouter, type ReadinessChecks } from './health.ts';
import type { AppMetrics } from './metrics.ts';
import { createWebhookHandler, type Enqueue } from './webhook.ts';

export const WEBHOOK_PATH = '/webhooks/gitea';
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface HttpAppOptions {
  webhookSecret: string;
  /** Largest accepted webhook body (default 5 MiB, env WEBHOOK_MAX_BYTES). */
  maxBodyBytes?: number;
  enqueue: Enqueue;
  readiness: ReadinessChecks;
  metrics: AppMetrics;
  logger: Logger;
  /** More routes, mounted before the 404 handler, e.g. `{ path: '/mcp', handler: mcpRouter }`. */
  routers?: Array<{ path: string; handler: RequestHandler }>;
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The express app with its webhook handler, for `listen()`: it sends POST /webhooks/gitea
 * straight to the handler, before express. Express 5 re-prototypes every request and response
 * it handles, which costs about as much CPU as enqueueing the delivery (see
 * docs/benchmarks.md); the handler uses only Node's own request API, so both paths behave
 * identically.
 */
export type HttpApp = Express & { readonly webhookFastPath: NodeHandler };

/**
 * The HTTP side of AiWorker: the webhook endpoint, health, readiness and metrics. No body
 * parser is installed globally: the webhook reads its raw bytes itself, and extra routers
 * bring their own.
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', false);

  const webhook = createWebhookHandler({
    secret: options.webhookSecret,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    enqueue: options.enqueue,
    recordDelivery: (event, outcome, seconds) => options.metrics.recordDelivery(event, outcome, seconds),
    logger: options.logger,
  });
  const onWebhookError = (error: unknown, res: ServerResponse) => {
    options.logger.error({ err: error }, 'webhook request failed');
    if (!res.headersSent)
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
    else res.destroy();
  };
  const webhookFastPath: NodeHandler = (req, res) => {
    webhook(req, res).catch((error: unknown) => onWebhookError(error, res));
  };
  app.post(WEBHOOK_PATH, (req, res, next) => {
    webhook(req, res).catch(next);
  });
  app.use(createOpsRouter({ readiness: options.readiness, registry: options.metrics.registry }));
  for (const { path, handler } of options.routers ?? []) app.use(path, handler);

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    options.logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);
  return Object.assign(app, { webhookFastPath });
}

/**
 * The request listener to serve `app` with: POST /webhooks/gitea goes to the webhook handler
 * directly, everything else to express.
 */
export function requestListenerFor(app: Express | HttpApp): NodeHandler {
  if (!('webhookFastPath' in app)) return app;
  const fast = app.webhookFastPath;
  const withQuery = `${WEBHOOK_PATH}?`;
  return (req, res) => {
    if (req.method === 'POST' && (req.url === WEBHOOK_PATH || req.url?.startsWith(withQuery))) fast(req, res);
    else app(req, res);
  };
}
