import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  batchRandom,
  type DeliveryOrder,
  type PoolSettings,
  poolOrder,
  poolSettings,
} from './delivery-order.ts';
import { goJsonIndent } from './go-json.ts';
import type { FakeState, HookRecord, RepoRecord } from './state.ts';
import type { FakeDelivery } from './types.ts';
import { versionAtLeast } from './version.ts';

/**
 * Webhook delivery as Gitea 1.26 does it (services/webhook/deliver.go): the payload is
 * json.MarshalIndent'ed once, signed with the hook secret (HMAC-SHA256 bare hex and sha256=,
 * HMAC-SHA1 sha1=), and POSTed with the Gitea/Gogs/GitHub header triples. Deliveries run in
 * the background; in which order is `DeliveryOrder`'s business (delivery-order.ts).
 */

/** modules/webhook/type.go: HookEventType → the event name sent in X-Gitea-Event. */
const EVENT_OF_TYPE: Record<string, string> = {
  create: 'create',
  delete: 'delete',
  fork: 'fork',
  push: 'push',
  issues: 'issues',
  issue_assign: 'issues',
  issue_label: 'issues',
  issue_milestone: 'issues',
  issue_comment: 'issue_comment',
  pull_request: 'pull_request',
  pull_request_assign: 'pull_request',
  pull_request_label: 'pull_request',
  pull_request_milestone: 'pull_request',
  pull_request_comment: 'issue_comment',
  pull_request_review_approved: 'pull_request_approved',
  pull_request_review_rejected: 'pull_request_rejected',
  pull_request_review_comment: 'pull_request_comment',
  pull_request_sync: 'pull_request',
  pull_request_review_request: 'pull_request',
  wiki: 'wiki',
  repository: 'repository',
  release: 'release',
  package: 'package',
  status: 'status',
  workflow_run: 'workflow_run',
  workflow_job: 'workflow_job',
};

export type HookEventType = keyof typeof EVENT_OF_TYPE;

export const ALL_HOOK_EVENT_TYPES: readonly string[] = Object.keys(EVENT_OF_TYPE);

export function eventOfType(eventType: string): string {
  return EVENT_OF_TYPE[eventType] ?? '';
}

const ISSUE_TYPES = ['issue_assign', 'issue_label', 'issue_milestone', 'issue_comment'];
const PULL_TYPES = [
  'pull_request_assign',
  'pull_request_label',
  'pull_request_milestone',
  'pull_request_comment',
  'pull_request_review_approved',
  'pull_request_review_rejected',
  'pull_request_review_comment',
  'pull_request_review_request',
  'pull_request_sync',
];
const PLAIN_TYPES = [
  'create',
  'delete',
  'fork',
  'push',
  'wiki',
  'repository',
  'release',
  'package',
  'status',
  'workflow_run',
  'workflow_job',
];

/** modules/webhook/type.go: `workflow_run` exists from Gitea 1.25 on. */
export function hookEventTypesOf(version: string): readonly string[] {
  return versionAtLeast(version, 1, 25)
    ? ALL_HOOK_EVENT_TYPES
    : ALL_HOOK_EVENT_TYPES.filter((t) => t !== 'workflow_run');
}

/**
 * routers/api/v1/utils/hook.go addHook/editHook: the API's `events` list to the enabled event
 * types. `issues` enables every issue sub-event, `pull_request` every pull request one; an
 * empty list means `push` only; a name the version does not know (`workflow_run` before 1.25)
 * enables nothing.
 */
export function hookEventsFromApi(events: readonly string[], version: string): Set<string> {
  const list = events.length === 0 ? ['push'] : events.map((e) => e.toLowerCase());
  const has = (name: string) => list.includes(name);
  const enabled = new Set<string>();
  if (has('issues_only') || has('issues')) enabled.add('issues');
  for (const type of ISSUE_TYPES) if (has(type) || has('issues')) enabled.add(type);
  if (has('pull_request_only') || has('pull_request')) enabled.add('pull_request');
  for (const type of PULL_TYPES) {
    const apiName = type.startsWith('pull_request_review_') && type !== 'pull_request_review_request';
    if (has(type) || has('pull_request') || (apiName && has('pull_request_review'))) enabled.add(type);
  }
  for (const type of PLAIN_TYPES) if (has(type)) enabled.add(type);
  if (!versionAtLeast(version, 1, 25)) enabled.delete('workflow_run');
  return enabled;
}

