import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { TEST_MYSQL_URL, TEST_REDIS_URL } from './support/services.ts';

/** Fails fast, with the fix, when the real services the integration tests need are down. */
export default async function setup(): Promise<() => Promise<void>> {
  try {
    const conn = await mysql.createConnection({ uri: `${TEST_MYSQL_URL.replace(/\/+$/, '')}/`, connectTimeout: 3000 });
    // Drop databases left behind by an interrupted earlier run.
    const [rows] = await conn.query("SHOW DATABASES LIKE 'aiwt\\_%'");
    for (const row of rows as Array<Record<string, string>>) {
      const name = Object.values(row)[0];
      if (name) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    }
    await conn.end();
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable at ${TEST_MYSQL_URL} (${(error as Error).message}). Start it, or set TEST_DATABASE_URL.`,
    );
  }
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${TEST_REDIS_URL} (${(error as Error).message}). Start it, or set TEST_REDIS_URL.`);
  } finally {
    redis.disconnect();
  }
  return async () => {};
}
