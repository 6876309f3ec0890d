/**
 * How a failed job is classified (docs/architecture.md §3, "Errors"): retryable failures go back to the queue
 * with backoff, permanent ones end the job and are reported on the issue. Unknown errors are
 * permanent: retrying a bug only repeats it, and the failure is reported instead of hidden.
 */

/** A failure that will not go away by trying again (bad input, missing permission, 4xx). */
export class PermanentError extends Error {
  readonly isRetryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** A failure worth another attempt later (network, 5xx, 429, lock timeouts). */
export class RetryableError extends Error {
  readonly isRetryable = true;
  /** Set when the remote side said how long to wait (e.g. Retry-After). */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RetryableError';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The queue cannot durably accept a delivery right now (Redis down or too slow). */
export class QueueUnavailableError extends RetryableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueUnavailableError';
  }
}

/** Network failures of Node sockets, DNS and undici (fetch). */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** MariaDB/mysql2 conditions that clear up on their own. */
const RETRYABLE_DATABASE_CODES = new Set([
  'ER_LOCK_WAIT_TIMEOUT', // 1205
  'ER_LOCK_DEADLOCK', // 1213
  'ER_CON_COUNT_ERROR', // too many connections
  'PROTOCOL_CONNECTION_LOST',
]);
const RETRYABLE_DATABASE_ERRNOS = new Set([1205, 1213, 1040]);

/** Error names of timeouts and aborted waits (AbortSignal.timeout, ioredis). */
const RETRYABLE_NAMES = new Set(['TimeoutError', 'AbortError', 'MaxRetriesPerRequestError']);

const MAX_CAUSE_DEPTH = 8;

/**
 * Whether a failed job should be tried again. An explicit `isRetryable` boolean on the error
 * (our classes, the Gitea client's error classes) decides; otherwise known network, timeout
 * and database-lock conditions are retryable, looked up along the `cause` chain (drizzle and
 * fetch wrap the original error). An AggregateError is retryable when any of its errors is.
 */
export function isRetryable(error: unknown): boolean {
  return classify(error, 0);
}

function classify(error: unknown, depth: number): boolean {
  if (depth > MAX_CAUSE_DEPTH || typeof error !== 'object' || error === null) return false;
  const e = error as {
    isRetryable?: unknown;
    code?: unknown;
    errno?: unknown;
    name?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof e.isRetryable === 'boolean') return e.isRetryable;
  if (
    typeof e.code === 'string' &&
    (RETRYABLE_NETWORK_CODES.has(e.code) || RETRYABLE_DATABASE_CODES.has(e.code))
  ) {
    return true;
  }
  if (typeof e.errno === 'number' && RETRYABLE_DATABASE_ERRNOS.has(e.errno)) return true;
  if (typeof e.name === 'string' && RETRYABLE_NAMES.has(e.name)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => classify(inner, depth + 1))) return true;
  return e.cause !== undefined && classify(e.cause, depth + 1);
}

/** The wait a failure asked for, if any (`retryAfterMs` on the error or a cause). */
export function retryAfterMsOf(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const value = (current as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** One line that says what failed, for the deliveries table and the failure hook. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const base = `${error.name}: ${error.message}`;
    return typeof code === 'string' && !error.message.includes(code) ? `${base} (${code})` : base;
  }
  return String(error);
}

/** Turns anything thrown into an Error without losing what it was. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
