import type { WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { retryAfterMsOf } from '../domain/errors.ts';
import { DEFAULT_QUEUE_PREFIX } from './delivery-job.ts';

/**
 * Retry and retention policy of AiWorker's queues (deliveries and long work).
 *
 * Backoff is exponential with jitter (so a Gitea outage does not end in a synchronised burst
 * of retries), and never shorter than a Retry-After the failure carried.
 */

export const DEFAULT_ATTEMPTS = 6;
export const DEFAULT_BACKOFF_MS = 2_000;
/** Name of our custom BullMQ backoff strategy (see `computeRetryDelay`). */
export const BACKOFF_TYPE = 'exponential-retry-after';
const JITTER = 0.2;
const MAX_DELAY_MS = 10 * 60_000;

/**
 * Completed jobs stay in Redis for a day: a job id (= X-Gitea-Delivery) that still exists makes
 * a late duplicate of the same delivery a no-op at enqueue time. Duplicates of one delivery
 * arrive within seconds (concurrent sends, proxy retries); a day is a wide margin, and past it
 * the `deliveries` table still stops a second run. The worker trims a finished job's payload,
 * so 100k kept jobs cost tens of MB, not GB.
 */
export const KEEP_COMPLETED = { age: 24 * 60 * 60, count: 100_000 } as const;
/** Failed jobs keep their payload for a week, for inspection and manual retry. */
export const KEEP_FAILED = { age: 7 * 24 * 60 * 60, count: 10_000 } as const;

/**
 * Delay before attempt `attemptsMade + 1`: base·2^(attemptsMade−1), up to 20 % shorter at
 * random, capped at 10 minutes, but at least what the error's `retryAfterMs` asks for.
 */
export function computeRetryDelay(
  attemptsMade: number,
  baseMs: number,
  error: unknown,
  random = Math.random,
): number {
  const exponential = Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.round(exponential * (1 - JITTER * random()));
  const asked = retryAfterMsOf(error);
  return asked === undefined ? jittered : Math.max(jittered, Math.min(asked, MAX_DELAY_MS));
}

/** The backoff a job was queued with (`backoff.delay`, or a plain number), else the default. */
function backoffDelayOf(backoff: unknown): number {
  if (typeof backoff === 'number') return backoff;
  if (
    typeof backoff === 'object' &&
    backoff !== null &&
    typeof (backoff as { delay?: unknown }).delay === 'number'
  ) {
    return (backoff as { delay: number }).delay;
  }
  return DEFAULT_BACKOFF_MS;
}

/** How a worker is set up: from its options, with its own defaults for what they leave out. */
export interface WorkerSetup {
  prefix?: string;
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * The options both workers share: the one backoff strategy (`computeRetryDelay` from the job's
 * own base delay), and the lock and stalled-job settings that hand a dead worker's jobs to
 * another one (a job stalled `maxStalledCount` times fails instead of looping).
 */
export function workerOptions(
  connection: Redis,
  setup: WorkerSetup,
  defaults: { concurrency: number; lockDurationMs: number; maxStalledCount: number },
): WorkerOptions {
  return {
    connection,
    prefix: setup.prefix ?? DEFAULT_QUEUE_PREFIX,
    concurrency: setup.concurrency ?? defaults.concurrency,
    lockDuration: setup.lockDurationMs ?? defaults.lockDurationMs,
    stalledInterval: setup.stalledIntervalMs ?? 30_000,
    maxStalledCount: defaults.maxStalledCount,
    settings: {
      backoffStrategy: (attemptsMade, _type, error, job) =>
        computeRetryDelay(attemptsMade, backoffDelayOf(job?.opts.backoff), error),
    },
  };
}
