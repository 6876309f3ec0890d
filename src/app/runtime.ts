import { setTimeout as sleep } from 'node:timers/promises';
import { type Agents, type StartAgentsOptions, startAgents } from '../agents/index.ts';
import type { CommandServices } from '../commands/command.ts';
import { COMMANDS } from '../commands/index.ts';
import type { Env } from '../config/env.ts';
import { secretValues } from '../config/env.ts';
import type { Logger } from '../config/logger.ts';
import { giteaRepoReader } from '../context/gitea-reader.ts';
import { contextSource, RedisRepoSnapshotStore, RepoContextCache } from '../context/index.ts';
import { connectDb, type DbHandle, pingDb } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { reposById } from '../db/repos.ts';
import { listTasksInStates } from '../db/tasks.ts';
import type { WorkScheduler } from '../domain/work.ts';
import { HandlerRegistry } from '../events/registry.ts';
import { createBoard } from '../gitea/board/index.ts';
import { createGiteaClient, type GiteaClient } from '../gitea/client.ts';
import { RepoSettingsService } from '../gitea/repo-settings.ts';
import { registerCommandHandler } from '../handlers/command-runner.ts';
import { registerPullRequestActivityHandlers } from '../handlers/pull-request-activity.ts';
import { registerPullRequestHandlers } from '../handlers/pull-requests.ts';
import { registerRepoSettingsHandler } from '../handlers/repo-settings-push.ts';
import { registerSubtaskHandlers } from '../handlers/subtask-events.ts';
import { registerTriggerHandlers } from '../handlers/trigger.ts';
import { DecompositionJob } from '../jobs/decomposition.ts';
import { reportDeliveryFailure } from '../jobs/delivery-failure.ts';
import { PlanningJobs } from '../jobs/planning.ts';
import { onWorkFailure } from '../jobs/work-failures.ts';
import { ensureWorkScheduled, STATES_WAITING_FOR_WORK } from '../jobs/work-for-state.ts';
import { createMcpRouter } from '../mcp/server.ts';
import { DEFAULT_BUDGET_LIMITS } from '../planning/budget.ts';
import { createPlanner } from '../planning/providers/index.ts';
import { BoardSync } from '../publish/board-sync.ts';
import { CommentWriter } from '../publish/comment-writer.ts';
import { Publisher } from '../publish/publisher.ts';
import { SettingsGate } from '../publish/settings-gate.ts';
import { DEFAULT_QUEUE_PREFIX } from '../queue/delivery-job.ts';
import { createDeliveryQueue } from '../queue/delivery-queue.ts';
import { startDeliveryWorker } from '../queue/delivery-worker.ts';
import { createWorkerRedis, logConnectionState } from '../queue/redis-connections.ts';
import { createWorkQueue, startWorkWorker } from '../queue/work-queue.ts';
import { createHttpApp } from '../server/app.ts';
import { listen } from '../server/listen.ts';
import { createMetrics } from '../server/metrics.ts';

/**
 * The composition root: builds every long-lived object once, in dependency order, and wires
 * the roles a process plays — `http` (webhook endpoint, `/mcp`, health, metrics), `workers`
 * (deliveries and long work) or both (`aiworker start`). Nothing is patched after it is built
 * and nothing is found through a registry: each object gets what it uses here. Tests build
 * the same runtime against fakes.
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
  /** A ready Gitea client instead of the one built from the environment (tests). */
  gitea?: GiteaClient;
  /** Agent runner settings beyond the environment (tests: a local clone source, extra agent env). */
  agents?: Pick<
    StartAgentsOptions,
    'runner' | 'localRoot' | 'agentEnv' | 'cloneUrlFor' | 'reconcileIntervalMs'
  >;
}

export interface Runtime {
  /** The HTTP server's URL when the http role runs. */
  url: string | null;
  close(): Promise<void>;
}

