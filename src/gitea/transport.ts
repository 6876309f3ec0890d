import { setTimeout as sleepMs } from 'node:timers/promises';
import { Api, type HttpResponse, type RequestParams } from 'gitea-js';
import {
  errorForStatus,
  type GiteaError,
  type GiteaErrorDetails,
  GiteaRetryableError,
  type RetryableFailure,
} from './errors.ts';
import {
  backoffDelayMs,
  DEFAULT_RETRY_OPTIONS,
  parseRetryAfterMs,
  type RetryOptions,
} from './retry-policy.ts';

/**
 * The one fetch layer under every Gitea call: gitea-js's generated methods and our own calls
 * for endpoints it lacks both go through `call`, which adds the token, a per-attempt timeout,
 * retries with backoff, and turns every failure (gitea-js rejects with a Response, fetch with a
 * TypeError) into the typed errors of `errors.ts`.
 *
 * Whether a failed request may be sent again is the caller's statement:
 * - `idempotent`: sending it twice has the effect of sending it once (GET, PUT, PATCH, DELETE,
 *   and the POSTs Gitea treats as set operations). Retried on network errors, timeouts, 5xx, 429.
 * - `unsafe`: a repeat could duplicate the effect (creating a comment, an issue, a token).
 *   Retried in place only when Gitea surely did not act (429, connection refused); otherwise the
 *   failure is raised at once as a GiteaRetryableError with `mayHaveApplied`, and the caller that
 *   can check for the effect (find by marker, then create) decides.
 */

export type Idempotency = 'idempotent' | 'unsafe';

export type RetryLogger = {
  warn(obj: Record<string, unknown>, msg: string): void;
};

export interface TransportOptions {
  /** Gitea's base URL, e.g. `https://gitea.example.com` (the API root `/api/v1` is appended). */
  baseUrl: string;
  token: string;
  /** Per attempt, until the whole body is read. Default 15 s. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  logger?: RetryLogger;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** Connection errors that happen before any byte of the request reached Gitea. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface SentRequest {
  method: string;
  path: string;
  timeout: AbortSignal;
}

/** One failed attempt, before it is decided whether to try again. */
interface AttemptFailure extends GiteaErrorDetails {
  kind: 'status' | 'network' | 'timeout';
  retryAfterMs?: number;
  /** The request surely never reached Gitea. */
  notSent: boolean;
}

class AttemptFailed extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.giteaMessage);
  }
}

function isResponseLike(value: unknown): value is HttpResponse<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    'headers' in value &&
    'ok' in value &&
    typeof (value as { status: unknown }).status === 'number'
  );
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error);
    const cause = error.cause instanceof Error ? error.cause.message : '';
    return [error.message, cause, code].filter((part, i, all) => part && all.indexOf(part) === i).join(': ');
  }
  return String(error);
}

/** Gitea's JSON error body is `{message, url}`; validation errors may also carry `errors`. */
function giteaMessageOf(raw: unknown, fallback: string): string {
  let body = raw;
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw);
    } catch {
      return raw.trim().slice(0, 300) || fallback;
    }
  }
  if (typeof body === 'object' && body !== null && !(body instanceof Error)) {
    const message = (body as { message?: unknown }).message;
    const errors = (body as { errors?: unknown }).errors;
    const parts: string[] = [];
    if (typeof message === 'string' && message.trim()) parts.push(message.trim());
    if (Array.isArray(errors)) {
      for (const item of errors) if (typeof item === 'string' && !parts.includes(item)) parts.push(item);
    }
    if (parts.length > 0) return parts.join('; ');
  }
  return fallback;
}

function retryableFailure(failure: AttemptFailure): RetryableFailure | null {
  if (failure.kind === 'timeout') return 'timeout';
  if (failure.kind === 'network') return 'network';
  if (failure.status === 429) return 'rate-limited';
  if (failure.status >= 500) return 'server';
  return null;
}

export class GiteaTransport {
  /** gitea-js, configured to send every request through this transport's fetch. */
  readonly api: Api<unknown>;
  readonly apiRoot: string;
  readonly retry: RetryOptions;
  private readonly apiRootPath: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly logger: RetryLogger | undefined;
  private readonly sent = new WeakMap<object, SentRequest>();

