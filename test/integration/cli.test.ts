import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';
import { TEST_MYSQL_URL, TEST_REDIS_URL, testDatabaseName } from '../support/services.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/aiworker.js', import.meta.url).pathname;

/** Runs the real binary with exactly the given environment (plus PATH); never throws. */
async function aiworker(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: '/tmp', // no .env file there
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let gitea: GiteaFake;
let token: string;
const dbName = testDatabaseName('cli');
const databaseUrl = `${TEST_MYSQL_URL.replace(/\/+$/, '')}/${dbName}`;

beforeAll(async () => {
  gitea = await startGiteaFake();
  token = gitea.addUser('aiworker-bot', { password: 'bot-password-123' }).token;
  gitea.addUser('acme');
  gitea.createRepo('acme', 'shop', { files: { 'README.md': '# shop\n' } });
  gitea.setPermission('acme/shop', 'aiworker-bot', 'admin');
});
afterAll(async () => {
  await gitea?.close();
  const conn = await mysql.createConnection({ uri: `${TEST_MYSQL_URL.replace(/\/+$/, '')}/` });
  await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await conn.end();
});

describe('the aiworker binary', { timeout: 120_000 }, () => {
  it('prints usage for help and refuses an unknown command with exit code 2', async () => {
    expect((await aiworker(['help'], {})).stdout).toContain('setup --repo OWNER/NAME');
    const unknown = await aiworker(['launch'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "launch"');
  });

  it('refuses to start with every configuration problem listed at once', async () => {
    const result = await aiworker(['start'], { PORT: 'x', LLM_PROVIDER: 'gpt' });
    expect(result.code).toBe(1);
    for (const name of [
      'PORT',
      'GITEA_URL',
      'GITEA_TOKEN',
      'WEBHOOK_SECRET',
      'DATABASE_URL',
      'REDIS_URL',
      'LLM_PROVIDER',
    ]) {
      expect(result.stderr).toContain(`  - ${name} `);
    }
  });

  it('migrates a new database, then finds it up to date', async () => {
    const first = await aiworker(['migrate'], { DATABASE_URL: databaseUrl });
    expect(first.stdout).toMatch(/Applied [1-9]\d* migration/);
    const second = await aiworker(['migrate'], { DATABASE_URL: databaseUrl });
    expect(second.stdout).toContain('up to date');
  });

  it('sets a repository up once; a second run changes nothing', async () => {
    const env = {
      GITEA_URL: gitea.url,
      GITEA_TOKEN: token,
      WEBHOOK_SECRET: 'cli-webhook-secret-123456',
      PUBLIC_URL: 'http://bot.example:8080',
    };
    const first = await aiworker(['setup', '--repo', 'acme/shop'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/ai-status\/clarifying: created/);
    const second = await aiworker(['setup', '--repo', 'acme/shop'], env);
    expect(second.stdout).not.toMatch(/: (created|updated)/);
    expect(gitea.labels('acme/shop').filter((l) => l.name.startsWith('ai-status/'))).toHaveLength(10);
    expect((await aiworker(['setup'], env)).code).toBe(2);
    // With the bot's password the Gitea Project board is prepared too, once.
    const withBoard = await aiworker(['setup', '--repo', 'acme/shop'], {
      ...env,
      GITEA_BOT_PASSWORD: 'bot-password-123',
    });
    expect(withBoard.stdout).toMatch(/project board \d+: /);
    expect(gitea.web.projects('acme/shop').map((p) => p.title)).toEqual(['AiWorker']);
  });

  it('doctor reports each dependency and how to fix what is wrong', async () => {
    const ok = await aiworker(['doctor', '--repo', 'acme/shop'], {
      GITEA_URL: gitea.url,
      GITEA_TOKEN: token,
      WEBHOOK_SECRET: 'cli-webhook-secret-123456',
      DATABASE_URL: databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
    });
    expect(ok.stdout).toMatch(/\[ok {2}\] mariadb/);
    expect(ok.stdout).toMatch(/\[ok {2}\] redis/);
    expect(ok.code).toBe(0);
    const bad = await aiworker(['doctor'], {
      GITEA_URL: gitea.url,
      GITEA_TOKEN: 'wrong-token',
      WEBHOOK_SECRET: 'cli-webhook-secret-123456',
      DATABASE_URL: 'mysql://root@127.0.0.1:1/x',
      REDIS_URL: 'redis://127.0.0.1:1/0',
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/\[FAIL\] mariadb/);
    expect(bad.stdout).toMatch(/\[FAIL\] redis/);
    expect(bad.stdout).toMatch(/fix: /);
  });
});
