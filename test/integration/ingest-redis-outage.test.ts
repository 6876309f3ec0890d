import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.ts';
import { pingDb } from '../../src/db/client.ts';
import { deliveries } from '../../src/db/schema.ts';
import { HandlerRegistry } from '../../src/events/registry.ts';
import { createDeliveryQueue, type DeliveryQueue } from '../../src/queue/delivery-queue.ts';
import { type DeliveryWorker, startDeliveryWorker } from '../../src/queue/delivery-worker.ts';
import { createHttpApp } from '../../src/server/app.ts';
import { listen, type RunningServer } from '../../src/server/listen.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../support/services.ts';
import { signPayload } from '../support/webhooks.ts';

/**
 * A Redis of its own, started and killed by this test: while it is down the endpoint must
 * answer 503 (so Gitea records a failed delivery), and once it is back the redelivered
 * webhook must be processed.
 */

const SECRET = 'outage-test-secret-0123456789';
const logger = createLogger({ level: 'silent' });
const body = readFileSync(new URL('../../fixtures/gitea/issues.opened.json', import.meta.url), 'utf8');

let port: number;
let redisProcess: ChildProcess | undefined;
let db: TestDatabase;
let queue: DeliveryQueue;
let worker: DeliveryWorker;
let server: RunningServer;
const handled: string[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startRedis(): Promise<void> {
  redisProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return;
    } catch {
      probe.disconnect();
      await sleep(50);
    }
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

async function stopRedis(): Promise<void> {
  const child = redisProcess;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function until(
  probe: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function deliver(id: string) {
  return fetch(`${server.url}/webhooks/gitea`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitea-delivery': id,
      'x-gitea-event': 'issues',
      'x-gitea-event-type': 'issues',
      'x-gitea-signature': signPayload(SECRET, body),
    },
    body,
  });
}

async function outcome(id: string): Promise<string | undefined> {
  return (await db.db.select().from(deliveries).where(eq(deliveries.id, id)))[0]?.outcome;
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  const redisUrl = `redis://127.0.0.1:${port}/0`;
  db = await createTestDatabase('outage');
  queue = createDeliveryQueue(redisUrl, { prefix: 'aiwt-outage', enqueueTimeoutMs: 1_000 });
  worker = startDeliveryWorker({
    redisUrl,
    prefix: 'aiwt-outage',
    db: db.db,
    registry: new HandlerRegistry().on('issues.opened', (ctx) => {
      handled.push(ctx.deliveryId);
    }),
    botLogin: 'aiworker-bot',
    logger,
  });
  await worker.waitUntilReady();
  const app = createHttpApp({
    webhookSecret: SECRET,
    enqueue: queue.enqueue,
    readiness: { mariadb: () => pingDb(db.pool), redis: () => queue.ping() },
    metrics: createMetrics({ processMetrics: false }),
    logger,
  });
  server = await listen(app, { port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server?.close();
  await worker?.close({ deadlineMs: 2_000 });
  await queue?.close();
  await db?.drop();
  await stopRedis();
});

describe('Redis outage', () => {
  it('answers 503 while Redis is down and processes the redelivery once it is back', async () => {
    const before = randomUUID();
    expect((await deliver(before)).status).toBe(202);
    await until(async () => (await outcome(before)) === 'handled', 'the first delivery to be handled');

    await stopRedis();
    await until(() => queue.redis.status !== 'ready', 'the producer to notice');

    const during = randomUUID();
    const refused = await deliver(during);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: 'queue unavailable, redeliver later' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'unavailable',
      down: ['redis'],
      checks: { mariadb: 'up' },
    });

    await startRedis();
    await until(() => queue.redis.status === 'ready', 'the producer to reconnect');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    // Gitea's delivery was recorded as failed; it is delivered again and now goes through.
    const redelivered = await deliver(during);
    expect(redelivered.status).toBe(202);
    await until(
      async () => (await outcome(during)) === 'handled',
      'the redelivered webhook to be handled',
      30_000,
    );
    expect(handled).toEqual([before, during]);
  });
});
