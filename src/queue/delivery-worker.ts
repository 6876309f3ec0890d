import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/client.ts';
import { createDeliveryStore } from '../db/deliveries.ts';
import type { HandlerRegistry } from '../events/registry.ts';
import { DELIVERY_QUEUE_NAME, type DeliveryJobData } from './delivery-job.ts';
import { type PermanentFailureHook, processDelivery, type WorkerMetrics } from './delivery-processor.ts';
import { createWorkerRedis, logConnectionState } from './redis-connections.ts';
import { workerOptions } from './retry-policy.ts';

export interface DeliveryWorkerOptions {
  redisUrl: string;
  prefix?: string;
  /** Deliveries processed at once by this process (default 8). */
  concurrency?: number;
  db: Database;
  registry: HandlerRegistry;
  /** The bot account's login; its own events are dropped. */
  botLogin: string;
  logger: Logger;
  onPermanentFailure?: PermanentFailureHook;
  metrics?: WorkerMetrics;
  /**
   * How long a job stays locked to this worker without a renewal (default 30 s). A worker that
   * dies, or gives jobs up at its shutdown deadline, releases them after this long: BullMQ's
   * stalled-job check then puts them back in the queue for another worker.
   */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (default 30 s). */
  stalledIntervalMs?: number;
}

export interface DeliveryWorker {
  readonly worker: Worker<DeliveryJobData>;
  /** Resolves once connected to Redis. */
  waitUntilReady(): Promise<void>;
  /**
   * Graceful stop: takes no new jobs and waits for in-flight ones. Past `deadlineMs`
   * (default 25 s) the remaining jobs are given up: their handlers' signal is aborted, the
   * connection is dropped without completing them, and they return to the queue once their
   * lock expires. Resolves with how many jobs were given up.
   */
  close(options?: { deadlineMs?: number }): Promise<{ abandoned: number }>;
}

/**
 * A job stalled this many times (its worker died or gave it up at shutdown) fails instead of
 * looping forever; two leaves room for one rolling restart plus one crash.
 */
const MAX_STALLED_COUNT = 2;

/** Starts consuming deliveries. Handlers are routed by `registry`. */
export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const logger = options.logger.child({ component: 'delivery-worker' });
  const redis = createWorkerRedis(options.redisUrl, { name: 'aiworker:delivery-worker' });
  logConnectionState(redis, logger, 'worker');
  const store = createDeliveryStore(options.db);
  const deps = {
    store,
    registry: options.registry,
    botLogin: options.botLogin,
    logger: options.logger,
    metrics: options.metrics,
    onPermanentFailure: options.onPermanentFailure,
  };

  const inFlight = new Set<string | undefined>();
  const processor = async (
    job: Job<DeliveryJobData>,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<string> => {
    inFlight.add(job.id);
    try {
      return await runJob(job, signal);
    } finally {
      inFlight.delete(job.id);
    }
  };
  const runJob = async (job: Job<DeliveryJobData>, signal?: AbortSignal): Promise<string> => {
    const verdict = await processDelivery(
      {
        data: job.data,
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
        signal: signal ?? new AbortController().signal,
      },
      deps,
    );
    switch (verdict.kind) {
      case 'done':
        if (verdict.outcome !== 'skipped') await trimPayload(job, logger);
        return verdict.outcome;
      case 'retry':
      case 'abandoned':
        throw verdict.error;
      case 'fail':
        throw new UnrecoverableError(verdict.reason);
    }
  };

  const worker = new Worker<DeliveryJobData>(
    DELIVERY_QUEUE_NAME,
    processor,
    workerOptions(redis, options, {
      concurrency: 8,
      lockDurationMs: 30_000,
      maxStalledCount: MAX_STALLED_COUNT,
    }),
  );
  worker.on('error', (error) => logger.error({ err: error }, 'delivery worker error'));
  worker.on('stalled', (jobId) =>
    logger.warn({ deliveryId: jobId }, 'delivery job stalled; back in the queue'),
  );

  let closing: Promise<{ abandoned: number }> | undefined;
  return {
    worker,
    waitUntilReady: async () => {
      await worker.waitUntilReady();
    },
    close(closeOptions = {}) {
      closing ??= (async () => {
        const deadlineMs = closeOptions.deadlineMs ?? 25_000;
        const graceful = worker.close();
        const inTime = await Promise.race([
          graceful.then(() => true),
          sleep(deadlineMs, false, { ref: false }),
        ]);
        let abandoned = 0;
        if (!inTime) {
          abandoned = inFlight.size;
          logger.warn(
            { abandoned, deadlineMs },
            'shutdown deadline reached; giving in-flight deliveries back',
          );
          // Drop the connections first so nothing the handlers still do can complete the job…
          await worker.disconnect().catch(() => undefined);
          // …then tell the handlers to stop; their jobs return to the queue when the lock expires.
          worker.cancelAllJobs('shutdown deadline');
        }
        redis.disconnect();
        return { abandoned };
      })();
      return closing;
    },
  };
}

/** A finished job keeps only its metadata: its id still blocks duplicates, its payload is no longer needed. */
async function trimPayload(job: Job<DeliveryJobData>, logger: Logger): Promise<void> {
  try {
    await job.updateData({ ...job.data, payload: null });
  } catch (error) {
    // The delivery is handled and recorded; a kept payload only costs memory until removal.
    logger.warn({ err: error, deliveryId: job.id }, 'could not trim the payload of a finished delivery job');
  }
}
