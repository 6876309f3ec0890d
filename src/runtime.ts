import { setTimeout as sleep } from 'node:timers/promises';
import { type StartAgentsOptions, startAgents } from './agents/index.ts';
import { conversationCommands } from './commands/registry.ts';
import type { Env } from './config/env.ts';
import { secretValues } from './config/env.ts';
import type { Logger } from './config/logger.ts';
import { giteaRepoReader } from './context/gitea-reader.ts';
import { buildRepoContext, RedisRepoSnapshotStore, RepoContextCache } from './context/index.ts';
import { connectDb, pingDb } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { reposById } from './db/repos.ts';
import { listTasksInStates } from './db/tasks.ts';
import { HandlerRegistry } from './events/registry.ts';
import { createBoard } from './gitea/board/index.ts';
import { createGiteaClient, type GiteaClient } from './gitea/client.ts';
import { RepoSettingsService } from './gitea/repo-settings.ts';
import type { BotDeps, ContextSource } from './handlers/bot.ts';
import { registerCommandHandler } from './handlers/command-runner.ts';
import { CommentWriter } from './handlers/comment-writer.ts';
import { reportDeliveryFailure } from './handlers/failure-report.ts';
import { ensureWorkScheduled, failPlanning, planningProcessors } from './handlers/planning-jobs.ts';
import { registerSubtaskHandlers } from './handlers/subtask-events.ts';
import { registerTriggerHandlers } from './handlers/trigger.ts';
import { createMcpRouter } from './mcp/server.ts';
import { createPlanner } from './planning/providers/index.ts';
import { DEFAULT_QUEUE_PREFIX } from './queue/delivery-job.ts';
import { createDeliveryQueue } from './queue/delivery-queue.ts';
import { startDeliveryWorker } from './queue/delivery-worker.ts';
import { createWorkerRedis, logConnectionState } from './queue/redis-connections.ts';
import { createWorkQueue, startWorkWorker } from './queue/work-queue.ts';
import { createHttpApp } from './server/app.ts';
import { listen } from './server/listen.ts';
import { createMetrics } from './server/metrics.ts';

/**
 * The composition root: builds every long-lived object once and wires the roles a process
 * plays — `http` (webhook endpoint, health, metrics), `workers` (deliveries and long work) or
 * both (`aiworker start`). Tests build the same runtime against fakes.
 */

export interface RuntimeOptions {
  env: Env;
  logger: Logger;
  roles: { http: boolean; workers: boolean };
  /** Redis key prefix of every queue and cache (tests use one per test). */
  queuePrefix?: string;
  /** HTTP host to bind; default all interfaces. */
  host?: string;
  /** How often stuck conversations are looked for (ms); 0 disables. */
  sweepIntervalMs?: number;
  /** Retry delays of queue jobs (tests shorten them). */
  backoffMs?: number;
  /** Agent runner settings beyond the environment (tests: a local clone source, extra agent env). */
  agents?: Pick<
    StartAgentsOptions,
    'runner' | 'localRoot' | 'agentEnv' | 'cloneUrlFor' | 'reconcileIntervalMs'
  >;
}

