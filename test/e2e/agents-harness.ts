import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { type Agents, startAgents } from '../../src/agents/index.ts';
import { conversationCommands } from '../../src/commands/registry.ts';
import { loadEnv } from '../../src/config/env.ts';
import { createLogger } from '../../src/config/logger.ts';
import { agentRuns } from '../../src/db/schema.ts';
import { GiteaClient } from '../../src/gitea/client.ts';
import { setupRepo } from '../../src/gitea/setup.ts';
import type { BotDeps } from '../../src/handlers/bot.ts';
import { registerCommandHandler } from '../../src/handlers/command-runner.ts';
import { reportDeliveryFailure } from '../../src/handlers/failure-report.ts';
import { failPlanning, planningProcessors } from '../../src/handlers/planning-jobs.ts';
import { HandlerRegistry } from '../../src/handlers/registry.ts';
import { registerSubtaskHandlers } from '../../src/handlers/subtask-events.ts';
import { registerTriggerHandlers } from '../../src/handlers/trigger.ts';
import { DELIVERY_QUEUE_NAME } from '../../src/queue/delivery-job.ts';
import { startDeliveryWorker } from '../../src/queue/delivery-worker.ts';
import { createWorkQueue, startWorkWorker, WORK_QUEUE_NAME } from '../../src/queue/work-queue.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';
import {
  clearRedisPrefix,
  createTestDatabase,
  createTestRedis,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueName,
} from '../support/services.ts';
import { BOT, REPO, SHOP_FILES, WEBHOOK_SECRET } from './harness.ts';

/**
 * A whole AiWorker with coding agents, wired to the Gitea fake: the runtime's HTTP side (webhook
 * endpoint and `/mcp`), the bot's workers with the agent dispatcher, pull request handlers and
 * `dispatch` jobs (as `startAgents` adds them to the composition root), the real local runner,
 * and the scripted agent (test/fakes/agent/scripted-agent.ts) as AGENT_COMMAND. The Gitea fake
 * serves no git, so the runner clones a local bare copy of the repository instead.
 *
 * The runtime's own workers run on a queue prefix nobody feeds: they only provide the bot's
 * deps; deliveries and work are handled by the workers built here.
 */

export interface AgentStep {
  mode: 'succeed' | 'fail' | 'wait' | 'no-pr';
  exitCode?: number;
}

export interface AgentPlan {
  default?: AgentStep;
  byIssue?: Record<string, AgentStep>;
}

export interface AgentsHarness {
  gitea: GiteaFake;
  db: TestDatabase;
  deps: BotDeps;
  agents: Agents;
  /** What the scripted agents do from now on. */
  setPlan(plan: AgentPlan): Promise<void>;
  /** Lets waiting agents (mode `wait`) go on: one run's, or every one from now on. */
  release(target: { run: number } | 'all'): Promise<void>;
  /** Waits until every webhook is delivered and both queues are empty. */
  settle(timeoutMs?: number): Promise<void>;
  /** Polls until `check` holds (agents run as real processes); fails naming `what`. */
  waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  runs(): Promise<Array<typeof agentRuns.$inferSelect>>;
  close(): Promise<void>;
}

export interface AgentsHarnessOptions {
  label: string;
  env?: Record<string, string>;
  files?: Record<string, string>;
}

const AGENT_SCRIPT = fileURLToPath(new URL('../fakes/agent/scripted-agent.ts', import.meta.url));

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', args, {
    cwd,
    stdio: 'ignore',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  });
}

/** A bare repository with the same files as the fake's default branch, to clone over file://. */
async function bareCopy(dir: string, files: Record<string, string>): Promise<string> {
  const origin = path.join(dir, 'origin.git');
  const seed = path.join(dir, 'seed');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch', 'main', origin);
  git(dir, 'init', '--quiet', '--initial-branch', 'main', seed);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(seed, file)), { recursive: true });
    await writeFile(path.join(seed, file), content);
  }
  git(seed, 'add', '.');
  git(seed, 'commit', '--quiet', '-m', 'initial');
  git(seed, 'push', '--quiet', origin, 'main');
  return origin;
}

