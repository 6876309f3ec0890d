/**
 * When and how long to wait before sending a Gitea request again. Pure: the clock and the
 * random source are passed in, so the schedule is testable without waiting.
 */

export interface RetryOptions {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Ceiling of the first backoff; it doubles per attempt. */
  baseDelayMs: number;
  /** Ceiling of any computed backoff. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for in place; the error is left to the queue. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/**
 * Exponential backoff with full jitter: a random delay in [0, min(max, base·2^(attempt-1))],
 * so many workers failing together do not come back together. `attempt` is the attempt that
 * just failed (1 for the first). A `Retry-After` from Gitea overrides the computation.
 */
export function backoffDelayMs(
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` in milliseconds: either delta-seconds or an HTTP date. Undefined when absent or
 * unreadable; never negative.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
