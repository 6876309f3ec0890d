import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { TEST_MYSQL_URL, TEST_REDIS_URL } from './support/services.ts';

/** Fails fast, with the fix, when the real services the integration tests need are down. */
export default async function setup(): Promise<() => Promise<void>> {
  try {
    const conn = await mysql.createConnection({
      uri: `${TEST_MYSQL_URL.replace(/\/+$/, '')}/`,
      connectTimeout: 3000,
    });
    // Drop databases an interrupted earlier run left behind (older than two hours, so a run
    // going on at the same time keeps its own).
    const [rows] = await conn.query("SHOW DATABASES LIKE 'aiwt\\_%'");
    const cutoff = Math.floor(Date.now() / 1000) - 2 * 60 * 60;
    for (const row of rows as Array<Record<string, string>>) {
      const name = Object.values(row)[0];
      const created = Number(name?.split('_')[1]);
      if (name && Number.isFinite(created) && created < cutoff)
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    }
    await conn.end();
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable at ${TEST_MYSQL_URL} (${(error as Error).message}). Start it, or set TEST_DATABASE_URL.`,
    );
  }
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${TEST_REDIS_URL} (${(error as Error).message}). Start it, or set TEST_REDIS_URL.`,
    );
  } finally {
    redis.disconnect();
  }
  return async () => {};
}
