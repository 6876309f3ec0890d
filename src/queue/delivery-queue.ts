import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../config/logger.ts';
import { QueueUnavailableError } from '../domain/errors.ts';
import {
  DEFAULT_QUEUE_PREFIX,
  DELIVERY_JOB_NAME,
  DELIVERY_QUEUE_NAME,
  type DeliveryJobData,
  type IncomingDelivery,
} from './delivery-job.ts';
import { RecentDeliveries } from './recent-deliveries.ts';
import { createProducerRedis, logConnectionState } from './redis-connections.ts';
import {
  BACKOFF_TYPE,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  KEEP_COMPLETED,
  KEEP_FAILED,
} from './retry-policy.ts';

/**
 * `accepted`: stored now (or already stored by another process); `duplicate`: this process
 * already stored this delivery id.
 */
export type EnqueueResult = 'accepted' | 'duplicate';

/** Job counts by BullMQ state, for the queue depth gauge. */
export type QueueDepth = Record<'waiting' | 'active' | 'delayed' | 'failed' | 'completed', number>;

export interface DeliveryQueue {
  /** Durably stores the delivery (once per delivery id); throws QueueUnavailableError when it cannot. */
  enqueue(delivery: IncomingDelivery): Promise<EnqueueResult>;
  depth(): Promise<QueueDepth>;
  /** Resolves when Redis answers; for /readyz. */
  ping(): Promise<void>;
  readonly queue: Queue<DeliveryJobData>;
  /** The producer's own connection (fail-fast). */
  readonly redis: Redis;
  close(): Promise<void>;
}

export interface DeliveryQueueOptions {
  prefix?: string;
  /** Attempts per delivery before it fails for good (default 6). */
  attempts?: number;
  /** First retry delay; doubles each attempt (default 2 s). */
  backoffMs?: number;
  /** Longest a Redis command of the endpoint may take before it answers 503 (default 2 s). */
  enqueueTimeoutMs?: number;
  logger?: Logger;
}

/** Delivery ids remembered per process for duplicate detection (~100 bytes each). */
const RECENT_CAPACITY = 20_000;

/**
 * The producer side of the delivery queue, used by the webhook endpoint.
 *
 * Exactly-once enqueueing comes from BullMQ: the job id is the delivery id, and adding an id
 * that exists is a no-op, across processes and restarts. Whether a request was the first or a
 * duplicate (for the answer and the metrics) is known from this process's own recent
 * deliveries, which costs no extra Redis command.
 */
export function createDeliveryQueue(redisUrl: string, options: DeliveryQueueOptions = {}): DeliveryQueue {
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const timeoutMs = options.enqueueTimeoutMs ?? 2_000;
  const redis = createProducerRedis(redisUrl, { commandTimeoutMs: timeoutMs });
  if (options.logger) logConnectionState(redis, options.logger, 'producer');
  else redis.on('error', () => undefined); // failures surface on the commands that fail
  const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE_NAME, {
    connection: redis,
    prefix,
    defaultJobOptions: {
      attempts: options.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: BACKOFF_TYPE, delay: options.backoffMs ?? DEFAULT_BACKOFF_MS },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    },
  });
  // Queue errors are connection errors already reported by the connection itself.
  queue.on('error', () => undefined);
  const recent = new RecentDeliveries(RECENT_CAPACITY, KEEP_COMPLETED.age * 1000);
  const inFlight = new Map<string, Promise<void>>();

  async function enqueue(delivery: IncomingDelivery): Promise<EnqueueResult> {
    const id = delivery.deliveryId;
    // The same delivery arriving again while its first copy is being stored waits for that
    // copy: one Redis call, and the answer depends on whether the first was stored.
    const pending = inFlight.get(id);
    if (pending) {
      await pending;
      return 'duplicate';
    }
    if (recent.has(id)) return 'duplicate';
    // Fail fast: a command issued while disconnected would otherwise wait inside BullMQ for
    // the connection and could still enqueue after we answered 503.
    if (redis.status !== 'ready') {
      throw new QueueUnavailableError(`Redis is not connected (${redis.status})`);
    }
    const data: DeliveryJobData = {
      deliveryId: id,
      event: delivery.event,
      eventType: delivery.eventType,
      receivedAt: delivery.receivedAt,
      payload: delivery.payload,
    };
    // The command fails within the connection's command timeout, and at once if the
    // connection drops (no retries): the sender then gets a 503.
    const stored = queue.add(DELIVERY_JOB_NAME, data, { jobId: id }).then(
      () => undefined,
      (error: unknown) => {
        throw new QueueUnavailableError(`Redis did not accept the delivery: ${(error as Error).message}`, {
          cause: error,
        });
      },
    );
    inFlight.set(id, stored);
    try {
      await stored;
      recent.add(id);
      return 'accepted';
    } finally {
      inFlight.delete(id);
    }
  }

  return {
    enqueue,
    async depth() {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
      return {
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        completed: counts.completed ?? 0,
      };
    },
    async ping() {
      await redis.ping();
    },
    queue,
    redis,
    async close() {
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
