import type { V1Job, Watch } from '@kubernetes/client-node';
import type { Logger } from '../../../config/logger.ts';
import type { RunPhase, RunStatus } from '../types.ts';
import type { AgentNamespaceApi } from './agent-api.ts';
import { MANAGED_SELECTOR, runIdFromJobName } from './labels.ts';
import { isTerminal, jobPhase, jobRunStatus } from './status.ts';

/**
 * Follows the runner's Jobs and calls back when a run's phase changes, list-then-watch like
 * an informer: a full list gives the state and a resource version, a watch from that
 * version streams changes. A watch that ends (server timeout, network error, 410 Gone when
 * the version has been compacted) is replaced by a fresh list and a new watch; a periodic
 * re-list catches anything a watch missed. The first list reports every run once.
 */

const WATCH_TIMEOUT_SECONDS = 300;

export type PhaseListener = (externalId: string, runId: number, status: RunStatus) => void;

export interface JobWatcherOptions {
  api: AgentNamespaceApi;
  watch: Watch;
  /** Full status of a Job whose phase changed (exit code and log tail for ended runs). */
  describe: (job: V1Job) => Promise<RunStatus>;
  onChange: PhaseListener;
  logger: Logger;
  resyncMs: number;
  retryMs: { initial: number; max: number };
  /** Runs after every successful list (the runner sweeps orphaned Secrets there). */
  afterList?: () => Promise<void>;
}

interface Known {
  runId: number;
  phase: RunPhase;
  resourceVersion: string | undefined;
}

interface WatchEventObject {
  metadata?: { name?: string; resourceVersion?: string };
  code?: number;
  message?: string;
}

/** Resource versions are opaque strings; etcd's are integers, and only those are compared. */
function olderOrSame(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return true;
  return BigInt(a) <= BigInt(b);
}

/** Only Jobs named like the runner's own count as runs, whatever labels others carry. */
function runIdOf(job: V1Job): number | null {
  return runIdFromJobName(job.metadata?.name ?? '');
}

export class JobWatcher {
  private readonly known = new Map<string, Known>();
  private resourceVersion: string | undefined;
  private controller: AbortController | undefined;
  /** Bumped for each new watch, so callbacks of a replaced watch are ignored. */
  private generation = 0;
  private failures = 0;
  private stopped = false;
  private syncing: Promise<number | null> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** Callbacks go out one at a time, in the order the changes were seen. */
  private delivery: Promise<void> = Promise.resolve();

  constructor(private readonly options: JobWatcherOptions) {}

  private get path(): string {
    return `/apis/batch/v1/namespaces/${encodeURIComponent(this.options.api.namespace)}/jobs`;
  }

  start(): void {
    this.restart();
    this.resyncTimer = setInterval(() => {
      void this.relist().then((changes) => {
        // The open watch should have told us: it is stalled (a silently dead connection).
        if (changes && this.controller) {
          this.options.logger.info({ changes }, 'kubernetes runner: re-list found missed changes; new watch');
          this.restart();
        }
      });
    }, this.options.resyncMs);
    this.resyncTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    this.controller?.abort();
    this.controller = undefined;
    clearTimeout(this.retryTimer);
    clearInterval(this.resyncTimer);
  }

  /** Fresh list, then a new watch from its resource version. */
  private restart(): void {
    if (this.stopped) return;
    this.generation += 1;
    this.controller?.abort();
    this.controller = undefined;
    void this.relist().then((changes) => {
      if (changes === null) this.retryLater();
      else this.openWatch();
    });
  }

