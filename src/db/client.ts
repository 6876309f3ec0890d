import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';
import * as schema from './schema.ts';

export type Database = MySql2Database<typeof schema>;

export interface DbHandle {
  db: Database;
  pool: mysql.Pool;
  close(): Promise<void>;
}

/** A pooled MariaDB connection for the drizzle schema. Dates are stored and read as UTC. */
export function connectDb(databaseUrl: string, options: { connectionLimit?: number } = {}): DbHandle {
  const pool = mysql.createPool({
    uri: normaliseUrl(databaseUrl),
    connectionLimit: options.connectionLimit ?? 10,
    timezone: 'Z',
    dateStrings: false,
    enableKeepAlive: true,
    connectTimeout: 5_000,
  });
  const db = drizzle(pool, { schema, mode: 'default' });
  return {
    db,
    pool,
    close: () => pool.end(),
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
