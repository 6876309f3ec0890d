import { Redis } from 'ioredis';
import type { Logger } from '../config/logger.ts';

/**
 * The two kinds of Redis connection AiWorker uses. They differ on purpose:
 *
 * - the producer (webhook endpoint) must fail fast: with no offline queue and no per-request
 *   retries a command fails at once while Redis is down, so the endpoint answers 503 and Gitea
 *   records a failed delivery that can be redelivered, instead of a request that hangs;
 * - workers must wait out outages: BullMQ requires `maxRetriesPerRequest: null` for its
 *   blocking connection, and a worker simply resumes when Redis is back.
 */

export interface ProducerRedisOptions {
  /** Longest a single command may take before it fails (ms). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Connection name shown by CLIENT LIST. */
  name?: string;
}

export function createProducerRedis(redisUrl: string, options: ProducerRedisOptions = {}): Redis {
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    // Concurrent enqueues share one write to the socket: fewer syscalls under load.
    enableAutoPipelining: true,
    // Keep reconnecting forever, quickly: the endpoint is unavailable until this succeeds.
    retryStrategy: (times) => Math.min(100 * times, 1_000),
    connectionName: options.name ?? 'aiworker:producer',
  });
  return redis;
}

export function createWorkerRedis(redisUrl: string, options: { name?: string } = {}): Redis {
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    connectionName: options.name ?? 'aiworker:worker',
  });
  return redis;
}

/**
 * Logs a connection's outages once each (when it is lost and when it is back) instead of once
 * per reconnection attempt; also keeps ioredis from reporting an unhandled 'error' event.
 */
export function logConnectionState(redis: Redis, logger: Logger, label: string): void {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error, connection: label }, `Redis connection ${label} is down; reconnecting`);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ connection: label }, `Redis connection ${label} is back`);
  });
}
