import { performance } from 'node:perf_hooks';
import type { Logger } from '../config/logger.ts';
import { isRetryable, retryAfterMsOf, toError } from '../domain/errors.ts';
import { COMMENT_ACTIONS, COMMENT_EVENT, isKnownEventType } from '../domain/event-names.ts';
import type {
  CommentContext,
  ContextFor,
  EventContext,
  GiteaEvent,
  Handler,
  HandlerName,
  HandlerOptions,
  HandlerRegistrar,
  NormalisedComment,
} from '../domain/events.ts';
import type { WebhookPayload } from '../domain/payloads.ts';

/**
 * Probot-style routing: `on('issues.opened', …)` runs for that action only, `on('issues', …)`
 * for every action of the type, `onAny` for every delivery that is not dropped. Comment and
 * review events are also dispatched as `comment.<action>` with the NormalisedComment payload.
 *
 * Handlers of one delivery run one after another in registration order (predictable side
 * effects, no contention between them); a failing handler does not stop the others, and the
 * failures are thrown together once all have run.
 */

/** Told about every handler run, e.g. to feed the duration and failure metrics. */
export interface HandlerObserver {
  handlerFinished(handler: string, seconds: number, error: Error | undefined): void;
}

export interface DispatchOptions {
  log: Logger;
  signal?: AbortSignal;
  attempt?: number;
  observer?: HandlerObserver;
}

export interface DispatchResult {
  /** Whether a handler registered for this event (not only `onAny`) ran. */
  matched: boolean;
  /** Names of the handlers that ran, in order. */
  ran: string[];
}

/** A handler failed; carries the handler's name and the classification of the original error. */
export class HandlerError extends Error {
  readonly handler: string;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(handler: string, cause: Error) {
    super(`handler ${handler} failed: ${cause.message}`, { cause });
    this.name = 'HandlerError';
    this.handler = handler;
    this.isRetryable = isRetryable(cause);
    this.retryAfterMs = retryAfterMsOf(cause);
  }
}

/** Several handlers of one delivery failed; retryable when any of them is. */
export class HandlerErrors extends AggregateError {
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(readonly failures: HandlerError[]) {
    super(failures, `${failures.length} handlers failed: ${failures.map((f) => f.message).join('; ')}`);
    this.name = 'HandlerErrors';
    this.isRetryable = failures.some((f) => f.isRetryable);
    const waits = failures.map((f) => f.retryAfterMs).filter((ms): ms is number => ms !== undefined);
    this.retryAfterMs = waits.length > 0 ? Math.max(...waits) : undefined;
  }
}

interface Registration {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each registration is called with the context type it was registered for
  handler: Handler<any>;
}

const ACTION_PATTERN = /^[a-z][a-z_]*$/;

export class HandlerRegistry implements HandlerRegistrar {
  private readonly byName = new Map<string, Registration[]>();
  private readonly any: Registration[] = [];
  private count = 0;

  /** Registers a handler for one or more names (`type` or `type.action`). */
  on<N extends HandlerName>(
    names: N | readonly N[],
    handler: Handler<ContextFor<N>>,
    options: HandlerOptions = {},
  ): this {
    const list: readonly string[] = Array.isArray(names) ? names : [names as string];
    if (list.length === 0) throw new Error('HandlerRegistry.on: give at least one event name');
    for (const name of list) validateName(name);
    const registration = { name: this.handlerName(handler, options, list.join(',')), handler };
    for (const name of list) {
      const existing = this.byName.get(name);
      if (existing) existing.push(registration);
      else this.byName.set(name, [registration]);
    }
    return this;
  }

  /** Registers a handler for every delivery that is not dropped by loop prevention. */
  onAny(handler: Handler<EventContext<WebhookPayload>>, options: HandlerOptions = {}): this {
    this.any.push({ name: this.handlerName(handler, options, '*'), handler });
    return this;
  }

  /** Whether any handler other than `onAny` would run for this event. */
  handles(event: GiteaEvent): boolean {
    return this.matching(event).length > 0;
  }

  async dispatch(event: GiteaEvent, options: DispatchOptions): Promise<DispatchResult> {
    const base: EventContext<WebhookPayload> = {
      deliveryId: event.deliveryId,
      name: event.name,
      event: event.event,
      eventType: event.eventType,
      action: event.action,
      payload: event.payload,
      repo: event.repo,
      issueNumber: event.issueNumber,
      sender: event.sender,
      log: options.log,
      signal: options.signal ?? new AbortController().signal,
      attempt: options.attempt ?? 1,
    };
    const comment = event.comment ? commentContext(base, event.comment) : null;
    const specific = this.matching(event);
    const runs = [
      ...this.any.map((registration) => ({ registration, context: base })),
      ...specific.map(({ registration, shape }) => ({
        registration,
        context: shape === 'comment' && comment ? comment : base,
      })),
    ];

    const failures: HandlerError[] = [];
    const ran: string[] = [];
    for (const { registration, context } of runs) {
      const started = performance.now();
      let failure: Error | undefined;
      try {
        await registration.handler(context);
      } catch (thrown) {
        failure = toError(thrown);
        failures.push(new HandlerError(registration.name, failure));
      }
      ran.push(registration.name);
      options.observer?.handlerFinished(registration.name, (performance.now() - started) / 1000, failure);
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new HandlerErrors(failures);
    return { matched: specific.length > 0, ran };
  }

  /** Specific registrations for an event, each with the payload shape it is called with. */
  private matching(event: GiteaEvent): Array<{ registration: Registration; shape: 'raw' | 'comment' }> {
    const found: Array<{ registration: Registration; shape: 'raw' | 'comment' }> = [];
    const seen = new Set<Registration>();
    const add = (name: string, shape: 'raw' | 'comment') => {
      for (const registration of this.byName.get(name) ?? []) {
        if (seen.has(registration)) continue; // registered for both `type` and `type.action`
        seen.add(registration);
        found.push({ registration, shape });
      }
    };
    add(event.eventType, 'raw');
    if (event.action !== null) add(event.name, 'raw');
    if (event.comment) {
      add(COMMENT_EVENT, 'comment');
      add(`${COMMENT_EVENT}.${event.comment.action}`, 'comment');
    }
    return found;
  }

  private handlerName(handler: Handler<never>, options: HandlerOptions, fallback: string): string {
    this.count += 1;
    return options.name ?? (handler.name !== '' ? handler.name : `${fallback}#${this.count}`);
  }
}

function commentContext(base: EventContext<WebhookPayload>, comment: NormalisedComment): CommentContext {
  return {
    ...base,
    name: `${COMMENT_EVENT}.${comment.action}`,
    eventType: COMMENT_EVENT,
    action: comment.action,
    payload: comment,
    repo: comment.repo,
    issueNumber: comment.issue.number,
    sender: comment.sender,
  };
}

function validateName(name: string): void {
  const [type, action, ...rest] = name.split('.');
  const problem =
    !type || rest.length > 0
      ? 'expected "type" or "type.action"'
      : type === COMMENT_EVENT
        ? action === undefined || (COMMENT_ACTIONS as readonly string[]).includes(action)
          ? null
          : `comment actions are ${COMMENT_ACTIONS.join(', ')}`
        : !isKnownEventType(type)
          ? `"${type}" is not a Gitea event type (X-Gitea-Event-Type)`
          : action !== undefined && !ACTION_PATTERN.test(action)
            ? `"${action}" is not an action name`
            : null;
  if (problem) throw new Error(`HandlerRegistry.on("${name}"): ${problem}`);
}
