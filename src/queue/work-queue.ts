import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../config/logger.ts';
import { describeError, isRetryable, toError } from '../domain/errors.ts';
import {
  type WorkJob,
  type WorkKind,
  type WorkProcessor,
  type WorkScheduler,
  workJobId,
} from '../domain/work.ts';
import { DEFAULT_QUEUE_PREFIX } from './delivery-job.ts';
import { createWorkerRedis, logConnectionState } from './redis-connections.ts';
import {
  BACKOFF_TYPE,
  DEFAULT_BACKOFF_MS,
  KEEP_COMPLETED,
  KEEP_FAILED,
  workerOptions,
} from './retry-policy.ts';

/**
 * The BullMQ side of long work (the jobs themselves are described in domain/work.ts): the
 * producer every part that schedules work gets as its WorkScheduler, and the worker that runs
 * each kind's processor.
 */

export const WORK_QUEUE_NAME = 'work';

export interface WorkQueue extends WorkScheduler {
  enqueue(job: WorkJob): Promise<void>;
  readonly queue: Queue<WorkJob>;
  close(): Promise<void>;
}

export interface WorkQueueOptions {
  prefix?: string;
  attempts?: number;
  backoffMs?: number;
  logger?: Logger;
}

export function createWorkQueue(redisUrl: string, options: WorkQueueOptions = {}): WorkQueue {
  const redis = createWorkerRedis(redisUrl, { name: 'aiworker:work-producer' });
  if (options.logger) logConnectionState(redis, options.logger, 'work-producer');
  else redis.on('error', () => undefined);
  const queue = new Queue<WorkJob>(WORK_QUEUE_NAME, {
    connection: redis,
    prefix: options.prefix ?? DEFAULT_QUEUE_PREFIX,
    defaultJobOptions: {
      attempts: options.attempts ?? 6,
      backoff: { type: BACKOFF_TYPE, delay: options.backoffMs ?? DEFAULT_BACKOFF_MS },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    },
  });
  queue.on('error', () => undefined);
  return {
    queue,
    async enqueue(job) {
      await queue.add(job.kind, job, { jobId: workJobId(job) });
    },
    async close() {
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export interface WorkWorkerOptions {
  redisUrl: string;
  prefix?: string;
  concurrency?: number;
  processors: Partial<Record<WorkKind, WorkProcessor>>;
  logger: Logger;
  /** Called once a job has failed for good (permanent error, or retries exhausted). */
  onPermanentFailure?: (job: WorkJob, error: Error, log: Logger) => Promise<void>;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface WorkWorker {
  readonly worker: Worker<WorkJob>;
  waitUntilReady(): Promise<void>;
  close(): Promise<void>;
}

export function startWorkWorker(options: WorkWorkerOptions): WorkWorker {
  const logger = options.logger.child({ component: 'work-worker' });
  const redis = createWorkerRedis(options.redisUrl, { name: 'aiworker:work-worker' });
  logConnectionState(redis, logger, 'work-worker');

  const processor = async (job: Job<WorkJob>, _token?: string, signal?: AbortSignal): Promise<void> => {
    const data = job.data;
    const log = logger.child({
      job: job.id,
      kind: data.kind,
      taskId: data.taskId,
      version: data.version,
      deliveryId: data.deliveryId,
    });
    const run = options.processors[data.kind];
    if (!run) throw new UnrecoverableError(`no processor for work of kind ${data.kind}`);
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const started = Date.now();
    try {
      await run(data, { log, signal: signal ?? new AbortController().signal, attempt });
      log.debug({ ms: Date.now() - started }, 'work done');
    } catch (thrown) {
      const error = toError(thrown);
      const retry = isRetryable(error) && attempt < maxAttempts;
      log[retry ? 'warn' : 'error'](
        { err: error, attempt, maxAttempts },
        retry ? 'work failed; will retry' : 'work failed for good',
      );
      if (retry) throw error;
      if (options.onPermanentFailure) {
        await options
          .onPermanentFailure(data, error, log)
          .catch((hookError: unknown) => log.error({ err: hookError }, 'could not report a failed job'));
      }
      throw new UnrecoverableError(describeError(error));
    }
  };

  const worker = new Worker<WorkJob>(
    WORK_QUEUE_NAME,
    processor,
    workerOptions(redis, options, { concurrency: 4, lockDurationMs: 60_000, maxStalledCount: 2 }),
  );
  worker.on('error', (error) => logger.error({ err: error }, 'work worker error'));
  return {
    worker,
    waitUntilReady: async () => {
      await worker.waitUntilReady();
    },
    async close() {
      await worker.close();
      redis.disconnect();
    },
  };
}
