import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.ts';
import { deliveries } from '../../src/db/schema.ts';
import { GITEA_EVENT_TYPES, type GiteaEventType } from '../../src/domain/event-names.ts';
import type { NormalisedComment } from '../../src/domain/events.ts';
import type { WebhookPayload } from '../../src/domain/payloads.ts';
import { HandlerRegistry } from '../../src/events/registry.ts';
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
import { giteaEventHeaderFor, signPayload } from '../support/webhooks.ts';

/**
 * Every real payload in fixtures/gitea, signed and sent with the headers Gitea 1.26 sends for
 * it, through the real endpoint, Redis, worker and MariaDB: each must be accepted, routed to
 * the handler of its event type and action, and read with the right fields.
 */

const SECRET = 'replay-test-secret-0123456789';
const prefix = `aiwt-${uniqueName('replay')}`;
const FIXTURES = new URL('../../fixtures/gitea/', import.meta.url);
const files = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort();

interface Seen {
  name: string;
  issueNumber: number | null;
  repo: string | undefined;
  payload: WebhookPayload;
}
const raw = new Map<string, Seen>();
const comments = new Map<string, NormalisedComment>();

/** What each file must produce: its routed name, issue number, repository and one telling field. */
const expected: Record<
  string,
  { name: string; issue: number | null; repo: string; check?: (seen: Seen) => void }
