import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { connectDb, type DbHandle } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';

/**
 * Real MariaDB and Redis for integration tests. Each test file gets its own database and its
 * own Redis key prefix, so files never see each other's state.
 */

export const TEST_MYSQL_URL = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export function uniqueName(label: string): string {
  return `${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase extends DbHandle {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Test databases are named `aiwt_<created, epoch seconds>_<label>_<random>` so that a run can
 * clean up what an interrupted earlier run left behind without touching a concurrent run's.
 */
export function testDatabaseName(label: string): string {
  return `aiwt_${Math.floor(Date.now() / 1000)}_${uniqueName(label)}`.slice(0, 64);
}

/** A fresh, migrated database; `drop()` removes it. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = testDatabaseName(label);
  const url = `${TEST_MYSQL_URL.replace(/\/+$/, '')}/${name}`;
  await runMigrations(url);
  const handle = connectDb(url);
  return {
    ...handle,
    url,
    name,
    async drop() {
      await handle.close();
      const conn = await mysql.createConnection({ uri: `${TEST_MYSQL_URL.replace(/\/+$/, '')}/` });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/** A Redis connection usable by BullMQ (which needs maxRetriesPerRequest: null). */
export function createTestRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Removes every key under a prefix (BullMQ queues of one test). */
export async function clearRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
