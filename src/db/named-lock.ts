import { createHash } from 'node:crypto';
import type mysql from 'mysql2/promise';
import { RetryableError } from '../queue/errors.ts';

/**
 * A MariaDB named lock (GET_LOCK) held for the duration of `fn`. It serialises work on one
 * issue across every worker process, and is released by the server if the process dies.
 */
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
  const conn = await pool.getConnection();
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
