import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../config/logger.ts';
import type { IncomingDelivery } from '../queue/delivery-job.ts';
import type { EnqueueResult } from '../queue/delivery-queue.ts';
import { claimedEventType, firstHeader, readDeliveryHeaders } from './delivery-headers.ts';
import type { DeliveryOutcome } from './metrics.ts';
import { BodyTooLargeError, readRawBody } from './raw-body.ts';
import { verifySignature } from './signature.ts';

/**
 * POST /webhooks/gitea: verify, enqueue, answer — nothing else happens inside the request.
 *
 *   413 body over the limit · 401 missing or bad signature · 400 missing delivery/event
 *   header or a body that is not a JSON object · 503 the queue could not durably take it ·
 *   202 accepted (also duplicates; whether an event is handled is decided by the worker).
 *
 * Which headers are read, and their fallbacks, is in delivery-headers.ts. The signature is
 * always required.
 */

export type Enqueue = (delivery: IncomingDelivery) => Promise<EnqueueResult>;

export interface WebhookHandlerOptions {
  secret: string;
  maxBodyBytes: number;
  enqueue: Enqueue;
  /** Told about every request: event type, outcome and how long the answer took. */
  recordDelivery: (event: string | undefined, outcome: DeliveryOutcome, seconds: number) => void;
  logger: Logger;
}

const GITEA_SIGNATURE = ['x-gitea-signature'];
const HUB_SIGNATURE_256 = ['x-hub-signature-256'];

/** Handles one webhook request; uses only Node's request API, so it runs with or without express. */
export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const { secret, maxBodyBytes, enqueue, recordDelivery, logger } = options;
  if (!secret)
    throw new Error(
      'createWebhookHandler: a webhook secret is required (unsigned deliveries are always refused)',
    );

  return async (req, res) => {
    const started = performance.now();
    const answer = (status: number, outcome: DeliveryOutcome, body: Record<string, string>) => {
      send(res, status, body);
      recordDelivery(claimedEventType(req.headers), outcome, (performance.now() - started) / 1000);
    };

    let body: Buffer;
    try {
      body = await readRawBody(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        discardRest(req, res);
        answer(413, 'too_large', { error: `payload larger than ${maxBodyBytes} bytes` });
        return;
      }
      logger.debug({ err: error }, 'webhook body could not be read');
      answer(400, 'bad_request', { error: 'request body could not be read' });
      return;
    }

    const signature = verifySignature(secret, body, {
      giteaSignature: firstHeader(req.headers, GITEA_SIGNATURE),
      hubSignature256: firstHeader(req.headers, HUB_SIGNATURE_256),
    });
    if (signature !== 'valid') {
      logger.warn({ signature, ip: req.socket.remoteAddress }, 'webhook refused: signature missing or wrong');
      answer(401, 'unauthorized', {
        error: signature === 'missing' ? 'signature header missing' : 'signature does not match',
      });
      return;
    }

    const headers = readDeliveryHeaders(req.headers);
    if ('problem' in headers) {
      answer(400, 'bad_request', { error: headers.problem });
      return;
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      answer(400, 'bad_request', { error: 'payload is not valid JSON' });
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      answer(400, 'bad_request', { error: 'payload must be a JSON object' });
      return;
    }

    let result: EnqueueResult;
    try {
      result = await enqueue({
        ...headers,
        receivedAt: Date.now(),
        payload: parsed as Record<string, unknown>,
      });
    } catch (error) {
      logger.warn(
        { err: error, deliveryId: headers.deliveryId },
        'webhook not accepted: the queue is unavailable',
      );
      answer(503, 'unavailable', { error: 'queue unavailable, redeliver later' });
      return;
    }
    answer(202, result, { status: result, deliveryId: headers.deliveryId });
  };
}

function send(res: ServerResponse, status: number, body: Record<string, string>): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

/**
 * After a 413 the rest of the body is thrown away unread, and the connection is closed once
 * the answer is out, so a sender cannot keep it busy by streaming more.
 */
function discardRest(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  req.resume();
  res.once('finish', () => {
    setTimeout(() => req.socket.destroy(), 1_000).unref();
  });
}
