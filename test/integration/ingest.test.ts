import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.ts';
import { connectDb, type DbHandle, pingDb } from '../../src/db/client.ts';
import { createDeliveryQueue, type DeliveryQueue } from '../../src/queue/delivery-queue.ts';
import { createHttpApp } from '../../src/server/app.ts';
import { listen, type RunningServer } from '../../src/server/listen.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import {
  clearRedisPrefix,
  createTestRedis,
  TEST_MYSQL_URL,
  TEST_REDIS_URL,
  uniqueName,
} from '../support/services.ts';
import { signPayload } from '../support/webhooks.ts';

const SECRET = 'ingest-test-secret-0123456789';
const prefix = `aiwt-${uniqueName('ingest')}`;
const logger = createLogger({ level: 'silent' });
const issueOpened = readFileSync(new URL('../../fixtures/gitea/issues.opened.json', import.meta.url), 'utf8');

let queue: DeliveryQueue;
let server: RunningServer;
let app: ReturnType<typeof createHttpApp>;
let mariadb: DbHandle;
const admin = createTestRedis();

beforeAll(async () => {
  queue = createDeliveryQueue(TEST_REDIS_URL, { prefix });
  await queue.queue.waitUntilReady();
  mariadb = connectDb(TEST_MYSQL_URL, { connectionLimit: 1 });
  const metrics = createMetrics({ processMetrics: false, queueDepth: () => queue.depth() });
  app = createHttpApp({
    webhookSecret: SECRET, // maxBodyBytes left at its default (5 MiB)
    enqueue: queue.enqueue,
    readiness: { mariadb: () => pingDb(mariadb.pool), redis: () => queue.ping() },
    metrics,
    logger,
  });
  server = await listen(app, { port: 0, host: '127.0.0.1' });
});

afterEach(async () => {
  await queue.queue.obliterate({ force: true });
});

afterAll(async () => {
  await server.close();
  await queue.close();
  await mariadb.close();
  await clearRedisPrefix(admin, prefix);
  admin.disconnect();
});

function giteaHeaders(
  body: string,
  deliveryId: string,
  eventType = 'issues',
  event = 'issues',
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-gitea-delivery': deliveryId,
    'x-gitea-event': event,
    'x-gitea-event-type': eventType,
    'x-gitea-signature': signPayload(SECRET, body),
  };
}

function post(body: string | Uint8Array | ReadableStream, headers: Record<string, string>) {
  return fetch(`${server.url}/webhooks/gitea`, {
    method: 'POST',
    headers,
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

async function jobCount(): Promise<number> {
  const counts = await queue.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe('POST /webhooks/gitea', () => {
  it('accepts a delivery signed with X-Gitea-Signature and queues it under its delivery id', async () => {
    const id = randomUUID();
    const before = Date.now();
    const res = await post(issueOpened, giteaHeaders(issueOpened, id));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', deliveryId: id });
    const job = await queue.queue.getJob(id);
    expect(job?.data).toMatchObject({
      deliveryId: id,
      event: 'issues',
      eventType: 'issues',
    });
    expect(job?.data.payload).toEqual(JSON.parse(issueOpened));
    expect(job?.data.receivedAt).toBeGreaterThanOrEqual(before);
  });

  it('accepts X-Hub-Signature-256 with only the X-GitHub-* headers, as GitHub-style senders send', async () => {
    const id = randomUUID();
    const res = await post(issueOpened, {
      'content-type': 'application/json',
      'x-github-delivery': id,
      'x-github-event': 'issues',
      'x-hub-signature-256': `sha256=${signPayload(SECRET, issueOpened)}`,
    });
    expect(res.status).toBe(202);
    // No X-Gitea-Event-Type: the event type falls back to the event.
    expect((await queue.queue.getJob(id))?.data).toMatchObject({ event: 'issues', eventType: 'issues' });
  });

  it('keeps the exact event type of a label change (event issues, type issue_label)', async () => {
    const id = randomUUID();
    const body = readFileSync(
      new URL('../../fixtures/gitea/issue_label.label_updated.json', import.meta.url),
      'utf8',
    );
    const res = await post(body, giteaHeaders(body, id, 'issue_label', 'issues'));
    expect(res.status).toBe(202);
    expect((await queue.queue.getJob(id))?.data).toMatchObject({ event: 'issues', eventType: 'issue_label' });
  });

  it('refuses a signature made with the wrong secret, and queues nothing', async () => {
    const id = randomUUID();
    const headers = giteaHeaders(issueOpened, id);
    headers['x-gitea-signature'] = signPayload('not-the-secret-at-all', issueOpened);
    const res = await post(issueOpened, headers);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'signature does not match' });
    expect(await queue.queue.getJob(id)).toBeUndefined();
    expect(await jobCount()).toBe(0);
  });

  it('refuses an unsigned delivery, and queues nothing', async () => {
    const id = randomUUID();
    const { 'x-gitea-signature': _dropped, ...headers } = giteaHeaders(issueOpened, id);
    const res = await post(issueOpened, headers);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'signature header missing' });
    expect(await jobCount()).toBe(0);
  });

  it('refuses a signed body that is not JSON, or not a JSON object', async () => {
    const broken = '{"action":"opened",';
    const res = await post(broken, giteaHeaders(broken, randomUUID()));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'payload is not valid JSON' });
    const list = '[1,2,3]';
    const listRes = await post(list, giteaHeaders(list, randomUUID()));
    expect(listRes.status).toBe(400);
    expect(await listRes.json()).toEqual({ error: 'payload must be a JSON object' });
    expect(await jobCount()).toBe(0);
  });

  it('refuses a delivery without a delivery id or an event header', async () => {
    const { 'x-gitea-delivery': _id, ...noId } = giteaHeaders(issueOpened, randomUUID());
    const res = await post(issueOpened, noId);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'X-Gitea-Delivery header missing' });

    const {
      'x-gitea-event': _event,
      'x-gitea-event-type': _type,
      ...noEvent
    } = giteaHeaders(issueOpened, randomUUID());
    const res2 = await post(issueOpened, noEvent);
    expect(res2.status).toBe(400);
    expect(await res2.json()).toEqual({ error: 'X-Gitea-Event header missing' });

    const numeric = await post(issueOpened, giteaHeaders(issueOpened, '12345'));
    expect(numeric.status).toBe(400);
    expect(await jobCount()).toBe(0);
  });

  it('refuses a body over the default 5 MiB limit, declared or streamed', async () => {
    const huge = `{"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`;
    const res = await post(huge, giteaHeaders(huge, randomUUID()));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'payload larger than 5242880 bytes' });

    // Chunked, without Content-Length: the limit is enforced while reading.
    const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await post(stream, giteaHeaders('irrelevant', randomUUID())).catch(
      (error: unknown) => error,
    );
    // The server answers 413 and closes; depending on timing the client sees the answer or the close.
    if (streamed instanceof Response) expect(streamed.status).toBe(413);
    else expect(streamed).toBeInstanceOf(Error);
    expect(await jobCount()).toBe(0);

    // A body just under the limit is fine.
    const big = `{"action":"opened","pad":"${'y'.repeat(5 * 1024 * 1024 - 100)}"}`;
    expect((await post(big, giteaHeaders(big, randomUUID()))).status).toBe(202);
  });

  it('queues a delivery received three times at once exactly once', async () => {
    const id = randomUUID();
    const responses = await Promise.all(
      [1, 2, 3].map(() => post(issueOpened, giteaHeaders(issueOpened, id))),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202]);
    const statuses = (await Promise.all(responses.map((r) => r.json()))).map(
      (b) => (b as { status: string }).status,
    );
    expect(statuses.sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect(await jobCount()).toBe(1);
    expect((await queue.queue.getJob(id))?.id).toBe(id);
    // A late duplicate is still a no-op.
    const late = await post(issueOpened, giteaHeaders(issueOpened, id));
    expect(await late.json()).toEqual({ status: 'duplicate', deliveryId: id });
    expect(await jobCount()).toBe(1);
  });
});

