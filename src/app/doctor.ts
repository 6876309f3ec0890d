import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { ConfigError, loadEnv } from '../config/env.ts';
import { normaliseUrl } from '../db/client.ts';
import { checkBoard } from '../gitea/board/index.ts';
import { createGiteaClient } from '../gitea/client.ts';
import { checkGitea } from '../gitea/doctor.ts';
import { type CheckResult, formatCheckResults, hasBlockingFailure } from '../gitea/doctor-report.ts';

/**
 * `aiworker doctor`: every configured dependency checked, each failure with how to fix it.
 * It never stops at the first problem: a broken environment is reported along with whatever
 * can still be checked.
 */
export async function runDoctor(
  source: NodeJS.ProcessEnv,
  options: { repo?: string } = {},
): Promise<{ ok: boolean; report: string; results: CheckResult[] }> {
  const results: CheckResult[] = [];
  let env: ReturnType<typeof loadEnv> | null = null;
  try {
    env = loadEnv(source);
    results.push({ name: 'environment', ok: true, detail: 'every variable is valid' });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) {
      results.push({
        name: 'environment',
        ok: false,
        detail: problem,
        fix: 'set it in the environment or in .env (see README.md)',
      });
    }
  }
  const databaseUrl = env?.DATABASE_URL ?? source.DATABASE_URL;
  const redisUrl = env?.REDIS_URL ?? source.REDIS_URL;
  if (databaseUrl) results.push(await checkDatabase(databaseUrl));
  if (redisUrl) results.push(await checkRedis(redisUrl));
  if (env) {
    const client = createGiteaClient({
      baseUrl: env.GITEA_URL,
      token: env.GITEA_TOKEN,
      retry: { maxAttempts: 1 },
    });
    try {
      results.push(...(await checkGitea(client, { repo: options.repo })));
    } catch (error) {
      results.push({
        name: 'gitea',
        ok: false,
        detail: `could not reach ${env.GITEA_URL}: ${(error as Error).message}`,
        fix: 'check GITEA_URL and that Gitea is running',
      });
    }
    if (env.GITEA_BOT_PASSWORD) {
      const bot = await client.users.current().catch(() => null);
      if (bot) {
        results.push(
          ...(await checkBoard({
            giteaUrl: env.GITEA_URL,
            botLogin: bot.login,
            botPassword: env.GITEA_BOT_PASSWORD,
            repo: options.repo,
          })),
        );
      }
    } else {
      results.push({
        name: 'board',
        ok: true,
        detail: 'ai-status labels (set GITEA_BOT_PASSWORD for a Gitea Project board)',
      });
    }
    results.push(plannerCheck(env));
  }
  return { ok: !hasBlockingFailure(results), report: formatCheckResults(results), results };
}

async function checkDatabase(url: string): Promise<CheckResult> {
  try {
    const conn = await mysql.createConnection({ uri: normaliseUrl(url), connectTimeout: 3_000 });
    const [rows] = await conn.query('SELECT VERSION() AS v');
    await conn.end();
    return { name: 'mariadb', ok: true, detail: `connected (${(rows as Array<{ v: string }>)[0]?.v})` };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return {
      name: 'mariadb',
      ok: false,
      detail: `cannot connect: ${(error as Error).message}`,
      fix:
        code === 'ER_BAD_DB_ERROR'
          ? 'run `aiworker migrate` (it creates the database)'
          : code === 'ER_ACCESS_DENIED_ERROR'
            ? 'check the user and password in DATABASE_URL'
            : 'start MariaDB or fix the host/port in DATABASE_URL',
    };
  }
}

async function checkRedis(url: string): Promise<CheckResult> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3_000,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return { name: 'redis', ok: true, detail: `connected (Redis ${version})` };
  } catch (error) {
    return {
      name: 'redis',
      ok: false,
      detail: `cannot connect: ${(error as Error).message}`,
      fix: 'start Redis or fix REDIS_URL',
    };
  } finally {
    redis.disconnect();
  }
}

function plannerCheck(env: ReturnType<typeof loadEnv>): CheckResult {
  switch (env.LLM_PROVIDER) {
    case 'builtin':
      return { name: 'planner', ok: true, detail: 'builtin (offline, deterministic)' };
    case 'anthropic':
      return {
        name: 'planner',
        ok: true,
        detail: `anthropic${env.LLM_MODEL ? ` (${env.LLM_MODEL})` : ''}, key set`,
      };
    case 'openai':
      return { name: 'planner', ok: true, detail: `OpenAI-compatible at ${env.OPENAI_BASE_URL}` };
  }
}
