import type { RepoPermission } from '../domain/permissions.ts';
import { botNeedsAdmin } from './bot-access.ts';

/**
 * Typed failures of the Gitea API. Every failure of a Gitea call surfaces as one of these
 * (never as gitea-js's rejected Response), so the queue can decide with `isRetryable` alone
 * whether running the job again can help.
 */

export interface GiteaErrorDetails {
  /** HTTP status, or 0 when no response arrived (network failure, timeout). */
  status: number;
  method: string;
  /** Request path below the API root, without the query, e.g. `/repos/o/r/issues/3`. */
  path: string;
  /** What Gitea said (the `message` of its JSON error body), or a description of the failure. */
  giteaMessage: string;
  cause?: unknown;
}

function describe(details: GiteaErrorDetails, what: string): string {
  const status = details.status > 0 ? ` ${details.status}` : '';
  const said = details.giteaMessage ? `: ${details.giteaMessage}` : '';
  return `Gitea ${details.method} ${details.path} failed (${what}${status})${said}`;
}

export class GiteaError extends Error {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly giteaMessage: string;
  /** Whether running the same job again later can succeed without anyone changing anything. */
  readonly isRetryable: boolean = false;

  constructor(details: GiteaErrorDetails, what = 'error') {
    super(describe(details, what), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.giteaMessage = details.giteaMessage;
  }
}

/** 404: the repository, issue, comment… does not exist, or the bot cannot see it. */
export class GiteaNotFoundError extends GiteaError {
  constructor(details: GiteaErrorDetails) {
    super(details, 'not found');
  }
}

/**
 * 401 or 403. `reason` says which: `unauthenticated` (401, the token or password is missing,
 * wrong or expired) or `forbidden` (403, the bot lacks the permission, or the action is not allowed).
 */
export class GiteaForbiddenError extends GiteaError {
  readonly reason: 'unauthenticated' | 'forbidden';

  constructor(details: GiteaErrorDetails) {
    const reason = details.status === 401 ? 'unauthenticated' : 'forbidden';
    super(details, reason === 'unauthenticated' ? 'authentication failed' : 'forbidden');
    this.reason = reason;
  }
}

/**
 * 403 from `GET …/collaborators/{user}/permission` about another user: Gitea answers that only
 * to site admins and repository admins (routers/api/v1/repo/collaborators.go
 * GetRepoPermissions), so the bot account is not an administrator of the repository. A problem
 * of AiWorker's setup, never a verdict about the user asked about.
 */
export class BotNotRepoAdminError extends GiteaForbiddenError {
  /** `owner/name`. */
  readonly repo: string;
  readonly bot: string;
  /** The bot's own access to the repository (anyone may ask Gitea about themselves). */
  readonly botPermission: RepoPermission;
  /** What is wrong and what it breaks, in plain words. */
  readonly problem: string;
  /** How to fix it, in one sentence. */
  readonly fix: string;

  constructor(
    details: GiteaErrorDetails,
    access: { repo: string; bot: string; botPermission: RepoPermission },
  ) {
    super(details);
    const { problem, fix } = botNeedsAdmin(access.repo, access.bot, access.botPermission);
    this.message = `${problem} (${this.message})`;
    this.repo = access.repo;
    this.bot = access.bot;
    this.botPermission = access.botPermission;
    this.problem = problem;
    this.fix = fix;
  }
}

/**
 * A dependency of an issue on itself, refused before anything is sent: Gitea's API stores it
 * (models/issues/dependency.go only looks for the same link and for two issues blocking each
 * other), and the issue could then never be closed. Permanent: the caller's data is wrong.
 */
export class SelfDependencyError extends Error {
  readonly isRetryable = false;

  constructor(readonly issue: string) {
    super(
      `refusing to make ${issue} depend on itself: Gitea would store it and ${issue} could never be closed`,
    );
    this.name = 'SelfDependencyError';
  }
}

/** 400 or 422: Gitea refused the input; sending the same request again will fail again. */
export class GiteaValidationError extends GiteaError {
  constructor(details: GiteaErrorDetails) {
    super(details, 'invalid request');
  }
}

export type RetryableFailure = 'network' | 'timeout' | 'server' | 'rate-limited';

export interface GiteaRetryableDetails extends GiteaErrorDetails {
  failure: RetryableFailure;
  attempts: number;
  /** True when a request that is not idempotent may have taken effect before it failed. */
  mayHaveApplied: boolean;
  /** Gitea's `Retry-After`, in milliseconds, when it sent one. */
  retryAfterMs?: number;
}

/**
 * A transient failure (network error, timeout, 5xx, 429) that outlasted the client's own
 * retries, or that could not be retried in place because the request was not idempotent.
 */
export class GiteaRetryableError extends GiteaError {
  override readonly isRetryable = true;
  readonly failure: RetryableFailure;
  readonly attempts: number;
  readonly mayHaveApplied: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(details: GiteaRetryableDetails) {
    const attempts = details.attempts === 1 ? '1 attempt' : `${details.attempts} attempts`;
    super(details, `${details.failure} after ${attempts}`);
    this.failure = details.failure;
    this.attempts = details.attempts;
    this.mayHaveApplied = details.mayHaveApplied;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The class for a final HTTP error status (anything not retried). */
export function errorForStatus(details: GiteaErrorDetails): GiteaError {
  switch (details.status) {
    case 404:
      return new GiteaNotFoundError(details);
    case 401:
    case 403:
      return new GiteaForbiddenError(details);
    case 400:
    case 422:
      return new GiteaValidationError(details);
    default:
      return new GiteaError(details);
  }
}
