import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.ts';
import { auditLog, deliveries } from '../../src/db/schema.ts';
import { PermanentError, RetryableError } from '../../src/domain/errors.ts';
import type { EventContext } from '../../src/domain/events.ts';
import { HandlerRegistry } from '../../src/events/registry.ts';
import type { DeliveryFailure } from '../../src/queue/delivery-processor.ts';
import { createDeliveryQueue, type DeliveryQueue } from '../../src/queue/delivery-queue.ts';
import { type DeliveryWorker, startDeliveryWorker } from '../../src/queue/delivery-worker.ts';
import { createHttpApp } from '../../src/server/app.ts';
import { listen, type RunningServer } from '../../src/server/listen.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import {
  clearRedisPrefix,
  createTestDatabase,
  createTestRedis,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueName,
} from '../support/services.ts';
import { signPayload } from '../support/webhooks.ts';

const SECRET = 'worker-test-secret-0123456789';
const BOT = 'aiworker-bot';
const prefix = `aiwt-${uniqueName('worker')}`;

function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/gitea/${name}`, import.meta.url), 'utf8');
}

/** Log lines of the whole run, to check what the per-delivery loggers carry. */
const logLines: Array<Record<string, unknown>> = [];
const logger = createLogger({
  level: 'debug',
  destination: { write: (line: string) => logLines.push(JSON.parse(line)) },
});

/** What each handler should do, per delivery id; calls are recorded per delivery id. */
const behaviour = new Map<string, (ctx: EventContext) => void | Promise<void>>();
const calls = new Map<string, string[]>();
const failures: DeliveryFailure[] = [];

let db: TestDatabase;
let queue: DeliveryQueue;
let worker: DeliveryWorker;
let server: RunningServer;
const admin = createTestRedis();

beforeAll(async () => {
  db = await createTestDatabase('worker');
  queue = createDeliveryQueue(TEST_REDIS_URL, { prefix, attempts: 3, backoffMs: 20 });
  const record = (name: string) => async (ctx: EventContext) => {
    calls.set(ctx.deliveryId, [...(calls.get(ctx.deliveryId) ?? []), name]);
    await behaviour.get(ctx.deliveryId)?.(ctx);
  };
  const registry = new HandlerRegistry()
    .on('issues.opened', record('issues.opened'), { name: 'opened' })
    .on(
      'comment.created',
      (ctx) => record(`comment:${ctx.payload.comment.body}`)(ctx as unknown as EventContext),
      {
        name: 'comment',
      },
    );
  const metrics = createMetrics({ processMetrics: false });
  worker = startDeliveryWorker({
    redisUrl: TEST_REDIS_URL,
    prefix,
    concurrency: 4,
    db: db.db,
    registry,
    botLogin: BOT,
    logger,
    metrics,
    onPermanentFailure: (failure) => {
      failures.push(failure);
    },
  });
  await worker.waitUntilReady();
  const app = createHttpApp({
    webhookSecret: SECRET,
    enqueue: queue.enqueue,
    readiness: {},
    metrics,
    logger,
  });
  server = await listen(app, { port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server.close();
  await worker.close({ deadlineMs: 5_000 });
  await queue.close();
  await db.drop();
  await clearRedisPrefix(admin, prefix);
  admin.disconnect();
});

async function deliver(body: string, eventType: string, event: string, id = randomUUID()): Promise<string> {
  const res = await fetch(`${server.url}/webhooks/gitea`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitea-delivery': id,
      'x-gitea-event': event,
      'x-gitea-event-type': eventType,
      'x-gitea-signature': signPayload(SECRET, body),
    },
    body,
  });
  expect(res.status).toBe(202);
  return id;
}

async function row(id: string) {
  return (await db.db.select().from(deliveries).where(eq(deliveries.id, id)))[0];
}

/** Waits until the delivery's job is completed or failed for good. */
async function settled(id: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await queue.queue.getJobState(id);
    if (state === 'completed' || state === 'failed') return state;
    await sleep(25);
  }
  throw new Error(`delivery ${id} did not finish within ${timeoutMs} ms`);
}

function commentBody(text: string, senderLogin?: string): string {
  const payload = JSON.parse(fixture('issue_comment.created.json'));
  payload.comment.body = text;
  if (senderLogin) payload.sender.login = senderLogin;
  return JSON.stringify(payload);
}

describe('delivery worker', () => {
  it('routes a delivery to its handler and records it in deliveries and audit_log', async () => {
    let seen: EventContext | undefined;
    const id = randomUUID();
    behaviour.set(id, (ctx) => {
      seen = ctx;
      ctx.log.info('handling the opened issue');
    });
    await deliver(fixture('issues.opened.json'), 'issues', 'issues', id);
    expect(await settled(id)).toBe('completed');

    expect(seen).toMatchObject({ deliveryId: id, name: 'issues.opened', issueNumber: 1, attempt: 1 });
    expect(seen?.repo?.fullName).toBe('example/example');
    expect(await row(id)).toMatchObject({
      event: 'issues',
      eventType: 'issues',
      action: 'opened',
      repoFullName: 'example/example',
      issueNumber: 1,
      sender: 'example',
      outcome: 'handled',
      reason: null,
      attempts: 1,
    });
    const audit = await db.db.select().from(auditLog).where(eq(auditLog.deliveryId, id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      command: 'delivery',
      args: 'issues.opened',
      result: 'handled',
      actor: 'example',
      repoFullName: 'example/example',
      issueNumber: 1,
      causeKey: `delivery:${id}`,
    });
    // The handler's logger carries the delivery, event, repository and issue.
    const line = logLines.find((l) => l.msg === 'handling the opened issue' && l.deliveryId === id);
    expect(line).toMatchObject({ deliveryId: id, event: 'issues', repo: 'example/example', issue: 1 });
    // The finished job keeps its id (late duplicates stay no-ops) but not its payload.
    expect((await queue.queue.getJob(id))?.data).toMatchObject({
      deliveryId: id,
      payload: null,
    });
  });

  it('runs the handler once for a delivery received three times at once', async () => {
    const id = randomUUID();
    const body = fixture('issues.opened.json');
    await Promise.all([1, 2, 3].map(() => deliver(body, 'issues', 'issues', id)));
    expect(await settled(id)).toBe('completed');
    await sleep(200); // a second job, had there been one, would have run by now
    expect(calls.get(id)).toEqual(['issues.opened']);
    expect(await row(id)).toMatchObject({ outcome: 'handled', attempts: 1 });
  });

  it('skips a delivery that was already handled even when its job comes back', async () => {
    const id = randomUUID();
    const body = fixture('issues.opened.json');
    await deliver(body, 'issues', 'issues', id);
    expect(await settled(id)).toBe('completed');
    // The job is gone from Redis (e.g. removed after a day) and the same delivery reaches
    // another server process, which enqueues it again.
    await (await queue.queue.getJob(id))?.remove();
    const otherServer = createDeliveryQueue(TEST_REDIS_URL, { prefix });
    await otherServer.queue.waitUntilReady();
    try {
      const again = { deliveryId: id, event: 'issues', eventType: 'issues', receivedAt: Date.now() };
      expect(await otherServer.enqueue({ ...again, payload: JSON.parse(body) })).toBe('accepted');
    } finally {
      await otherServer.close();
    }
    expect(await settled(id)).toBe('completed');
    expect(await (await queue.queue.getJob(id))?.returnvalue).toBe('skipped');
    expect(calls.get(id)).toEqual(['issues.opened']);
    expect(await row(id)).toMatchObject({ outcome: 'handled', attempts: 1 });
  });

  it('hands comments to the comment handler in the normalised shape', async () => {
    const id = await deliver(commentBody('/status please'), 'issue_comment', 'issue_comment');
    expect(await settled(id)).toBe('completed');
    expect(calls.get(id)).toEqual(['comment:/status please']);
    expect(await row(id)).toMatchObject({
      outcome: 'handled',
      eventType: 'issue_comment',
      action: 'created',
    });
  });

  it("ignores the bot's own comment", async () => {
    const id = await deliver(commentBody('/status', BOT), 'issue_comment', 'issue_comment');
    expect(await settled(id)).toBe('completed');
    expect(calls.get(id)).toBeUndefined();
    expect(await row(id)).toMatchObject({
      outcome: 'ignored',
      reason: `sent by the bot itself (${BOT})`,
      sender: BOT,
    });
    const audit = await db.db.select().from(auditLog).where(eq(auditLog.deliveryId, id));
    expect(audit[0]).toMatchObject({ result: 'ignored' });
  });

  it('ignores a comment carrying an aiworker marker', async () => {
    const id = await deliver(
      commentBody('1. Which provider?\n<!-- aiworker:questions task=4 round=1 -->', 'someone'),
      'issue_comment',
      'issue_comment',
    );
    expect(await settled(id)).toBe('completed');
    expect(calls.get(id)).toBeUndefined();
    expect(await row(id)).toMatchObject({
      outcome: 'ignored',
      reason: 'the comment carries an aiworker marker',
    });
  });

  it('accepts and ignores events nobody handles, and event types it does not know', async () => {
    const release = await deliver(fixture('release.published.json'), 'release', 'release');
    const unknown = await deliver('{"action":"created","thing":1}', 'wiki_page_renamed', 'wiki');
    expect(await settled(release)).toBe('completed');
    expect(await settled(unknown)).toBe('completed');
    expect(await row(release)).toMatchObject({
      outcome: 'ignored',
      reason: 'no handler for release.published',
    });
    expect(await row(unknown)).toMatchObject({
      outcome: 'ignored',
      reason: 'unknown event type wiki_page_renamed',
    });
  });

  it('retries a retryable failure and records the attempts', async () => {
    const id = randomUUID();
    let attempts = 0;
    behaviour.set(id, () => {
      attempts += 1;
      if (attempts < 3) throw new RetryableError('Gitea answered 502');
    });
    await deliver(fixture('issues.opened.json'), 'issues', 'issues', id);
    expect(await settled(id)).toBe('completed');
    expect(attempts).toBe(3);
    expect(await row(id)).toMatchObject({ outcome: 'handled', attempts: 3 });
    expect(failures.find((f) => f.deliveryId === id)).toBeUndefined();
  });

  it('fails a retryable failure for good once the attempts are used up, and reports it', async () => {
    const id = randomUUID();
    behaviour.set(id, () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), { code: 'ECONNREFUSED' });
    });
    await deliver(fixture('issues.opened.json'), 'issues', 'issues', id);
    expect(await settled(id)).toBe('failed');
    expect(calls.get(id)).toHaveLength(3);
    expect(await row(id)).toMatchObject({ outcome: 'failed', attempts: 3 });
    expect((await row(id))?.reason).toContain('ECONNREFUSED');
    const reported = failures.filter((f) => f.deliveryId === id);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({
      reason: 'attempts_exhausted',
      attempts: 3,
      issueNumber: 1,
      name: 'issues.opened',
    });
  });

  it('ends a permanent failure at once, records the reason and calls the failure hook', async () => {
    const id = randomUUID();
    behaviour.set(id, () => {
      throw new PermanentError('the issue has no description to work from');
    });
    await deliver(fixture('issues.opened.json'), 'issues', 'issues', id);
    expect(await settled(id)).toBe('failed');
    expect(calls.get(id)).toHaveLength(1);
    const job = await queue.queue.getJob(id);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toContain('the issue has no description to work from');
    const recorded = await row(id);
    expect(recorded).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect(recorded?.reason).toBe(
      'HandlerError: handler opened failed: the issue has no description to work from',
    );
    const reported = failures.filter((f) => f.deliveryId === id);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({
      reason: 'permanent',
      issueNumber: 1,
      repo: { fullName: 'example/example' },
    });
    expect(reported[0]?.error.cause).toBeInstanceOf(PermanentError);
    const audit = await db.db.select().from(auditLog).where(eq(auditLog.deliveryId, id));
    expect(audit[0]).toMatchObject({ result: 'failed' });
  });
});