> = {
  'create.json': {
    name: 'create',
    issue: null,
    repo: 'example/example',
    check: (s) => expect(s.payload.ref).toBe('master'),
  },
  'issue_assign.assigned.json': { name: 'issue_assign.assigned', issue: 1, repo: 'example/example' },
  'issue_comment.created.json': { name: 'issue_comment.created', issue: 1, repo: 'example/example' },
  'issue_comment.created.legacy-2018.json': {
    name: 'issue_comment.created',
    issue: 1,
    repo: 'gogits/hello-world',
  },
  'issue_comment.edited.json': { name: 'issue_comment.edited', issue: 3, repo: 'kostekIV/test' },
  'issue_comment.edited.legacy-2018.json': {
    name: 'issue_comment.edited',
    issue: 1,
    repo: 'gogits/hello-world',
  },
  'issue_label.label_updated.json': {
    name: 'issue_label.label_updated',
    issue: 1,
    repo: 'example/example',
    check: (s) => expect(s.payload.issue?.labels?.map((l) => l.name)).toEqual(['bug']),
  },
  'issue_milestone.milestoned.json': {
    name: 'issue_milestone.milestoned',
    issue: 1,
    repo: 'example/example',
  },
  'issues.closed.json': {
    name: 'issues.closed',
    issue: 1,
    repo: 'gogits/hello-world',
    check: (s) => expect(s.payload.issue?.state).toBe('closed'),
  },
  'issues.opened.json': {
    name: 'issues.opened',
    issue: 1,
    repo: 'example/example',
    check: (s) => expect(s.payload.issue?.title).toBe('example'),
  },
  'issues.opened.legacy-2018.json': { name: 'issues.opened', issue: 1, repo: 'gogits/hello-world' },
  'pull_request.closed.json': {
    name: 'pull_request.closed',
    issue: 1,
    repo: 'anbraten/test-repo',
    check: (s) => expect(s.payload.pull_request?.merged).toBe(false),
  },
  'pull_request.closed.legacy-2018.json': {
    name: 'pull_request.closed',
    issue: 1,
    repo: 'jcitizen/my-repo',
    check: (s) => expect(s.payload.pull_request?.merged).toBe(false),
  },
  'pull_request.closed.merged.json': {
    name: 'pull_request.closed',
    issue: 1,
    repo: 'anbraten/test-repo',
    check: (s) => {
      expect(s.payload.pull_request?.merged).toBe(true);
      expect(s.payload.pull_request?.merge_commit_sha).toBe('f2440f050054df0f8ecabcace648f1683509064c');
    },
  },
  'pull_request.closed.merged.legacy-2018.json': {
    name: 'pull_request.closed',
    issue: 1,
    repo: 'jcitizen/my-repo',
    check: (s) => expect(s.payload.pull_request?.merged).toBe(true),
  },
  'pull_request.edited.body.json': {
    name: 'pull_request.edited',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
    check: (s) => expect(typeof s.payload.changes?.body?.from).toBe('string'),
  },
  'pull_request.edited.title.json': {
    name: 'pull_request.edited',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
    check: (s) => expect(typeof s.payload.changes?.title?.from).toBe('string'),
  },
  'pull_request.opened.json': { name: 'pull_request.opened', issue: 2, repo: 'example/example' },
  'pull_request.opened.legacy-2018.json': { name: 'pull_request.opened', issue: 1, repo: 'jcitizen/my-repo' },
  'pull_request_assign.assigned.json': {
    name: 'pull_request_assign.assigned',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
  },
  'pull_request_comment.created.json': {
    name: 'pull_request_comment.created',
    issue: 2,
    repo: 'example/example',
  },
  'pull_request_label.label_cleared.json': {
    name: 'pull_request_label.label_cleared',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
  },
  'pull_request_label.label_updated.changed.json': {
    name: 'pull_request_label.label_updated',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
  },
  'pull_request_label.label_updated.json': {
    name: 'pull_request_label.label_updated',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
  },
  'pull_request_label.label_updated.legacy-2022.json': {
    name: 'pull_request_label.label_updated',
    issue: 2,
    repo: 'example/example',
  },
  'pull_request_review_approved.reviewed.json': {
    name: 'pull_request_review_approved.reviewed',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
  },
  'pull_request_review_comment.reviewed.json': {
    name: 'pull_request_review_comment.reviewed',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
  },
  'pull_request_review_comment.reviewed.legacy-2022.json': {
    name: 'pull_request_review_comment.reviewed',
    issue: 2,
    repo: 'example/example',
  },
  'pull_request_review_rejected.reviewed.json': {
    name: 'pull_request_review_rejected.reviewed',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
  },
  'pull_request_review_request.review_requested.json': {
    name: 'pull_request_review_request.review_requested',
    issue: 7,
    repo: 'a_nice_user/hello_world_ci',
  },
  'pull_request_sync.synchronized.json': {
    name: 'pull_request_sync.synchronized',
    issue: 2,
    repo: 'Test-CI/multi-line-secrets',
  },
  'push.json': {
    name: 'push',
    issue: null,
    repo: 'Test-CI/multi-line-secrets',
    check: (s) => {
      expect(s.payload.ref).toBe('refs/heads/main');
      expect(s.payload.commits).toHaveLength(3);
    },
  },
  'push.legacy-2018.json': { name: 'push', issue: null, repo: 'gogits/hello-world' },
  'push.legacy-2022.json': { name: 'push', issue: null, repo: 'example/example' },
  'release.published.json': { name: 'release.published', issue: null, repo: 'anbraten/demo' },
};

/** The normalised comment each comment or review fixture must produce. */
const expectedComments: Record<string, Partial<NormalisedComment> & { body: string }> = {
  'issue_comment.created.json': { kind: 'issue', action: 'created', body: 'example' },
  'issue_comment.created.legacy-2018.json': { kind: 'issue', action: 'created', body: 'Got it' },
  'issue_comment.edited.json': {
    kind: 'issue',
    action: 'edited',
    body: 'edit test comment',
    bodyBefore: 'test comment\r\n',
  },
  'issue_comment.edited.legacy-2018.json': {
    kind: 'issue',
    action: 'edited',
    body: 'Got it, chief',
    bodyBefore: 'Got it',
  },
  'pull_request_comment.created.json': { kind: 'pull', action: 'created', body: 'example' },
  'pull_request_review_approved.reviewed.json': {
    kind: 'review',
    action: 'created',
    body: 'juhu thats a great idea',
  },
  'pull_request_review_rejected.reviewed.json': {
    kind: 'review',
    action: 'created',
    body: 'I decided otherwhies :O',
  },
  'pull_request_review_comment.reviewed.json': {
    kind: 'review',
    action: 'created',
    body: 'and somethimes you have to comment',
  },
  'pull_request_review_comment.reviewed.legacy-2022.json': { kind: 'review', action: 'created', body: '123' },
};

