import { createHash } from 'node:crypto';
import type mysql from 'mysql2/promise';
import { RetryableError } from '../domain/errors.ts';

/**
 * MariaDB named locks (GET_LOCK), each held for the duration of a function. They serialise work
 * on one issue (or the dispatcher) across every worker process, and are released by the server
 * if the process dies.
 *
 * Waiting for a lock occupies a connection, so lock connections come from a pool of their own:
 * were they taken from the query pool, enough waiters would leave the lock's holder without a
 * connection for its own queries — a deadlock that only ends when the waits time out.
 */
export class NamedLocks {
  constructor(private readonly pool: mysql.Pool) {}

  /** Runs `fn` holding the lock `name`; a RetryableError when it is not free within the timeout. */
  async hold<T>(name: string, fn: () => Promise<T>, options: { timeoutSeconds?: number } = {}): Promise<T> {
    // MariaDB lock names are limited to 64 characters.
    const lockName =
      name.length <= 64 ? name : `aiw:${createHash('sha256').update(name).digest('hex').slice(0, 56)}`;
    const timeout = options.timeoutSeconds ?? 30;
    const conn = await this.pool.getConnection();
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

  close(): Promise<void> {
    return this.pool.end();
  }
}