  private retryLater(): void {
    if (this.stopped) return;
    const { initial, max } = this.options.retryMs;
    const delay = Math.min(max, initial * 2 ** Math.min(this.failures, 16));
    this.failures += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.restart(), delay);
    this.retryTimer.unref();
  }

  /** Lists every Job and reports what changed since the last look: how many changes, null on failure. */
  private relist(): Promise<number | null> {
    if (this.syncing) return this.syncing;
    this.syncing = this.listOnce()
      .catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'kubernetes runner: listing Jobs failed; will retry');
        return null;
      })
      .finally(() => {
        this.syncing = undefined;
      });
    return this.syncing;
  }

  private async listOnce(): Promise<number> {
    const list = await this.options.api.listJobs(MANAGED_SELECTOR);
    if (this.stopped) return 0;
    let changes = 0;
    const seen = new Set<string>();
    for (const job of list.items) {
      const name = job.metadata?.name;
      if (!name) continue;
      seen.add(name);
      const known = this.known.get(name);
      // A watch event newer than this list has already been applied.
      if (known && !olderOrSame(known.resourceVersion, job.metadata?.resourceVersion)) continue;
      if (this.observe(job)) changes += 1;
    }
    for (const [name, known] of this.known) {
      if (!seen.has(name) && olderOrSame(known.resourceVersion, list.resourceVersion)) {
        if (this.vanished(name, list.resourceVersion)) changes += 1;
      }
    }
    if (list.resourceVersion) this.resourceVersion = list.resourceVersion;
    await this.options.afterList?.().catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'kubernetes runner: cleanup after listing Jobs failed');
    });
    return changes;
  }

  private openWatch(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.stopped;
    let expired = false;
    const query: Record<string, string | number | boolean> = {
      labelSelector: MANAGED_SELECTOR,
      allowWatchBookmarks: true,
      // The server ends the watch after this; the next one starts from a fresh list.
      timeoutSeconds: WATCH_TIMEOUT_SECONDS,
    };
    if (this.resourceVersion) query.resourceVersion = this.resourceVersion;
    this.options.watch
      .watch(
        this.path,
        query,
        (type: string, object: V1Job & WatchEventObject) => {
          if (!current()) return;
          if (type === 'ERROR') {
            // 410 Gone: the version we resumed from is compacted; only a fresh list helps.
            expired = object.code === 410;
            this.options.logger.info(
              { code: object.code, message: object.message },
              'kubernetes runner: Job watch ended by the API server',
            );
            return;
          }
          const rv = object.metadata?.resourceVersion;
          if (rv) this.resourceVersion = rv;
          if (type === 'BOOKMARK') return;
          this.failures = 0;
          if (type === 'DELETED') this.vanished(object.metadata?.name ?? '', rv);
          else if (type === 'ADDED' || type === 'MODIFIED') this.observe(object);
        },
        (error: unknown) => {
          if (!current()) return;
          this.controller = undefined;
          if (error || expired) {
            if (error) this.options.logger.warn({ err: error }, 'kubernetes runner: Job watch failed');
            this.retryLater();
          } else {
            // A normal end (the server's watch timeout): list again and carry on.
            this.failures = 0;
            this.restart();
          }
        },
      )
      .then(
        (controller) => {
          if (current()) this.controller = controller;
          else controller.abort();
        },
        (error: unknown) => {
          if (!current()) return;
          this.options.logger.warn({ err: error }, 'kubernetes runner: could not open a Job watch');
          this.retryLater();
        },
      );
  }

  /** Records the Job's phase; true when it changed (and a callback is on its way). */
  private observe(job: V1Job): boolean {
    const name = job.metadata?.name;
    const runId = runIdOf(job);
    if (!name || runId === null) return false;
    const phase = jobPhase(job);
    const previous = this.known.get(name);
    this.known.set(name, { runId, phase, resourceVersion: job.metadata?.resourceVersion });
    if (previous?.phase === phase) return false;
    this.deliver(name, runId, async () => {
      try {
        return await this.options.describe(job);
      } catch (error) {
        this.options.logger.warn({ err: error, job: name }, 'kubernetes runner: could not read run details');
        return jobRunStatus(job);
      }
    });
    return true;
  }

  private vanished(name: string, resourceVersion: string | undefined): boolean {
    const previous = this.known.get(name);
    if (!previous) return false;
    this.known.delete(name);
    if (resourceVersion) this.resourceVersion = resourceVersion;
    // A finished Job removed by its TTL changes nothing; an unfinished one was stopped.
    if (isTerminal(previous.phase)) return false;
    this.deliver(name, previous.runId, async () => ({
      phase: 'cancelled',
      message: 'the Job was deleted before it finished',
    }));
    return true;
  }

  private deliver(name: string, runId: number, status: () => Promise<RunStatus>): void {
    this.delivery = this.delivery.then(async () => {
      const value = await status();
      if (this.stopped) return;
      try {
        this.options.onChange(name, runId, value);
      } catch (error) {
        this.options.logger.error({ err: error, job: name }, 'kubernetes runner: phase listener threw');
      }
    });
  }
}