const deliveryOf = new Map<string, string>();
let db: TestDatabase;
let queue: DeliveryQueue;
let worker: DeliveryWorker;
let server: RunningServer;
const admin = createTestRedis();

beforeAll(async () => {
  db = await createTestDatabase('replay');
  queue = createDeliveryQueue(TEST_REDIS_URL, { prefix });
  const registry = new HandlerRegistry();
  // One handler per routed name found in the table, so a wrong route leaves it uncalled.
  for (const name of new Set(Object.values(expected).map((e) => e.name))) {
    registry.on(name as GiteaEventType, (ctx) => {
      raw.set(ctx.deliveryId, {
        name: ctx.name,
        issueNumber: ctx.issueNumber,
        repo: ctx.repo?.fullName,
        payload: ctx.payload,
      });
    });
  }
  registry.on('comment', (ctx) => {
    comments.set(ctx.deliveryId, ctx.payload);
  });
  worker = startDeliveryWorker({
    redisUrl: TEST_REDIS_URL,
    prefix,
    concurrency: 4,
    db: db.db,
    registry,
    botLogin: 'aiworker-bot',
    logger: createLogger({ level: 'silent' }),
  });
  await worker.waitUntilReady();
  const app = createHttpApp({
    webhookSecret: SECRET,
    enqueue: queue.enqueue,
    readiness: {},
    metrics: createMetrics({ processMetrics: false }),
    logger: createLogger({ level: 'silent' }),
  });
  server = await listen(app, { port: 0, host: '127.0.0.1' });

  for (const file of files) {
    const eventType = file.split('.')[0] as GiteaEventType;
    const body = readFileSync(new URL(file, FIXTURES));
    const id = randomUUID();
    deliveryOf.set(file, id);
    const res = await fetch(`${server.url}/webhooks/gitea`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitea-delivery': id,
        'x-gitea-event': giteaEventHeaderFor(eventType),
        'x-gitea-event-type': eventType,
        'x-gitea-signature': signPayload(SECRET, body),
        'x-github-delivery': id,
        'x-github-event': giteaEventHeaderFor(eventType),
        'x-hub-signature-256': `sha256=${signPayload(SECRET, body)}`,
      },
      body,
    });
    expect(res.status, file).toBe(202);
  }
  const deadline = Date.now() + 30_000;
  for (const id of deliveryOf.values()) {
    while ((await queue.queue.getJobState(id)) !== 'completed') {
      if (Date.now() > deadline) throw new Error(`delivery ${id} was not processed`);
      await sleep(25);
    }
  }
});

afterAll(async () => {
  await server.close();
  await worker.close({ deadlineMs: 5_000 });
  await queue.close();
  await db.drop();
  await clearRedisPrefix(admin, prefix);
  admin.disconnect();
});

describe('replay of the real Gitea payloads', () => {
  it('covers every fixture file, and only real event types', () => {
    expect(Object.keys(expected).sort()).toEqual(files);
    for (const file of files) expect(GITEA_EVENT_TYPES).toContain(file.split('.')[0]);
  });

  it.each(files)('%s is routed to its handler with the right fields', async (file) => {
    const id = deliveryOf.get(file) ?? '';
    const want = expected[file];
    const seen = raw.get(id);
    expect(seen, `${file} reached no handler`).toBeDefined();
    expect(seen?.name).toBe(want?.name);
    expect(seen?.issueNumber).toBe(want?.issue);
    expect(seen?.repo).toBe(want?.repo);
    if (seen) want?.check?.(seen);

    const comment = comments.get(id);
    const wantComment = expectedComments[file];
    if (wantComment) {
      const { body, ...shape } = wantComment;
      expect(comment).toMatchObject({
        ...shape,
        comment: { body },
        issue: { number: want?.issue },
        repo: { fullName: want?.repo },
      });
    } else {
      expect(comment).toBeUndefined();
    }
    const row = (await db.db.select().from(deliveries).where(eq(deliveries.id, id)))[0];
    expect(row).toMatchObject({
      outcome: 'handled',
      eventType: file.split('.')[0],
      issueNumber: want?.issue,
    });
  });
});
