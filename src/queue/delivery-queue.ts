import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../config/logger.ts';
import {
  DEFAULT_QUEUE_PREFIX,
  DELIVERY_JOB_NAME,
  DELIVERY_QUEUE_NAME,
  type DeliveryJobData,
  type IncomingDelivery,
} from './delivery-job.ts';
import { QueueUnavailableError } from './errors.ts';
import { createProducerRedis, logConnectionState } from './redis-connections.ts';
import {
  BACKOFF_TYPE,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  KEEP_COMPLETED,
  KEEP_FAILED,
} from './retry-policy.ts';

/** `accepted`: first time this delivery id was seen; `duplicate`: it was already queued. */
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

const SEEN_TTL_MS = KEEP_COMPLETED.age * 1000;

/**
 * The producer side of the delivery queue, used by the webhook endpoint.
 *
 * Exactly-once enqueueing comes from BullMQ: the job id is the delivery id, and adding an id
 * that exists is a no-op. Whether a request was the first or a duplicate is only needed for
 * the metrics, and is answered race-free by a `SET NX` sent in the same pipeline.
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
  const seenKey = (id: string) => `${prefix}:${DELIVERY_QUEUE_NAME}-seen:${id}`;

  async function enqueue(delivery: IncomingDelivery): Promise<EnqueueResult> {
    // Fail fast: a command issued while disconnected would otherwise wait inside BullMQ for
    // the connection and could still enqueue after we answered 503.
    if (redis.status !== 'ready') {
      throw new QueueUnavailableError(`Redis is not connected (${redis.status})`);
    }
    const data: DeliveryJobData = {
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      eventType: delivery.eventType,
      receivedAt: delivery.receivedAt,
      payload: delivery.payload,
    };
    try {
      // Both commands go out in one write (auto-pipelining); each fails on its own within the
      // connection's command timeout, and at once if the connection drops (no retries).
      const [, first] = await Promise.all([
        queue.add(DELIVERY_JOB_NAME, data, { jobId: delivery.deliveryId }),
        redis.set(seenKey(delivery.deliveryId), '1', 'PX', SEEN_TTL_MS, 'NX'),
      ]);
      return first === 'OK' ? 'accepted' : 'duplicate';
    } catch (error) {
      throw new QueueUnavailableError(`Redis did not accept the delivery: ${(error as Error).message}`, {
        cause: error,
      });
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
