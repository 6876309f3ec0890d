import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import { connectDb, normaliseUrl } from './client.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
const LOCK_NAME = 'aiworker:migrate';
const LOCK_WAIT_SECONDS = 120;

/**
 * Creates the database if it is missing, then applies pending migrations. Two processes
 * starting at once serialise on a MariaDB named lock, so each migration runs exactly once.
 */
export async function runMigrations(databaseUrl: string): Promise<{ applied: number }> {
  await createDatabaseIfMissing(databaseUrl);
  const handle = connectDb(databaseUrl, { connectionLimit: 2 });
  const lockConn = await handle.pool.getConnection();
  try {
    const [rows] = await lockConn.query('SELECT GET_LOCK(?, ?) AS got', [LOCK_NAME, LOCK_WAIT_SECONDS]);
    if ((rows as Array<{ got: number | null }>)[0]?.got !== 1) {
      throw new Error(
        `could not take the migration lock within ${LOCK_WAIT_SECONDS}s (another process is migrating)`,
      );
    }
    const before = await countApplied(handle.pool);
    await migrate(handle.db, { migrationsFolder: MIGRATIONS_FOLDER });
    const after = await countApplied(handle.pool);
    return { applied: after - before };
  } finally {
    await lockConn.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]).catch(() => undefined);
    lockConn.release();
    await handle.close();
  }
}

async function countApplied(pool: mysql.Pool): Promise<number> {
  try {
    const [rows] = await pool.query('SELECT COUNT(*) AS n FROM `__drizzle_migrations`');
    return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
  } catch {
    return 0; // the journal table does not exist yet
  }
}

async function createDatabaseIfMissing(databaseUrl: string): Promise<void> {
  const url = new URL(normaliseUrl(databaseUrl));
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database (expected mysql://user:pass@host:3306/db)');
  if (!/^[A-Za-z0-9_$-]+$/.test(name))
    throw new Error(`DATABASE_URL database name "${name}" has unsupported characters`);
  url.pathname = '/';
  const conn = await mysql.createConnection({ uri: url.toString(), connectTimeout: 5_000 });
  try {
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } catch (error) {
    // A user without CREATE rights on a database that already exists is fine.
    const [rows] = await conn.query('SHOW DATABASES LIKE ?', [name]);
    if ((rows as unknown[]).length === 0) throw error;
  } finally {
    await conn.end();
  }
}
