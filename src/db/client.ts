import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';
import { NamedLocks } from './named-lock.ts';
import * as schema from './schema.ts';

export type Database = MySql2Database<typeof schema>;
/** A transaction of `Database` (the callback argument of `db.transaction`). */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Queries that work alone or inside the caller's transaction take either. */
export type DbOrTx = Database | Tx;

export interface DbHandle {
  db: Database;
  /** The query pool (for readiness checks and raw queries). */
  pool: mysql.Pool;
  /** Named locks, on connections of their own. */
  locks: NamedLocks;
  close(): Promise<void>;
}

/** A pooled MariaDB connection for the drizzle schema. Dates are stored and read as UTC. */
export function connectDb(databaseUrl: string, options: { connectionLimit?: number } = {}): DbHandle {
  const connection = {
    uri: normaliseUrl(databaseUrl),
    timezone: 'Z',
    dateStrings: false,
    enableKeepAlive: true,
    connectTimeout: 5_000,
  } as const;
  const pool = mysql.createPool({ ...connection, connectionLimit: options.connectionLimit ?? 10 });
  const locks = new NamedLocks(mysql.createPool({ ...connection, connectionLimit: 64 }));
  const db = drizzle(pool, { schema, mode: 'default' });
  return {
    db,
    pool,
    locks,
    async close() {
      await locks.close().catch(() => undefined);
      await pool.end();
    },
  };
}

/** mysql2 understands only `mysql://`; accept `mariadb://` too. */
export function normaliseUrl(databaseUrl: string): string {
  return databaseUrl.replace(/^mariadb:/, 'mysql:');
}

/** Is the database answering? Used by /readyz and `doctor`. */
export async function pingDb(pool: mysql.Pool): Promise<void> {
  await pool.query('SELECT 1');
}

/** Whether a write failed on a unique key (MariaDB 1062), directly or as a driver error's cause. */
export function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: string; errno?: number; cause?: { code?: string; errno?: number } };
  return (
    e?.code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    e?.cause?.code === 'ER_DUP_ENTRY' ||
    e?.cause?.errno === 1062
  );
}
