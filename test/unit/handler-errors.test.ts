import { describe, expect, it } from 'vitest';
import { isRetryable, PermanentError, RetryableError, retryAfterMsOf } from '../../src/domain/errors.ts';
import { HandlerError, HandlerErrors } from '../../src/events/registry.ts';
import { computeRetryDelay } from '../../src/queue/retry-policy.ts';

function withCode(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('isRetryable', () => {
  it('follows an explicit isRetryable flag, as the Gitea client errors set it', () => {
    class GiteaRetryableError extends Error {
      readonly isRetryable = true;
    }
    class GiteaNotFoundError extends Error {
      readonly isRetryable = false;
      readonly code = 'ECONNRESET'; // the flag wins over anything else
    }
    expect(isRetryable(new GiteaRetryableError('502 Bad Gateway'))).toBe(true);
    expect(isRetryable(new GiteaNotFoundError('404'))).toBe(false);
  });

  it('classifies our own error classes', () => {
    expect(isRetryable(new RetryableError('try later'))).toBe(true);
    expect(isRetryable(new PermanentError('bad input'))).toBe(false);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT'])(
    'retries network error %s',
    (code) => {
      expect(isRetryable(withCode(`connect ${code}`, { code }))).toBe(true);
    },
  );

  it('retries MariaDB lock wait timeouts and deadlocks, by code or errno', () => {
    expect(
      isRetryable(withCode('Lock wait timeout exceeded', { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 })),
    ).toBe(true);
    expect(isRetryable(withCode('Deadlock found', { code: 'ER_LOCK_DEADLOCK' }))).toBe(true);
    expect(isRetryable(withCode('Deadlock found', { errno: 1213 }))).toBe(true);
  });

  it('looks through wrappers along the cause chain (drizzle, fetch)', () => {
    const mysql = withCode('Lock wait timeout exceeded', { code: 'ER_LOCK_WAIT_TIMEOUT' });
    const drizzle = new Error('Failed query: update tasks …', { cause: mysql });
    expect(isRetryable(drizzle)).toBe(true);
    const fetchFailed = new TypeError('fetch failed', {
      cause: withCode('connect ECONNREFUSED', { code: 'ECONNREFUSED' }),
    });
    expect(isRetryable(fetchFailed)).toBe(true);
  });

  it('treats unknown errors, duplicate keys and non-errors as permanent', () => {
    expect(isRetryable(new TypeError("Cannot read properties of undefined (reading 'number')"))).toBe(false);
    expect(isRetryable(withCode('Duplicate entry', { code: 'ER_DUP_ENTRY', errno: 1062 }))).toBe(false);
    expect(isRetryable('a string')).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });

  it('treats timeouts as retryable', () => {
    expect(isRetryable(new DOMException('The operation timed out', 'TimeoutError'))).toBe(true);
  });

  it('keeps the classification of a handler failure, and of several', () => {
    const retryable = new HandlerError('trigger', new RetryableError('503', { retryAfterMs: 4_000 }));
    const permanent = new HandlerError('answer', new PermanentError('no such issue'));
    expect(isRetryable(retryable)).toBe(true);
    expect(isRetryable(permanent)).toBe(false);
    expect(retryable.message).toBe('handler trigger failed: 503');
    const both = new HandlerErrors([permanent, retryable]);
    expect(isRetryable(both)).toBe(true);
    expect(retryAfterMsOf(both)).toBe(4_000);
    expect(isRetryable(new HandlerErrors([permanent, permanent]))).toBe(false);
  });
});

describe('computeRetryDelay', () => {
  const noJitter = () => 0;

  it('doubles from the base delay on each attempt', () => {
    expect([1, 2, 3, 4, 5].map((n) => computeRetryDelay(n, 2_000, new Error('x'), noJitter))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000,
    ]);
  });

  it('is at most 20 % shorter with jitter, never longer', () => {
    expect(computeRetryDelay(3, 1_000, new Error('x'), () => 1)).toBe(3_200);
    expect(computeRetryDelay(3, 1_000, new Error('x'), () => 0.5)).toBe(3_600);
  });

  it('waits at least as long as a Retry-After asked', () => {
    expect(computeRetryDelay(1, 1_000, new RetryableError('429', { retryAfterMs: 30_000 }), noJitter)).toBe(
      30_000,
    );
    expect(computeRetryDelay(5, 1_000, new RetryableError('429', { retryAfterMs: 10 }), noJitter)).toBe(
      16_000,
    );
  });

  it('is capped at ten minutes', () => {
    expect(computeRetryDelay(30, 2_000, new Error('x'), noJitter)).toBe(600_000);
  });
});