/** gobwas/glob as Gitea uses it for branch filters: `*` any run, `?` one char, `{a,b}` either. */
function branchFilterMatches(filter: string, branch: string): boolean {
  if (filter === '' || filter === '*') return true;
  let source = '';
  for (let i = 0; i < filter.length; i++) {
    const c = filter.charAt(i);
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '{') source += '(?:';
    else if (c === '}') source += ')';
    else if (c === ',') source += '|';
    else source += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^(?:${source})$`).test(branch);
}

export interface EmitMeta {
  action?: string;
  /** Branch the event is about (push ref, pull request base); applies the hook's branch filter. */
  branch?: string;
}

const DELIVER_TIMEOUT_MS = 5_000;

interface Queued {
  hook: HookRecord;
  delivery: FakeDelivery;
  /** Position in the order the events happened. */
  sequence: number;
  settle: () => void;
}

export class WebhookDispatcher {
  readonly deliveries: FakeDelivery[] = [];
  /** in-order: the tail of each hook's chain of sends. */
  private readonly chains = new Map<number, Promise<void>>();
  /** pool: deliveries waiting for the next batch. */
  private readonly waiting: Queued[] = [];
  private pumping = false;
  private pool: PoolSettings | null = null;
  /** Deliveries kept back by `hold()` until `release()`. */
  private held: Queued[] | null = null;
  /** Scheduled sends that have not finished. */
  private readonly outstanding = new Set<Promise<void>>();
  private sequence = 0;
  private sent = 0;

  constructor(
    private readonly state: FakeState,
    order: DeliveryOrder = { mode: 'in-order' },
  ) {
    this.setOrder(order);
  }

  setOrder(order: DeliveryOrder): void {
    this.pool = poolSettings(order);
  }

  emit(repo: RepoRecord, eventType: HookEventType, payload: unknown, meta: EmitMeta = {}): void {
    const json = goJsonIndent(payload);
    for (const hook of repo.hooks.values()) {
      if (!hook.active) continue;
      if (hook.events !== null && !hook.events.has(eventType)) continue;
      if (meta.branch !== undefined && !branchFilterMatches(hook.branchFilter, meta.branch)) continue;
      void this.schedule(hook, this.newDelivery(hook, eventType, meta.action, json));
    }
  }

  /** Sends one hook's payload now, whatever its event filter (the API's "test delivery"). */
  emitTo(hook: HookRecord, eventType: HookEventType, payload: unknown, action?: string): void {
    void this.schedule(hook, this.newDelivery(hook, eventType, action, goJsonIndent(payload)));
  }

  async redeliver(deliveryId: string): Promise<FakeDelivery> {
    const original = this.deliveries.find((d) => d.id === deliveryId);
    if (!original) throw new Error(`Gitea fake: no delivery ${deliveryId}`);
    const hook = this.findHook(original.hookId);
    if (!hook) throw new Error(`Gitea fake: the hook of delivery ${deliveryId} was deleted`);
    const copy = this.newDelivery(hook, original.eventType, original.action, original.payload);
    copy.redeliveryOf = original.id;
    await this.schedule(hook, copy);
    return copy;
  }

  /** Waits until every delivery not held back is sent. */
  async waitForDeliveries(): Promise<void> {
    while (this.outstanding.size > 0) {
      await Promise.allSettled([...this.outstanding]);
    }
  }

  /** Keeps every delivery from now on back until `release`. */
  hold(): void {
    this.held ??= [];
  }

  /**
   * Sends the held deliveries one at a time in the order `arrange` returns (a permutation of
   * them; default: the order the events happened), waiting for `afterEach` after each one, and
   * delivers normally again.
   */
  async release(
    arrange?: (held: FakeDelivery[]) => FakeDelivery[],
    options: { afterEach?: (delivery: FakeDelivery) => Promise<void> } = {},
  ): Promise<void> {
    const held = this.held ?? [];
    this.held = null;
    const chosen = arrange ? arrange(held.map((q) => q.delivery)) : held.map((q) => q.delivery);
    const byDelivery = new Map(held.map((q) => [q.delivery, q]));
    const ordered = chosen.map((d) => byDelivery.get(d));
    if (
      ordered.length !== held.length ||
      new Set(ordered).size !== held.length ||
      ordered.includes(undefined)
    ) {
      this.held = held;
      throw new Error('Gitea fake: release(arrange) must return each held delivery exactly once');
    }
    for (const queued of ordered as Queued[]) {
      await this.track(this.send(queued.delivery).then(queued.settle));
      await options.afterEach?.(queued.delivery);
    }
  }

  private findHook(hookId: number): HookRecord | undefined {
    for (const repo of this.state.repos.values()) {
      const hook = repo.hooks.get(hookId);
      if (hook) return hook;
    }
    return undefined;
  }

  private newDelivery(
    hook: HookRecord,
    eventType: string,
    action: string | undefined,
    payload: string,
  ): FakeDelivery {
    const id = randomUUID();
    const event = eventOfType(eventType);
    const body = hook.contentType === 'form' ? new URLSearchParams({ payload }).toString() : payload;
    const sig256 = hook.secret ? createHmac('sha256', hook.secret).update(payload).digest('hex') : '';
    const sig1 = hook.secret ? createHmac('sha1', hook.secret).update(payload).digest('hex') : '';
    const headers: Record<string, string> = {
      'User-Agent': 'Go-http-client/1.1',
      'Content-Type': hook.contentType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
      'X-Gitea-Delivery': id,
      'X-Gitea-Event': event,
      'X-Gitea-Event-Type': eventType,
      'X-Gitea-Signature': sig256,
      'X-Gogs-Delivery': id,
      'X-Gogs-Event': event,
      'X-Gogs-Event-Type': eventType,
      'X-Gogs-Signature': sig256,
      'X-Hub-Signature': `sha1=${sig1}`,
      'X-Hub-Signature-256': `sha256=${sig256}`,
      'X-GitHub-Delivery': id,
      'X-GitHub-Event': event,
      'X-GitHub-Event-Type': eventType,
    };
    if (hook.authorizationHeader) headers.Authorization = hook.authorizationHeader;
    const delivery: FakeDelivery = {
      id,
      hookId: hook.id,
      url: hook.url,
      event,
      eventType,
      action,
      headers,
      body,
      payload,
      status: null,
      responseBody: '',
      sentIndex: null,
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  /** Resolves once the delivery is sent (or, while held, once it is released and sent). */
  private schedule(hook: HookRecord, delivery: FakeDelivery): Promise<void> {
    return new Promise<void>((settle) => {
      const queued: Queued = { hook, delivery, sequence: this.sequence++, settle };
      if (this.held) {
        this.held.push(queued);
      } else if (this.pool) {
        this.waiting.push(queued);
        this.track(this.pump());
      } else {
        const previous = this.chains.get(hook.id) ?? Promise.resolve();
        const next = previous.then(() => this.send(delivery)).then(settle);
        this.chains.set(hook.id, next);
        this.track(next);
      }
    });
  }

  private track(work: Promise<void>): Promise<void> {
    this.outstanding.add(work);
    void work.finally(() => this.outstanding.delete(work));
    return work;
  }

  /** pool: one batch at a time, in an order the seed picks among those a worker pool can produce. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      // One turn of the event loop stands in for the 100 ms debounce: what one change fired
      // (opened + label_updated, a merge's closed + closed + push) lands in one batch.
      await nextTurn();
      while (this.waiting.length > 0 && this.pool) {
        const batch = this.waiting.splice(0, this.pool.batchLength);
        const random = batchRandom(this.pool.seed, (batch[0] as Queued).sequence);
        for (const queued of poolOrder(batch, this.pool.workers, random)) {
          await this.send(queued.delivery);
          queued.settle();
        }
        if (this.waiting.length > 0) await nextTurn();
      }
      // Switched to in-order while deliveries waited: they go out as they came.
      for (const queued of this.waiting.splice(0)) {
        await this.send(queued.delivery);
        queued.settle();
      }
    } finally {
      this.pumping = false;
    }
  }

  private send(delivery: FakeDelivery): Promise<void> {
    delivery.sentIndex = this.sent++;
    return new Promise((resolve) => {
      const body = Buffer.from(delivery.body, 'utf8');
      let done = false;
      const finish = (status: number, responseBody: string, error?: string) => {
        if (done) return;
        done = true;
        delivery.status = status;
        delivery.responseBody = responseBody;
        if (error !== undefined) delivery.error = error;
        resolve();
      };
      let req: ReturnType<typeof request>;
      try {
        req = request(delivery.url, {
          method: 'POST',
          headers: { ...delivery.headers, 'Content-Length': String(body.length), 'Accept-Encoding': 'gzip' },
          timeout: DELIVER_TIMEOUT_MS,
        });
      } catch (error) {
        finish(0, '', `Delivery: ${(error as Error).message}`);
        return;
      }
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        res.on('error', (error) => finish(res.statusCode ?? 0, '', `read body: ${error.message}`));
      });
      req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded)')));
      req.on('error', (error) => finish(0, '', `Delivery: ${error.message}`));
      req.end(body);
    });
  }
}
