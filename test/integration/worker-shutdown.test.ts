import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.ts';
import { deliveries } from '../../src/db/schema.ts';
import { HandlerRegistry } from '../../src/events/registry.ts';
import { createDeliveryQueue, type DeliveryQueue } from '../../src/queue/delivery-queue.ts';
import { type DeliveryWorker, startDeliveryWorker } from '../../src/queue/delivery-worker.ts';
import {
  clearRedisPrefix,
  createTestDatabase,
  createTestRedis,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueName,
} from '../support/services.ts';

const prefix = `aiwt-${uniqueName('shutdown')}`;
const logger = createLogger({ level: 'silent' });
const body = readFileSync(new URL('../../fixtures/gitea/issues.opened.json', import.meta.url), 'utf8');

let db: TestDatabase;
let queue: DeliveryQueue;
const admin = createTestRedis();
const started: DeliveryWorker[] = [];

beforeAll(async () => {
  db = await createTestDatabase('shutdown');
  queue = createDeliveryQueue(TEST_REDIS_URL, { prefix });
});

afterAll(async () => {
  await Promise.all(started.map((w) => w.close({ deadlineMs: 1_000 })));
  await queue.close();
  await db.drop();
  await clearRedisPrefix(admin, prefix);
  admin.disconnect();
});

function startWorker(registry: HandlerRegistry): DeliveryWorker {
  const worker = startDeliveryWorker({
    redisUrl: TEST_REDIS_URL,
    prefix,
    concurrency: 2,
    db: db.db,
    registry,
    botLogin: 'aiworker-bot',
    logger,
    // Short locks so that a job given up at the deadline returns to the queue within the test.
    lockDurationMs: 1_000,
    stalledIntervalMs: 500,
  });
  started.push(worker);
  return worker;
}

async function enqueue(id: string): Promise<void> {
  await queue.enqueue({
    deliveryId: id,
    event: 'issues',
    eventType: 'issues',
    receivedAt: Date.now(),
    payload: JSON.parse(body),
  });
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function outcome(id: string): Promise<string | undefined> {
  return (await db.db.select().from(deliveries).where(eq(deliveries.id, id)))[0]?.outcome;
}

describe('worker shutdown', () => {
  it('lets an in-flight delivery finish and takes no new one', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running: string[] = [];
    const finished: string[] = [];
    const registry = new HandlerRegistry().on('issues.opened', async (ctx) => {
      running.push(ctx.deliveryId);
      await gate;
      finished.push(ctx.deliveryId);
    });
    const worker = startWorker(registry);
    await worker.waitUntilReady();

    const first = randomUUID();
    await enqueue(first);
    await until(async () => (running.includes(first) ? true : undefined), 'the handler to start');

    let closed = false;
    const closing = worker.close({ deadlineMs: 20_000 }).then((result) => {
      closed = true;
      return result;
    });
    const second = randomUUID();
    await enqueue(second);
    await sleep(300);
    expect(closed).toBe(false); // still waiting for the in-flight delivery

    release();
    expect(await closing).toEqual({ abandoned: 0 });
    expect(finished).toEqual([first]);
    expect(await outcome(first)).toBe('handled');
    expect(await queue.queue.getJobState(first)).toBe('completed');
    // The delivery enqueued during shutdown waits for another worker.
    expect(running).not.toContain(second);
    expect(await queue.queue.getJobState(second)).toBe('waiting');
    await (await queue.queue.getJob(second))?.remove();
  });

  it('gives a delivery up at the deadline, and another worker completes it', async () => {
    const stuck = new HandlerRegistry().on('issues.opened', (ctx) => {
      // A handler that only stops when told to.
      return new Promise<void>((_, reject) => {
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted at shutdown')));
      });
    });
    const first = startWorker(stuck);
    await first.waitUntilReady();
    const id = randomUUID();
    await enqueue(id);
    await until(
      async () => ((await queue.queue.getJobState(id)) === 'active' ? true : undefined),
      'the job to start',
    );

    expect(await first.close({ deadlineMs: 300 })).toEqual({ abandoned: 1 });
    expect(await outcome(id)).toBe('received'); // nothing was settled by the worker that gave up

    const handledBy: string[] = [];
    const second = startWorker(
      new HandlerRegistry().on('issues.opened', (ctx) => {
        handledBy.push(`second:${ctx.deliveryId}`);
      }),
    );
    await second.waitUntilReady();
    await until(
      async () => ((await outcome(id)) === 'handled' ? true : undefined),
      'the second worker to handle it',
    );
    expect(handledBy).toEqual([`second:${id}`]);
    expect(
      await until(
        async () => ((await queue.queue.getJobState(id)) === 'completed' ? true : undefined),
        'completion',
      ),
    ).toBe(true);
  });
});
