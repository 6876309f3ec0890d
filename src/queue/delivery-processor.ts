import { performance } from 'node:perf_hooks';
import type { Logger } from '../config/logger.ts';
import type { DeliveryRecord, DeliveryStore } from '../db/deliveries.ts';
import { describeError, isRetryable, toError } from '../domain/errors.ts';
import { isKnownEventType } from '../domain/event-names.ts';
import type { GiteaEvent } from '../domain/events.ts';
import type { Actor, RepoRef } from '../domain/payloads.ts';
import { loopPreventionReason } from '../events/loop-prevention.ts';
import { parseGiteaEvent } from '../events/parse.ts';
import type { HandlerObserver, HandlerRegistry } from '../events/registry.ts';
import type { DeliveryJobData } from './delivery-job.ts';

/**
 * What a worker does with one delivery, independent of BullMQ: skip it if it already ran,
 * record it, drop it if it is the bot's own, route it, and classify a failure. The BullMQ
 * adapter (delivery-worker.ts) turns the returned verdict into complete / retry / fail.
 */

export type JobOutcome = 'handled' | 'ignored' | 'skipped' | 'retrying' | 'failed' | 'abandoned';

export interface WorkerMetrics extends HandlerObserver {
  jobFinished(outcome: JobOutcome, seconds: number): void;
}

/** Everything the failure hook needs to tell people what went wrong. */
export interface DeliveryFailure {
  deliveryId: string;
  eventType: string;
  action: string | null;
  /** `issue_comment.created`, `push`, … */
  name: string;
  repo: RepoRef | null;
  issueNumber: number | null;
  sender: Actor | null;
  error: Error;
  /** Why this is the end: a permanent error, or a retryable one that used every attempt. */
  reason: 'permanent' | 'attempts_exhausted';
  attempts: number;
  log: Logger;
}

export type PermanentFailureHook = (failure: DeliveryFailure) => Promise<void> | void;

export interface DeliveryProcessorDeps {
  store: DeliveryStore;
  registry: HandlerRegistry;
  /** The bot account's login: its own events are dropped. */
  botLogin: string;
  logger: Logger;
  metrics?: WorkerMetrics;
  onPermanentFailure?: PermanentFailureHook;
}

export interface DeliveryAttempt {
  data: DeliveryJobData;
  /** 1-based number of this attempt. */
  attempt: number;
  maxAttempts: number;
  signal: AbortSignal;
}

export type DeliveryVerdict =
  | { kind: 'done'; outcome: 'handled' | 'ignored' | 'skipped'; reason: string | null }
  | { kind: 'retry'; error: Error }
  | { kind: 'fail'; error: Error; reason: string }
  /** The worker gave the job up at its shutdown deadline; nothing was recorded. */
  | { kind: 'abandoned'; error: Error };

export async function processDelivery(
  attempt: DeliveryAttempt,
  deps: DeliveryProcessorDeps,
): Promise<DeliveryVerdict> {
  const started = performance.now();
  const { data, signal } = attempt;
  let record = baseRecord(data);
  let event: GiteaEvent | null = null;
  let log = deps.logger.child({
    deliveryId: data.deliveryId,
    event: data.eventType,
    attempt: attempt.attempt,
  });
  const finish = (verdict: DeliveryVerdict): DeliveryVerdict => {
    deps.metrics?.jobFinished(outcomeOf(verdict), (performance.now() - started) / 1000);
    return verdict;
  };

  try {
    if (data.payload === null) {
      return finish({ kind: 'done', outcome: 'skipped', reason: 'already processed (payload trimmed)' });
    }
    const settled = await deps.store.settledOutcome(data.deliveryId);
    if (settled) {
      log.debug({ outcome: settled }, 'delivery already settled; skipping');
      return finish({ kind: 'done', outcome: 'skipped', reason: `already ${settled}` });
    }
    event = parseGiteaEvent(data, data.payload);
    record = recordOf(event, data);
    log = log.child({
      action: event.action,
      repo: event.repo?.fullName,
      issue: event.issueNumber ?? undefined,
    });
    await deps.store.start(record);

    const dropped = loopPreventionReason(event, deps.botLogin);
    if (dropped) {
      log.debug({ reason: dropped }, 'delivery dropped (loop prevention)');
      return finish(await settle(deps, record, 'ignored', dropped, started));
    }
    const result = await deps.registry.dispatch(event, {
      log,
      signal,
      attempt: attempt.attempt,
      observer: deps.metrics,
    });
    const reason = result.matched
      ? null
      : isKnownEventType(event.eventType)
        ? `no handler for ${event.name}`
        : `unknown event type ${event.eventType}`;
    log.debug({ handlers: result.ran, reason }, result.matched ? 'delivery handled' : 'delivery ignored');
    return finish(await settle(deps, record, result.matched ? 'handled' : 'ignored', reason, started));
  } catch (thrown) {
    const error = toError(thrown);
    if (signal.aborted) {
      log.warn({ err: error }, 'delivery abandoned at the shutdown deadline; another worker will take it');
      return finish({ kind: 'abandoned', error });
    }
    return finish(await failed(error, attempt, deps, record, event, log, started));
  }
}