describe('the app served by express alone (without the fast path of listen())', () => {
  it('verifies and enqueues the same way', async () => {
    const plain = createServer(app);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/webhooks/gitea`;
    try {
      const id = randomUUID();
      const ok = await fetch(url, {
        method: 'POST',
        headers: giteaHeaders(issueOpened, id),
        body: issueOpened,
      });
      expect(ok.status).toBe(202);
      expect(await ok.json()).toEqual({ status: 'accepted', deliveryId: id });
      expect((await queue.queue.getJob(id))?.data.payload).toEqual(JSON.parse(issueOpened));
      const bad = await fetch(url, {
        method: 'POST',
        headers: { ...giteaHeaders(issueOpened, randomUUID()), 'x-gitea-signature': '0'.repeat(64) },
        body: issueOpened,
      });
      expect(bad.status).toBe(401);
      expect(await jobCount()).toBe(1);
    } finally {
      plain.closeAllConnections();
      await new Promise((resolve) => plain.close(resolve));
    }
  });
});

describe('health, readiness and metrics', () => {
  it('answers /healthz and /readyz with both dependencies up', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', down: [], checks: { mariadb: 'up', redis: 'up' } });
  });

  it('counts deliveries by event and outcome and reports the queue depth', async () => {
    const id = randomUUID();
    await post(issueOpened, giteaHeaders(issueOpened, id));
    await post(issueOpened, giteaHeaders(issueOpened, id));
    await post(issueOpened, {
      ...giteaHeaders(issueOpened, randomUUID()),
      'x-gitea-signature': 'f'.repeat(64),
    });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (pattern: RegExp) => Number(text.match(pattern)?.[1] ?? Number.NaN);
    expect(
      value(/aiworker_webhook_deliveries_total\{event="issues",outcome="accepted"\} (\d+)/),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(/aiworker_webhook_deliveries_total\{event="issues",outcome="duplicate"\} (\d+)/),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(/aiworker_webhook_deliveries_total\{event="issues",outcome="unauthorized"\} (\d+)/),
    ).toBeGreaterThanOrEqual(1);
    expect(value(/aiworker_webhook_ack_seconds_count\{outcome="accepted"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/aiworker_queue_jobs\{state="waiting"\} (\d+)/)).toBe(1);
  });

  it('answers 404 with the route for unknown paths', async () => {
    const res = await fetch(`${server.url}/webhooks/github`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no route for POST /webhooks/github' });
  });
});
