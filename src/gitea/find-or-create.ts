import { type GiteaError, GiteaRetryableError } from './errors.ts';

/**
 * Makes a non-idempotent write safe to retry by checking for its effect before each try.
 *
 * A create that fails after Gitea acted (a 500 after the row was written, a timeout after the
 * request arrived) must not be sent blindly again. Instead: look for the result (by marker,
 * name, URL…); when it is there, the earlier try worked; otherwise create again. Only
 * transient failures (GiteaRetryableError) lead to another round; any other error is final.
 *
 * Not a lock: two processes running this at once for the same thing can both create. Callers
 * serialise per issue (the queue) where that matters.
 */

export interface FindOrCreateSteps<T> {
  /** The existing result, or undefined. `round` starts at 1. */
  find(round: number): Promise<T | undefined>;
  create(): Promise<T>;
}

export interface Backoff {
  readonly retry: { maxAttempts: number };
  pause(attempt: number, error?: GiteaError): Promise<void>;
}

export interface FindOrCreateResult<T> {
  value: T;
  /** True when this call created it (including a try that failed after it took effect). */
  created: boolean;
}

export async function findOrCreate<T>(
  steps: FindOrCreateSteps<T>,
  backoff: Backoff,
): Promise<FindOrCreateResult<T>> {
  let mayHaveCreated = false;
  for (let round = 1; ; round++) {
    const existing = await steps.find(round);
    if (existing !== undefined) return { value: existing, created: mayHaveCreated };
    try {
      return { value: await steps.create(), created: true };
    } catch (error) {
      if (!(error instanceof GiteaRetryableError) || round >= backoff.retry.maxAttempts) throw error;
      mayHaveCreated ||= error.mayHaveApplied;
      await backoff.pause(round, error);
    }
  }
}