export interface Runtime {
  /** The HTTP server's URL when the http role runs. */
  url: string | null;
  deps: BotDeps | null;
  close(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { env, logger } = options;
  const prefix = options.queuePrefix ?? DEFAULT_QUEUE_PREFIX;
  const closers: Array<{ name: string; close: () => Promise<unknown> }> = [];
  const close = async () => {
    // Stop taking requests first, then everything else in the reverse order it started.
    const ordered = [
      ...closers.filter((c) => c.name === 'http'),
      ...closers.filter((c) => c.name !== 'http').reverse(),
    ];
    for (const step of ordered) {
      await step
        .close()
        .catch((error: unknown) => logger.error({ err: error, step: step.name }, 'shutdown step failed'));
    }
  };
  try {
    const migrated = await runMigrations(env.DATABASE_URL);
    if (migrated.applied > 0) logger.info({ applied: migrated.applied }, 'database migrated');
    const dbHandle = connectDb(env.DATABASE_URL);
    closers.push({ name: 'mariadb', close: () => dbHandle.close() });

    let url: string | null = null;
    let deps: BotDeps | null = null;
    const metrics = createMetrics();

    if (options.roles.http) {
      const queue = createDeliveryQueue(env.REDIS_URL, { prefix, logger, backoffMs: options.backoffMs });
      closers.push({ name: 'delivery-queue', close: () => queue.close() });
      metrics.setQueueDepthSource(() => queue.depth());
      // Agents' MCP endpoint lives on the same HTTP server (docs/architecture.md §5).
      const mcpGitea = createGiteaClient({ baseUrl: env.GITEA_URL, token: env.GITEA_TOKEN, logger });
      const mcp = createMcpRouter({
        db: dbHandle.db,
        gitea: mcpGitea,
        readerFor: (owner, name) => giteaRepoReader(mcpGitea, owner, name),
        secrets: secretValues(env),
        publicUrl: env.PUBLIC_URL,
        log: logger.child({ component: 'mcp' }),
      });
      closers.push({ name: 'mcp', close: () => mcp.close() });
      const app = createHttpApp({
        routers: [{ path: '/mcp', handler: mcp.router }],
        webhookSecret: env.WEBHOOK_SECRET,
        maxBodyBytes: env.WEBHOOK_MAX_BYTES,
        enqueue: (delivery) => queue.enqueue(delivery),
        readiness: { mariadb: () => pingDb(dbHandle.pool), redis: () => queue.ping() },
        metrics,
        logger,
      });
      const server = await listen(app, { port: env.PORT, host: options.host });
      closers.push({ name: 'http', close: () => server.close() });
      url = server.url;
      logger.info({ url, webhook: `${env.PUBLIC_URL}/webhooks/gitea` }, 'listening');
    }
    if (options.roles.workers) {
      // With PORT=0 the real port is known only now; agents must reach this very server.
      const reachable = env.PORT === 0 && url ? { ...env, PUBLIC_URL: url } : env;
      deps = await buildBotDeps({ ...options, env: reachable }, dbHandle, prefix);
      const redis = deps.redis;
      closers.push({ name: 'redis', close: async () => redis.disconnect() });
      const registry = new HandlerRegistry();
      registerTriggerHandlers(registry, deps);
      registerCommandHandler(registry, deps, conversationCommands());
      registerSubtaskHandlers(registry, deps);
      registry.on('push', (ctx) => {
        if (ctx.repo) deps?.settings.invalidate(ctx.repo.owner, ctx.repo.name);
      });
      const botDeps = deps;
      const work = createWorkQueue(env.REDIS_URL, { prefix, logger, backoffMs: options.backoffMs });
      closers.push({ name: 'work-queue', close: () => work.close() });
      botDeps.enqueueWork = (job) => work.enqueue(job);
      const agents = await startAgents({
        ...options.agents,
        env: reachable,
        deps: botDeps,
        registry,
        logger,
      });
      closers.push({ name: 'agents', close: () => agents.close() });
      const workWorker = startWorkWorker({
        redisUrl: env.REDIS_URL,
        prefix,
        concurrency: Math.max(2, Math.ceil(env.WORKER_CONCURRENCY / 2)),
        processors: { ...planningProcessors(botDeps), ...agents.processors },
        logger,
        onPermanentFailure: (job, error, log) => failPlanning(botDeps, job, error, log),
      });
      closers.push({ name: 'work-worker', close: () => workWorker.close() });
      const deliveryWorker = startDeliveryWorker({
        redisUrl: env.REDIS_URL,
        prefix,
        concurrency: env.WORKER_CONCURRENCY,
        db: dbHandle.db,
        registry,
        botLogin: botDeps.botLogin,
        logger,
        metrics,
        onPermanentFailure: (failure) => reportDeliveryFailure(botDeps, failure),
      });
      closers.push({ name: 'delivery-worker', close: () => deliveryWorker.close() });
      await Promise.all([deliveryWorker.waitUntilReady(), workWorker.waitUntilReady()]);
      const sweep = startSweeper(botDeps, options.sweepIntervalMs ?? 60_000);
      closers.push({ name: 'sweeper', close: async () => sweep.stop() });
    }

    return { url, deps, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function buildBotDeps(
  options: RuntimeOptions,
  dbHandle: ReturnType<typeof connectDb>,
  prefix: string,
): Promise<BotDeps> {
  const { env, logger } = options;
  const gitea = createGiteaClient({ baseUrl: env.GITEA_URL, token: env.GITEA_TOKEN, logger });
  const bot = await waitForGitea(gitea, logger);
  const redis = createWorkerRedis(env.REDIS_URL, { name: 'aiworker:bot' });
  logConnectionState(redis, logger, 'bot');
  const settings = new RepoSettingsService(gitea);
  const planner = await createPlanner(env, {
    db: dbHandle.db,
    logger,
    timeoutMs: env.LLM_TIMEOUT_MS,
    budgetLimits: async (scope) => {
      if (scope.repoId === null) return { perIssueUsd: 5, perRepoMonthlyUsd: 100 };
      const [repo] = await reposById(dbHandle.db, [scope.repoId]);
      const found = repo ? await settings.recent(repo.owner, repo.name, repo.defaultBranch) : null;
      return found?.ok ? found.config.budgets : { perIssueUsd: 5, perRepoMonthlyUsd: 100 };
    },
  });
  const cache = new RepoContextCache({
    store: new RedisRepoSnapshotStore(redis, `${prefix}:`),
    onStoreError: (error) => logger.warn({ err: error }, 'repository context cache store failed'),
  });
  const contexts: ContextSource = {
    forIssue: (owner, name, issueText) =>
      buildRepoContext(giteaRepoReader(gitea, owner, name), { repo: `${owner}/${name}`, issueText, cache }),
  };
  const comments = new CommentWriter({
    gitea,
    redis,
    keyPrefix: prefix,
    perHour: env.COMMENT_BREAKER_PER_HOUR,
    log: logger,
  });
  logger.info({ bot: bot.login, planner: planner.name, model: planner.model }, 'bot ready');
  const board = createBoard({
    giteaUrl: env.GITEA_URL,
    client: gitea,
    botLogin: bot.login,
    botPassword: env.GITEA_BOT_PASSWORD,
  });
  return {
    db: dbHandle.db,
    locks: dbHandle.locks,
    redis,
    gitea,
    board,
    comments,
    planner,
    contexts,
    settings,
    enqueueWork: async () => {
      throw new Error('the work queue is not connected yet');
    },
    botLogin: bot.login,
    publicUrl: env.PUBLIC_URL,
    log: logger,
    secrets: secretValues(env),
  };
}

/** The bot's own account; waits for Gitea rather than failing a start that races it. */
async function waitForGitea(gitea: GiteaClient, logger: Logger): Promise<{ login: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await gitea.users.current();
    } catch (error) {
      if (!(error as { isRetryable?: boolean }).isRetryable || attempt >= 30) throw error;
      logger.warn({ err: error, attempt }, 'Gitea is not answering yet; retrying');
      await sleep(Math.min(1_000 * attempt, 10_000));
    }
  }
}

/**
 * Conversations waiting for a job (questions, spec) get it queued again: the queue dedupes by
 * (task, version), so this only matters when a process died between a commit and its enqueue.
 */
function startSweeper(deps: BotDeps, intervalMs: number): { stop(): void } {
  const run = async () => {
    const waiting = await listTasksInStates(deps.db, ['questioning', 'specifying', 'decomposing']);
    for (const task of waiting) await ensureWorkScheduled(deps, task);
  };
  run().catch((error: unknown) => deps.log.warn({ err: error }, 'sweep failed'));
  if (intervalMs <= 0) return { stop() {} };
  const timer = setInterval(() => {
    run().catch((error: unknown) => deps.log.warn({ err: error }, 'sweep failed'));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