export async function startAgentsHarness(options: AgentsHarnessOptions): Promise<AgentsHarness> {
  const files = { ...SHOP_FILES, ...options.files };
  const work = await mkdtemp(path.join(os.tmpdir(), 'aiworker-agents-e2e-'));
  const planFile = path.join(work, 'plan.json');
  await writeFile(planFile, JSON.stringify({ default: { mode: 'succeed' } }));
  const origin = await bareCopy(work, files);

  const gitea = await startGiteaFake();
  const bot = gitea.addUser(BOT, { password: 'bot-password-123' });
  for (const login of ['alice', 'bob', 'acme']) gitea.addUser(login);
  gitea.createRepo('acme', 'shop', { files, description: 'Our web shop' });
  gitea.setPermission(REPO, BOT, 'admin');
  gitea.setPermission(REPO, 'alice', 'write');

  const db = await createTestDatabase(options.label);
  const prefix = `aiwt-${uniqueName(options.label)}`;
  const tsx = import.meta.resolve('tsx');
  const env = loadEnv({
    PORT: '0',
    GITEA_URL: gitea.url,
    GITEA_TOKEN: bot.token,
    GITEA_BOT_PASSWORD: 'bot-password-123',
    WEBHOOK_SECRET,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    // Typed like process.env's LOG_LEVEL (probot narrows it to pino's level names).
    LOG_LEVEL: (process.env.E2E_LOG_LEVEL ?? 'silent') as NodeJS.ProcessEnv['LOG_LEVEL'],
    AGENT_RUNNER: 'local',
    AGENT_COMMAND: `node --import ${tsx} ${AGENT_SCRIPT}`,
    ...options.env,
  });
  const logger = createLogger({ level: env.LOG_LEVEL });
  const closers: Array<() => Promise<unknown>> = [];
  const runtimeOptions = { env, logger, host: '127.0.0.1', sweepIntervalMs: 0, backoffMs: 50 };
  const http: Runtime = await startRuntime({
    ...runtimeOptions,
    roles: { http: true, workers: false },
    queuePrefix: prefix,
  });
  closers.push(() => http.close());
  const idle: Runtime = await startRuntime({
    ...runtimeOptions,
    roles: { http: false, workers: true },
    queuePrefix: `${prefix}-idle`,
  });
  closers.push(() => idle.close());
  const deps = idle.deps as BotDeps;

  // The composition root's workers, with agents (see the report for the lines runtime.ts gets).
  const registry = new HandlerRegistry();
  registerTriggerHandlers(registry, deps);
  registerCommandHandler(registry, deps, conversationCommands());
  registerSubtaskHandlers(registry, deps);
  registry.on('push', (ctx) => {
    if (ctx.repo) deps.settings.invalidate(ctx.repo.owner, ctx.repo.name);
  });
  const workQueue = createWorkQueue(env.REDIS_URL, { prefix, logger, backoffMs: 50 });
  closers.push(() => workQueue.close());
  deps.enqueueWork = (job) => workQueue.enqueue(job);
  const agents = await startAgents({
    env: { ...env, PUBLIC_URL: http.url ?? env.PUBLIC_URL },
    deps,
    registry,
    logger,
    localRoot: path.join(work, 'runs'),
    agentEnv: { SCRIPTED_AGENT_PLAN: planFile },
    cloneUrlFor: () => `file://${origin}`,
    reconcileIntervalMs: 1_000,
  });
  closers.push(() => agents.close());
  const workWorker = startWorkWorker({
    redisUrl: env.REDIS_URL,
    prefix,
    concurrency: 4,
    processors: { ...planningProcessors(deps), ...agents.processors },
    logger,
    onPermanentFailure: (job, error, log) => failPlanning(deps, job, error, log),
  });
  closers.push(() => workWorker.close());
  const deliveryWorker = startDeliveryWorker({
    redisUrl: env.REDIS_URL,
    prefix,
    concurrency: 8,
    db: deps.db,
    registry,
    botLogin: deps.botLogin,
    logger,
    metrics: createMetrics({ processMetrics: false }),
    onPermanentFailure: (failure) => reportDeliveryFailure(deps, failure),
  });
  closers.push(() => deliveryWorker.close());
  await Promise.all([workWorker.waitUntilReady(), deliveryWorker.waitUntilReady()]);
  const client = new GiteaClient({ baseUrl: gitea.url, token: bot.token });
  await setupRepo(client, {
    owner: 'acme',
    repo: 'shop',
    publicUrl: http.url ?? '',
    webhookSecret: WEBHOOK_SECRET,
  });

  const redis = createTestRedis();
  const queues = [DELIVERY_QUEUE_NAME, WORK_QUEUE_NAME].map(
    (name) => new Queue(name, { connection: redis, prefix }),
  );
  const busy = async () => {
    let total = 0;
    for (const queue of queues) {
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'waiting-children',
      );
      total += Object.values(counts).reduce((a, b) => a + b, 0);
    }
    return total;
  };

  return {
    gitea,
    db,
    deps,
    agents,
    async setPlan(plan) {
      await writeFile(planFile, JSON.stringify(plan));
    },
    async release(target) {
      await writeFile(path.join(work, target === 'all' ? 'release-all' : `release-run-${target.run}`), '');
    },
    async settle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let quiet = 0;
      while (Date.now() < deadline) {
        await gitea.waitForDeliveries();
        quiet = (await busy()) === 0 ? quiet + 1 : 0;
        if (quiet >= 3) return;
        await sleep(25);
      }
      throw new Error(`the bot did not settle within ${timeoutMs} ms`);
    },
    async waitFor(what, check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await check()) return;
        await sleep(100);
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    },
    runs: () => db.db.select().from(agentRuns).orderBy(agentRuns.id),
    async close() {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      for (const queue of queues) await queue.close();
      await clearRedisPrefix(redis, prefix);
      await clearRedisPrefix(redis, `${prefix}-idle`);
      redis.disconnect();
      await gitea.close();
      await db.drop();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** Runs of one subtask issue, oldest first. */
export async function runsOfIssue(h: AgentsHarness, issueNumber: number) {
  return (await h.runs()).filter((r) => r.issueNumber === issueNumber);
}