interface Closer {
  name: string;
  close: () => Promise<unknown>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { env, logger } = options;
  const prefix = options.queuePrefix ?? DEFAULT_QUEUE_PREFIX;
  const closers: Closer[] = [];
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
    const database = connectDb(env.DATABASE_URL);
    closers.push({ name: 'mariadb', close: () => database.close() });
    // The one Gitea client of this process: its caches (labels, permissions) are shared.
    const gitea =
      options.gitea ?? createGiteaClient({ baseUrl: env.GITEA_URL, token: env.GITEA_TOKEN, logger });
    const metrics = createMetrics();
    let url: string | null = null;
    if (options.roles.http) {
      url = await startHttp(options, { database, gitea, metrics, prefix, closers });
    }
    if (options.roles.workers) {
      // With PORT=0 the real port is known only now; agents must reach this very server.
      const reachable = env.PORT === 0 && url ? { ...env, PUBLIC_URL: url } : env;
      await startWorkers({ ...options, env: reachable }, { database, gitea, metrics, prefix, closers });
    }
    return { url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

interface Shared {
  database: DbHandle;
  gitea: GiteaClient;
  metrics: ReturnType<typeof createMetrics>;
  prefix: string;
  closers: Closer[];
}

/** The webhook endpoint (verify, enqueue, answer) and the agents' MCP endpoint on one server. */
async function startHttp(options: RuntimeOptions, shared: Shared): Promise<string> {
  const { env, logger } = options;
  const { database, gitea, metrics, prefix, closers } = shared;
  const queue = createDeliveryQueue(env.REDIS_URL, { prefix, logger, backoffMs: options.backoffMs });
  closers.push({ name: 'delivery-queue', close: () => queue.close() });
  metrics.setQueueDepthSource(() => queue.depth());
  // Agents' MCP endpoint lives on the same HTTP server (docs/architecture.md, Agents).
  const mcp = createMcpRouter({
    db: database.db,
    gitea,
    readerFor: (owner, name) => giteaRepoReader(gitea, owner, name),
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
    readiness: { mariadb: () => pingDb(database.pool), redis: () => queue.ping() },
    metrics,
    logger,
  });
  const server = await listen(app, { port: env.PORT, host: options.host });
  closers.push({ name: 'http', close: () => server.close() });
  logger.info({ url: server.url, webhook: `${env.PUBLIC_URL}/webhooks/gitea` }, 'listening');
  return server.url;
}

/**
 * The bot itself, in dependency order: settings → planner → repository context → comments →
 * board → publisher → the work queue's producer → agents → jobs → commands → handlers → workers.
 */
async function startWorkers(options: RuntimeOptions, shared: Shared): Promise<void> {
  const { env, logger } = options;
  const { database, gitea, metrics, prefix, closers } = shared;
  const { db, locks } = database;
  const secrets = secretValues(env);
  const bot = await waitForGitea(gitea, logger);
  const redis = createWorkerRedis(env.REDIS_URL, { name: 'aiworker:bot' });
  logConnectionState(redis, logger, 'bot');
  closers.push({ name: 'redis', close: async () => redis.disconnect() });

  const settings = new RepoSettingsService(gitea);
  const planner = await createPlanner(env, {
    db,
    logger,
    timeoutMs: env.LLM_TIMEOUT_MS,
    budgetLimits: async (scope) => {
      if (scope.repoId === null) return DEFAULT_BUDGET_LIMITS;
      const [repo] = await reposById(db, [scope.repoId]);
      const found = repo ? await settings.recent(repo.owner, repo.name, repo.defaultBranch) : null;
      return found?.ok ? found.config.budgets : DEFAULT_BUDGET_LIMITS;
    },
  });
  const contexts = contextSource(
    (owner, name) => giteaRepoReader(gitea, owner, name),
    new RepoContextCache({
      store: new RedisRepoSnapshotStore(redis, `${prefix}:`),
      onStoreError: (error) => logger.warn({ err: error }, 'repository context cache store failed'),
    }),
  );
  const comments = new CommentWriter({
    gitea,
    redis,
    keyPrefix: prefix,
    perHour: env.COMMENT_BREAKER_PER_HOUR,
    log: logger,
  });
  const board = createBoard({
    giteaUrl: env.GITEA_URL,
    client: gitea,
    botLogin: bot.login,
    botPassword: env.GITEA_BOT_PASSWORD,
  });
  const publisher = new Publisher({
    db,
    locks,
    settings,
    comments,
    board: new BoardSync({ db, gitea, board, log: logger }),
  });
  const gate = new SettingsGate({ db, locks, settings, comments, gitea, log: logger });
  logger.info({ bot: bot.login, planner: planner.name, model: planner.model }, 'bot ready');

  const workQueue = createWorkQueue(env.REDIS_URL, { prefix, logger, backoffMs: options.backoffMs });
  closers.push({ name: 'work-queue', close: () => workQueue.close() });
  const work: WorkScheduler = workQueue;

  const agents: Agents = await startAgents({
    ...options.agents,
    env,
    botLogin: bot.login,
    deps: { db, locks, settings, publisher, comments, work, gitea, log: logger, secrets },
  });
  closers.push({ name: 'agents', close: () => agents.close() });

  const jobs = { db, locks, gitea, planner, contexts, gate, publisher, comments, secrets };
  const planning = new PlanningJobs({ ...jobs, work });
  const decomposition = new DecompositionJob({ ...jobs, boardKind: board.kind, agents: agents.control });
  const services: CommandServices = { db, work, agents: agents.control, planner };

  // Handlers of one delivery run in this order.
  const registry = new HandlerRegistry();
  registerTriggerHandlers(registry, { db, locks, gitea, gate, comments, publisher, work });
  registerCommandHandler(registry, {
    db,
    locks,
    gitea,
    gate,
    comments,
    publisher,
    commands: COMMANDS,
    services,
  });
  registerSubtaskHandlers(registry, { db, locks, gitea, comments, publisher, agents: agents.control });
  registerRepoSettingsHandler(registry, { settings });
  const pullRequestDeps = { db, locks, settings, gitea, comments, publisher };
  registerPullRequestHandlers(registry, pullRequestDeps);
  registerPullRequestActivityHandlers(registry, pullRequestDeps);

  const workWorker = startWorkWorker({
    redisUrl: env.REDIS_URL,
    prefix,
    concurrency: Math.max(2, Math.ceil(env.WORKER_CONCURRENCY / 2)),
    processors: {
      questions: (job, ctx) => planning.questions(job, ctx),
      spec: (job, ctx) => planning.spec(job, ctx),
      decompose: (job, ctx) => decomposition.run(job, ctx),
      ...agents.processors,
    },
    logger,
    onPermanentFailure: onWorkFailure({ planning, decomposition }),
  });
  closers.push({ name: 'work-worker', close: () => workWorker.close() });
  const deliveryWorker = startDeliveryWorker({
    redisUrl: env.REDIS_URL,
    prefix,
    concurrency: env.WORKER_CONCURRENCY,
    db,
    registry,
    botLogin: bot.login,
    logger,
    metrics,
    onPermanentFailure: (failure) => reportDeliveryFailure({ db, locks, comments, secrets }, failure),
  });
  closers.push({ name: 'delivery-worker', close: () => deliveryWorker.close() });
  await Promise.all([deliveryWorker.waitUntilReady(), workWorker.waitUntilReady()]);
  const sweep = startSweeper(
    () => sweepWaitingWork(database, work),
    options.sweepIntervalMs ?? 60_000,
    logger,
  );
  closers.push({ name: 'sweeper', close: async () => sweep.stop() });
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
 * Conversations waiting for a job (questions, spec, decomposition) get it queued again: the
 * queue dedupes by (task, version), so this only matters when a process died between a commit
 * and its enqueue.
 */
async function sweepWaitingWork(database: DbHandle, work: WorkScheduler): Promise<void> {
  const waiting = await listTasksInStates(database.db, STATES_WAITING_FOR_WORK);
  for (const task of waiting) await ensureWorkScheduled(work, task);
}

function startSweeper(run: () => Promise<void>, intervalMs: number, logger: Logger): { stop(): void } {
  const sweep = () => run().catch((error: unknown) => logger.warn({ err: error }, 'sweep failed'));
  void sweep();
  if (intervalMs <= 0) return { stop() {} };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
