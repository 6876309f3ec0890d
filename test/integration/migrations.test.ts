import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.ts';
import { TEST_MYSQL_URL, testDatabaseName } from '../support/services.ts';

const name = testDatabaseName('migrations');
const url = `${TEST_MYSQL_URL.replace(/\/+$/, '')}/${name}`;
/** Every migration drizzle-kit generated (its journal lists them). */
const migrationCount = (
  JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

afterAll(async () => {
  const conn = await mysql.createConnection({ uri: `${TEST_MYSQL_URL.replace(/\/+$/, '')}/` });
  await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await conn.end();
});

describe('runMigrations', () => {
  it('creates the database and every table of the design, once, even when two processes race', async () => {
    const results = await Promise.all([runMigrations(url), runMigrations(url)]);
    expect(migrationCount).toBeGreaterThan(1);
    expect(results.map((r) => r.applied).sort()).toEqual([0, migrationCount]);
    expect((await runMigrations(url)).applied).toBe(0);

    const conn = await mysql.createConnection({ uri: url });
    const [rows] = await conn.query('SHOW TABLES');
    await conn.end();
    const tables = (rows as Array<Record<string, string>>).map((r) => Object.values(r)[0]);
    expect(tables).toEqual(
      expect.arrayContaining([
        'deliveries',
        'repos',
        'tasks',
        'task_specifications',
        'clarification_questions',
        'subtasks',
        'agent_runs',
        'agent_tokens',
        'deployments',
        'promotions',
        'llm_usage',
        'audit_log',
      ]),
    );
  });

  it('explains a DATABASE_URL without a database name', async () => {
    await expect(runMigrations(`${TEST_MYSQL_URL.replace(/\/+$/, '')}/`)).rejects.toThrow(
      /names no database/,
    );
  });
});