  constructor(options: TransportOptions) {
    if (!URL.canParse(options.baseUrl)) {
      throw new Error(
        `Gitea base URL "${options.baseUrl}" is not a URL (expected e.g. https://gitea.example.com)`,
      );
    }
    this.apiRoot = `${options.baseUrl.replace(/\/+$/, '')}/api/v1`;
    this.apiRootPath = new URL(this.apiRoot).pathname;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = { ...DEFAULT_RETRY_OPTIONS, ...options.retry };
    if (!(this.retry.maxAttempts >= 1)) throw new Error('retry.maxAttempts must be at least 1');
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => sleepMs(ms).then(() => undefined));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.api = new Api({
      baseUrl: this.apiRoot,
      baseApiParams: { format: 'json' },
      customFetch: this.fetchOnce,
    });
  }

  /**
   * Sends a request built by `send` (a gitea-js method, or `api.request` for endpoints it lacks),
   * retrying as `idempotency` allows. Resolves with the response; rejects only with GiteaError.
   */
  async call<T>(
    idempotency: Idempotency,
    send: (params: RequestParams) => Promise<HttpResponse<T, unknown>>,
  ): Promise<HttpResponse<T, unknown>> {
    for (let attempt = 1; ; attempt++) {
      let failure: AttemptFailure;
      try {
        const response = await send({});
        const bodyFailure = this.bodyReadFailure(response);
        if (!bodyFailure) return response;
        failure = bodyFailure;
      } catch (error) {
        const known = this.toFailure(error);
        // Anything else is a bug in the calling code, not a Gitea failure: never retried.
        if (!known) throw error;
        failure = known;
      }
      const kind = retryableFailure(failure);
      if (!kind) throw errorForStatus(failure);
      const inPlace = idempotency === 'idempotent' || kind === 'rate-limited' || failure.notSent;
      const tooLong = failure.retryAfterMs !== undefined && failure.retryAfterMs > this.retry.maxRetryAfterMs;
      if (!inPlace || tooLong || attempt >= this.retry.maxAttempts) {
        throw new GiteaRetryableError({
          ...failure,
          failure: kind,
          attempts: attempt,
          mayHaveApplied: idempotency === 'unsafe' && kind !== 'rate-limited' && !failure.notSent,
        });
      }
      const delayMs = this.backoff(attempt, failure.retryAfterMs);
      this.logger?.warn(
        {
          method: failure.method,
          path: failure.path,
          status: failure.status,
          failure: kind,
          attempt,
          delayMs,
        },
        'Gitea request failed; retrying',
      );
      await this.sleep(delayMs);
    }
  }

  /** The wait before try `attempt + 1`, for callers that retry an operation they made idempotent. */
  backoff(attempt: number, retryAfterMs?: number): number {
    return backoffDelayMs(attempt, this.retry, this.random, retryAfterMs);
  }

  async pause(attempt: number, error?: GiteaError): Promise<void> {
    const retryAfter = error instanceof GiteaRetryableError ? error.retryAfterMs : undefined;
    await this.sleep(this.backoff(attempt, retryAfter));
  }

  /** Method and path of the request that produced `response`, for error messages. */
  requestOf(response: Response): { method: string; path: string } {
    const sent = this.sent.get(response);
    return { method: sent?.method ?? '?', path: sent?.path ?? this.pathOf(response.url) };
  }

  /** The path below the API root of a full request URL, for error messages. */
  private pathOf(url: string): string {
    const pathname = URL.canParse(url) ? new URL(url).pathname : url;
    return pathname.startsWith(this.apiRootPath) ? pathname.slice(this.apiRootPath.length) || '/' : pathname;
  }

  /** gitea-js's `customFetch`: auth header, per-attempt timeout, network errors typed. */
  private readonly fetchOnce = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const path = this.pathOf(url);
    const headers = new Headers(init?.headers);
    if (!headers.has('authorization')) headers.set('authorization', `token ${this.token}`);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      const response = await this.fetchImpl(url, { ...init, method, headers, signal });
      this.sent.set(response, { method, path, timeout });
      return response;
    } catch (error) {
      throw new AttemptFailed(this.transportFailure(method, path, error, timeout.aborted));
    }
  };

  private transportFailure(method: string, path: string, error: unknown, timedOut: boolean): AttemptFailure {
    if (timedOut) {
      return {
        kind: 'timeout',
        status: 0,
        method,
        path,
        notSent: false,
        giteaMessage: `no complete response within ${this.timeoutMs} ms`,
        cause: error,
      };
    }
    const code = errorCode(error);
    return {
      kind: 'network',
      status: 0,
      method,
      path,
      notSent: code !== undefined && NOT_SENT_CODES.has(code),
      giteaMessage: errorText(error),
      cause: error,
    };
  }

  /**
   * gitea-js swallows errors while reading a successful body (it stores them in `error` and
   * resolves). A timeout or reset mid-body is a failed attempt; an empty or non-JSON body on a
   * success (204, dispatch without details) is not.
   */
  private bodyReadFailure(response: HttpResponse<unknown, unknown>): AttemptFailure | undefined {
    const readError = response.error;
    if (!(readError instanceof Error) || readError instanceof SyntaxError) return undefined;
    const sent = this.sent.get(response) ?? {
      method: '?',
      path: this.pathOf(response.url),
      timeout: undefined,
    };
    return this.transportFailure(sent.method, sent.path, readError, sent.timeout?.aborted ?? false);
  }

  private toFailure(error: unknown): AttemptFailure | undefined {
    if (error instanceof AttemptFailed) return error.failure;
    if (isResponseLike(error)) {
      const sent = this.sent.get(error);
      const method = sent?.method ?? '?';
      const path = sent?.path ?? this.pathOf(error.url);
      // A timeout while reading an error body still leaves the status; the status decides.
      return {
        kind: 'status',
        status: error.status,
        method,
        path,
        notSent: false,
        giteaMessage: giteaMessageOf(error.error, error.statusText || `HTTP ${error.status}`),
        retryAfterMs: parseRetryAfterMs(error.headers.get('retry-after'), this.now()),
      };
    }
    return undefined;
  }
}

/** `x-total-count` of a list response, when Gitea sent one. */
export function totalCountOf(response: Response): number | undefined {
  const header = response.headers.get('x-total-count');
  if (header === null) return undefined;
  const value = Number(header);
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}
