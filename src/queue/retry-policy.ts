import { retryAfterMsOf } from '../domain/errors.ts';

/**
 * Retry and retention policy of delivery jobs.
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
