import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import { RetryableError } from '../domain/errors.ts';

/**
 * A MariaDB named lock (GET_LOCK) held for the duration of `fn`. It serialises work on one
 * issue (or the dispatcher) across every worker process, and is released by the server if the
 * process dies.
 *
 * Waiting for a lock occupies a connection, so lock connections come from a pool of their own:
 * were they taken from the query pool, enough waiters would leave the lock's holder without a
 * connection for its own queries — a deadlock that only ends when the waits time out.
 */
const lockPools = new WeakMap<mysql.Pool, mysql.Pool>();

function lockPoolFor(pool: mysql.Pool): mysql.Pool {
  let lockPool = lockPools.get(pool);
  if (!lockPool) {
    const config = (pool as unknown as { pool: { config: { connectionConfig: mysql.PoolOptions } } }).pool
      .config;
    lockPool = mysql.createPool({ ...config.connectionConfig, connectionLimit: 64, enableKeepAlive: true });
    lockPools.set(pool, lockPool);
    // Closing the query pool closes its lock pool too.
    const end = pool.end.bind(pool);
    pool.end = async () => {
      await lockPool?.end().catch(() => undefined);
      await end();
    };
  }
  return lockPool;
}

export async function withNamedLock<T>(
  pool: mysql.Pool,
  name: string,
  fn: () => Promise<T>,
  options: { timeoutSeconds?: number } = {},
): Promise<T> {
  // MariaDB lock names are limited to 64 characters.
  const lockName =
    name.length <= 64 ? name : `aiw:${createHash('sha256').update(name).digest('hex').slice(0, 56)}`;
  const timeout = options.timeoutSeconds ?? 30;
  const conn = await lockPoolFor(pool).getConnection();
  try {
    const [rows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [lockName, timeout]);
    if ((rows as Array<{ got: number | null }>)[0]?.got !== 1) {
      throw new RetryableError(`${name} is busy (lock not free within ${timeout}s)`);
    }
    try {
      return await fn();
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
    }
  } finally {
    conn.release();
  }
}