async function failed(
  error: Error,
  attempt: DeliveryAttempt,
  deps: DeliveryProcessorDeps,
  record: DeliveryRecord,
  event: GiteaEvent | null,
  log: Logger,
  started: number,
): Promise<DeliveryVerdict> {
  const retryable = isRetryable(error);
  const final = !retryable || attempt.attempt >= attempt.maxAttempts;
  const reason = describeError(error);
  try {
    await deps.store.settle(record, {
      outcome: final ? 'failed' : 'retrying',
      reason,
      durationMs: performance.now() - started,
    });
  } catch (recordError) {
    log.error({ err: recordError, cause: reason }, 'could not record the delivery failure');
    // Recording is part of the job: try the whole job again while attempts remain.
    if (isRetryable(recordError) && attempt.attempt < attempt.maxAttempts) return { kind: 'retry', error };
  }
  if (!final) {
    log.warn(
      { err: error, attempt: attempt.attempt, of: attempt.maxAttempts },
      'delivery failed; will retry',
    );
    return { kind: 'retry', error };
  }
  const why = retryable ? 'attempts_exhausted' : 'permanent';
  log.error({ err: error, attempts: attempt.attempt, why }, 'delivery failed for good');
  if (deps.onPermanentFailure) {
    try {
      await deps.onPermanentFailure({
        deliveryId: record.deliveryId,
        eventType: record.eventType,
        action: record.action,
        name: event?.name ?? record.eventType,
        repo: event?.repo ?? null,
        issueNumber: record.issueNumber,
        sender: event?.sender ?? null,
        error,
        reason: why,
        attempts: attempt.attempt,
        log,
      });
    } catch (hookError) {
      log.error(
        { err: hookError, cause: reason },
        'the permanent-failure hook failed; the failure was not reported on the issue',
      );
    }
  }
  return { kind: 'fail', error, reason };
}

async function settle(
  deps: DeliveryProcessorDeps,
  record: DeliveryRecord,
  outcome: 'handled' | 'ignored',
  reason: string | null,
  started: number,
): Promise<DeliveryVerdict> {
  await deps.store.settle(record, { outcome, reason, durationMs: performance.now() - started });
  return { kind: 'done', outcome, reason };
}

function baseRecord(data: DeliveryJobData): DeliveryRecord {
  return {
    deliveryId: data.deliveryId,
    event: data.event,
    eventType: data.eventType,
    action: null,
    repoFullName: null,
    issueNumber: null,
    sender: null,
    receivedAt: new Date(data.receivedAt),
  };
}

function recordOf(event: GiteaEvent, data: DeliveryJobData): DeliveryRecord {
  return {
    ...baseRecord(data),
    action: event.action,
    repoFullName: event.repo?.fullName ?? null,
    issueNumber: event.issueNumber,
    sender: event.sender?.login ?? null,
  };
}

function outcomeOf(verdict: DeliveryVerdict): JobOutcome {
  switch (verdict.kind) {
    case 'done':
      return verdict.outcome;
    case 'retry':
      return 'retrying';
    case 'fail':
      return 'failed';
    case 'abandoned':
      return 'abandoned';
  }
}
