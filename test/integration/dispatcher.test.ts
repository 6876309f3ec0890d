import { eq, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runBranch } from '../../src/agents/branch.ts';
import { Dispatcher } from '../../src/agents/dispatcher.ts';
import type { AgentRunDeps, DispatcherSettings } from '../../src/agents/run-deps.ts';
import { verifyRunToken } from '../../src/agents/run-tokens.ts';
import { loadEnv, secretValues } from '../../src/config/env.ts';
import { createLogger } from '../../src/config/logger.ts';
import { claimCause } from '../../src/db/audit.ts';
import { connectDb } from '../../src/db/client.ts';
import { upsertRepo } from '../../src/db/repos.ts';
import { claimSubtaskRun, listActiveRuns, recordRunPullRequest } from '../../src/db/runs.ts';
import { agentRuns, tasks } from '../../src/db/schema.ts';
import {
  ensureSubtaskTask,
  insertSubtasks,
  listSubtasks,
  recordSubtaskIssue,
} from '../../src/db/subtasks.ts';
import { createFeatureTask, getTask } from '../../src/db/tasks.ts';
import { managedLabelSpecs } from '../../src/domain/labels.ts';
import type { WorkJob } from '../../src/domain/work.ts';
import { LabelsBoard } from '../../src/gitea/board/labels.ts';
import { createGiteaClient, type GiteaClient } from '../../src/gitea/client.ts';
import { RepoSettingsService } from '../../src/gitea/repo-settings.ts';
import { BoardSync } from '../../src/publish/board-sync.ts';
import { CommentWriter } from '../../src/publish/comment-writer.ts';
import { Publisher } from '../../src/publish/publisher.ts';
import { MemoryCluster, MemoryRunner } from '../fakes/agent/memory-runner.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';
import {
  clearRedisPrefix,
  createTestDatabase,
  createTestRedis,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueName,
} from '../support/services.ts';

/**
 * The dispatcher against real MariaDB and Redis and the Gitea fake, with an in-memory runner
 * standing in for Kubernetes or local processes: claims under races, the agent's environment
 * and tokens, how runs end, re-attaching after a restart, and the watchdog.
 */

const REPO = 'acme/shop';
const BOT = 'aiworker-bot';
const BOT_PASSWORD = 'bot-password-123';

let gitea: GiteaFake;
let db: TestDatabase;
let redis: Redis;
const redisPrefix = `aiwt-${uniqueName('dispatcher')}`;
let deps: AgentRunDeps;
let client: GiteaClient;
const jobs: WorkJob[] = [];
const open: Array<{ dispatcher: Dispatcher; runner: MemoryRunner }> = [];

beforeAll(async () => {
  gitea = await startGiteaFake();
  const bot = gitea.addUser(BOT, { password: BOT_PASSWORD });
  gitea.addUser('alice');
  gitea.addUser('acme');
  gitea.createRepo('acme', 'shop', { files: { 'README.md': '# Shop\n' } });
  gitea.setPermission(REPO, BOT, 'admin');
  gitea.setPermission(REPO, 'alice', 'write');
  client = createGiteaClient({ baseUrl: gitea.url, token: bot.token });
  await client.labels.ensure('acme', 'shop', managedLabelSpecs());
  db = await createTestDatabase('dispatcher');
  const env = loadEnv({
    GITEA_URL: gitea.url,
    GITEA_TOKEN: bot.token,
    WEBHOOK_SECRET: 'dispatcher-test-secret-0123456789',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    LOG_LEVEL: 'silent',
  });
  // What the composition root gives the dispatcher, built the same way; its dispatch jobs are
  // collected here and run by drain().
  redis = createTestRedis();
  const log = createLogger({ level: 'silent' });
  const settings = new RepoSettingsService(client);
  const comments = new CommentWriter({
    gitea: client,
    redis,
    keyPrefix: redisPrefix,
    perHour: env.COMMENT_BREAKER_PER_HOUR,
    log,
  });
  const board = new BoardSync({ db: db.db, gitea: client, board: new LabelsBoard(client), log });
  deps = {
    db: db.db,
    locks: db.locks,
    settings,
    publisher: new Publisher({ db: db.db, locks: db.locks, settings, comments, board }),
    comments,
    work: {
      enqueue: async (job) => {
        jobs.push(job);
      },
    },
    gitea: client,
    log,
    secrets: secretValues(env),
  };
});

afterEach(async () => {
  for (const { dispatcher, runner } of open.splice(0)) {
    await dispatcher.close();
    await runner.close();
  }
  jobs.length = 0;
  // Every test starts with no run holding a slot and no other feature's subtasks waiting.
  await db.db
    .update(agentRuns)
    .set({ finishedAt: new Date(), status: 'cancelled' })
    .where(sql`${agentRuns.finishedAt} IS NULL`);
  await db.db.update(tasks).set({ state: 'done' }).where(eq(tasks.kind, 'feature'));
});

afterAll(async () => {
  if (redis) {
    await clearRedisPrefix(redis, redisPrefix);
    redis.disconnect();
  }
  await db?.drop();
  await gitea?.close();
});

function settings(over: Partial<DispatcherSettings> = {}): DispatcherSettings {
  return {
    runnerKind: 'local',
    maxConcurrent: 4,
    publicUrl: 'http://aiworker.test:8080',
    giteaUrl: gitea.url,
    botLogin: BOT,
    botPassword: BOT_PASSWORD,
    ...over,
  };
}

function dispatcherWith(
  cluster: MemoryCluster,
  over: Partial<DispatcherSettings> = {},
  options: { loseStartAnswers?: number; deps?: AgentRunDeps } = {},
) {
  const runner = new MemoryRunner(cluster, { loseStartAnswers: options.loseStartAnswers });
  const dispatcher = new Dispatcher(options.deps ?? deps, runner, settings(over));
  dispatcher.watch();
  open.push({ dispatcher, runner });
  return { dispatcher, runner };
}

/** Runs the queued dispatch jobs (and those they queue) like the work worker would. */
async function drain(dispatcher: Dispatcher): Promise<void> {
  for (let i = 0; i < 50 && jobs.length > 0; i++) {
    const job = jobs.shift();
    if (job) await dispatcher.processJob(job);
  }
}

interface SeededSubtask {
  key: string;
  issueNumber: number;
  taskId: number;
}

/** A feature in progress with subtask issues and rows, as the decomposition leaves them. */
async function seedFeature(plan: Array<{ key: string; title: string; dependsOn?: string[] }>) {
  const parentIssue = await gitea
    .as('alice')
    .openIssue(REPO, { title: `Feature ${uniqueName('f')}`, body: 'Payments' });
  const repo = await upsertRepo(db.db, { owner: 'acme', name: 'shop', defaultBranch: 'main' });
  const { task: feature } = await createFeatureTask(db.db, {
    repoId: repo.id,
    issueNumber: parentIssue.number,
    issueId: parentIssue.id,
    title: parentIssue.title,
    author: 'alice',
  });
  await db.db.update(tasks).set({ state: 'in_progress', stateVersion: 9 }).where(eq(tasks.id, feature.id));
  const waveOf = (key: string): number => {
    const deps = plan.find((p) => p.key === key)?.dependsOn ?? [];
    return deps.length === 0 ? 0 : 1 + Math.max(...deps.map(waveOf));
  };
  await insertSubtasks(
    db.db,
    plan.map((p, order) => ({
      taskId: feature.id,
      specVersion: 1,
      key: p.key,
      title: p.title,
      description: p.title,
      acceptanceCriteria: ['it works'],
      dependencies: p.dependsOn ?? [],
      estimatedTime: '2h',
      order,
      wave: waveOf(p.key),
      status: 'planned',
    })),
  );
  const seeded: SeededSubtask[] = [];
  for (const row of await listSubtasks(db.db, feature.id)) {
    const state = row.dependencies.length === 0 ? 'ready' : 'blocked';
    const issue = await gitea
      .as('alice')
      .openIssue(REPO, { title: row.title, labels: ['ai-subtask', `ai-status/${state}`] });
    const taskId = await ensureSubtaskTask(db.db, {
      repoId: repo.id,
      issueNumber: issue.number,
      issueId: issue.id,
      parentTaskId: feature.id,
      title: row.title,
      state,
    });
    await recordSubtaskIssue(db.db, row.id, { number: issue.number, id: issue.id, subtaskTaskId: taskId });
    seeded.push({ key: row.key, issueNumber: issue.number, taskId });
  }
  return { feature, subtasks: seeded };
}

async function runsOf(taskId: number) {
  return db.db.select().from(agentRuns).where(eq(agentRuns.taskId, taskId));
}

/** Settling happens in the background after the runner reports; give it room on a busy machine. */
const SLOW = { timeout: 15_000, interval: 50 };
const labelsOf = (number: number) => gitea.issue(REPO, number)?.labels ?? [];
const botCommentsOn = (number: number) => gitea.comments(REPO, number).filter((c) => c.user === BOT);

/** Can this token act in Gitea? */
async function tokenWorks(token: string): Promise<boolean> {
  const response = await fetch(`${gitea.url}/api/v1/user`, { headers: { Authorization: `token ${token}` } });
  return response.ok;
}

describe('claiming', () => {
  it('workers racing to dispatch two features share the limits: each subtask once, never more runs than allowed', async () => {
    const cluster = new MemoryCluster();
    const one = await seedFeature(['a', 'b', 'c'].map((key) => ({ key, title: `Part ${key}` })));
    const two = await seedFeature(['d', 'e', 'f'].map((key) => ({ key, title: `Part ${key}` })));
    // The second worker is another process: its own connections to MariaDB.
    const second = connectDb(db.url);
    try {
      const a = dispatcherWith(cluster, { maxConcurrent: 3 });
      const b = dispatcherWith(
        cluster,
        { maxConcurrent: 3 },
        { deps: { ...deps, db: second.db, locks: second.locks } },
      );
      const results = await Promise.all([
        a.dispatcher.claim({ scope: { featureId: one.feature.id }, automatic: false }),
        b.dispatcher.claim({ scope: { featureId: two.feature.id }, automatic: false }),
        b.dispatcher.claim({ scope: {}, automatic: true }),
        a.dispatcher.claim({ scope: { featureId: two.feature.id }, automatic: false }),
      ]);
      const started = results.flatMap((r) =>
        r.kind === 'claimed' ? r.started.map((run) => run.taskId) : [],
      );
      expect(started).toHaveLength(3);
      expect(new Set(started).size).toBe(3);
      const all = [...one.subtasks, ...two.subtasks];
      const mine = new Set(all.map((s) => s.taskId));
      expect((await listActiveRuns(db.db)).filter((r) => mine.has(r.taskId))).toHaveLength(3);
      for (const s of all) {
        const runs = await runsOf(s.taskId);
        expect(runs.length).toBeLessThanOrEqual(1);
        expect((await getTask(db.db, s.taskId)).state).toBe(runs.length === 1 ? 'running' : 'ready');
      }
    } finally {
      await second.close();
    }
  });

  it('holds the limit under 30 ready subtasks and many racing claims, and fills freed slots', async () => {
    const cluster = new MemoryCluster();
    const features: Array<Awaited<ReturnType<typeof seedFeature>>> = [];
    for (let f = 0; f < 3; f++) {
      features.push(
        await seedFeature(
          Array.from({ length: 10 }, (_, i) => ({ key: `k${f}-${i}`, title: `Part ${f}.${i}` })),
        ),
      );
    }
    const mine = new Set(features.flatMap((f) => f.subtasks.map((s) => s.taskId)));
    const active = async () => (await listActiveRuns(db.db)).filter((r) => mine.has(r.taskId));
    const workers = [
      dispatcherWith(cluster, { maxConcurrent: 4 }),
      dispatcherWith(cluster, { maxConcurrent: 4 }),
    ];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        workers[i % 2]!.dispatcher.claim({
          scope: i % 3 === 0 ? {} : { featureId: features[i % 3]!.feature.id },
          automatic: i % 3 === 0,
        }),
      ),
    );
    const first = await active();
    expect(first.length).toBeLessThanOrEqual(4);
    expect(first.length).toBeGreaterThan(0);
    expect(new Set(first.map((r) => r.taskId)).size).toBe(first.length);
    // Runs end one by one; every freed slot is taken again, never beyond the limit.
    for (let round = 0; round < 8; round++) {
      const now = await active();
      expect(now.length).toBeLessThanOrEqual(4);
      const finished = now[0];
      if (!finished) break;
      await workers[round % 2]!.dispatcher.cancelRuns([finished], 'alice');
      await workers[round % 2]!.dispatcher.claim({ scope: {}, automatic: false });
    }
    expect((await active()).length).toBeLessThanOrEqual(4);
  }, 180_000);

  it('an automatic pump serves the older feature and earlier planned subtasks first', async () => {
    const cluster = new MemoryCluster();
    const older = await seedFeature(['a', 'b'].map((key) => ({ key, title: `Older ${key}` })));
    const newer = await seedFeature(['c', 'd'].map((key) => ({ key, title: `Newer ${key}` })));
    const { dispatcher } = dispatcherWith(cluster, { maxConcurrent: 3 });
    const result = await dispatcher.claim({ scope: {}, automatic: true });
    expect(result.kind === 'claimed' && result.started.map((r) => r.taskId)).toEqual([
      older.subtasks[0]!.taskId,
      older.subtasks[1]!.taskId,
      newer.subtasks[0]!.taskId,
    ]);
    expect(result.kind === 'claimed' && result.waiting).toEqual([
      { issueNumber: newer.subtasks[1]!.issueNumber, limit: 'global', max: 3 },
    ]);
  });

  it('the claim itself is atomic: concurrent transactions claiming one subtask make one run', async () => {
    const { subtasks } = await seedFeature([{ key: 'only', title: 'The only part' }]);
    const only = subtasks[0]!;
    const others = [connectDb(db.url), connectDb(db.url), connectDb(db.url)];
    try {
      // Straight at the claim, without the dispatcher's lock: the row lock alone must hold.
      const outcomes = await Promise.all(
        [db, ...others].map((handle) =>
          handle.db.transaction((tx) =>
            claimSubtaskRun(tx, {
              taskId: only.taskId,
              runner: 'local',
              branch: (t) => runBranch(t.issueNumber, t.title),
            }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok).map((o) => !o.ok && o.reason)).toEqual([
        'it is being worked on by an agent, not ready',
        'it is being worked on by an agent, not ready',
        'it is being worked on by an agent, not ready',
      ]);
      const runs = await runsOf(only.taskId);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({
        attempt: 1,
        status: 'queued',
        branch: `ai/${only.issueNumber}-the-only-part`,
      });
      expect(await getTask(db.db, only.taskId)).toMatchObject({ state: 'running' });
    } finally {
      for (const handle of others) await handle.close();
    }
  });

  it('a redelivered command claims nothing the second time', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster);
    const { feature, subtasks } = await seedFeature([
      { key: 'x', title: 'X' },
      { key: 'y', title: 'Y' },
    ]);
    const cause = {
      causeKey: `c${uniqueName('cause')}.0`,
      deliveryId: 'd1',
      repoFullName: REPO,
      issueNumber: feature.issueNumber,
      actor: 'alice',
      command: 'dispatch',
      result: 'applied',
    };
    const first = await dispatcher.claim({
      scope: { taskIds: [subtasks[0]!.taskId] },
      automatic: false,
      cause,
    });
    const again = await dispatcher.claim({ scope: { featureId: feature.id }, automatic: false, cause });
    expect(first.kind === 'claimed' && first.started).toHaveLength(1);
    expect(again.kind).toBe('replayed');
    expect(await runsOf(subtasks[1]!.taskId)).toHaveLength(0);
  });
});

describe('launching', () => {
  it('gives the agent exactly the §9 environment, with a run token and a git token minted for the run', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster);
    const { subtasks } = await seedFeature([{ key: 'cart', title: 'Add cart totals' }]);
    const s = subtasks[0]!;
    await dispatcher.claim({ scope: { taskIds: [s.taskId] }, automatic: false });
    await drain(dispatcher);
    const [run] = await runsOf(s.taskId);
    expect(run).toMatchObject({
      status: 'running',
      externalId: `mem-${run!.id}`,
      attempt: 1,
      runner: 'local',
    });
    const spec = cluster.get(run!.id)!.spec;
    expect(Object.keys(spec.env).sort()).toEqual(
      [
        'AIWORKER_BRANCH',
        'AIWORKER_GIT_TOKEN',
        'AIWORKER_MCP_TOKEN',
        'AIWORKER_MCP_URL',
        'AIWORKER_RUN_ID',
        'AIWORKER_TASK',
        'GITEA_URL',
      ].sort(),
    );
    expect(spec.env).toMatchObject({
      AIWORKER_MCP_URL: 'http://aiworker.test:8080/mcp',
      AIWORKER_TASK: `${REPO}#${s.issueNumber}`,
      AIWORKER_RUN_ID: String(run!.id),
      GITEA_URL: gitea.url,
      AIWORKER_BRANCH: `ai/${s.issueNumber}-add-cart-totals`,
    });
    expect(spec.deadlineSeconds).toBe(60 * 60);
    const verified = await verifyRunToken(db.db, spec.env.AIWORKER_MCP_TOKEN);
    expect(verified).toMatchObject({ ok: true, runId: run!.id, issueNumber: s.issueNumber });
    expect(await tokenWorks(spec.env.AIWORKER_GIT_TOKEN)).toBe(true);
    expect(run!.deadlineAt!.getTime() - run!.startedAt!.getTime()).toBe(60 * 60_000);
    expect(labelsOf(s.issueNumber)).toContain('ai-status/running');

    // It ends without a pull request: a failure, said on the issue, and both tokens are dead.
    cluster.finish(run!.id, {
      phase: 'succeeded',
      exitCode: 0,
      message: 'The agent finished (exit code 0)',
      logTail: 'done\n',
    });
    await expect.poll(async () => (await runsOf(s.taskId))[0]?.status, SLOW).toBe('failed');
    await expect.poll(() => labelsOf(s.issueNumber), SLOW).toContain('ai-status/failed');
    const [ended] = await runsOf(s.taskId);
    expect(ended?.result).toBe('the agent finished without opening a pull request');
    expect((await getTask(db.db, s.taskId)).state).toBe('failed');
    expect(labelsOf(s.issueNumber)).toContain('ai-status/failed');
    expect(
      botCommentsOn(s.issueNumber).some((c) =>
        c.body.includes('The agent finished without opening a pull request.'),
      ),
    ).toBe(true);
    expect((await verifyRunToken(db.db, spec.env.AIWORKER_MCP_TOKEN)).ok).toBe(false);
    expect(await tokenWorks(spec.env.AIWORKER_GIT_TOKEN)).toBe(false);
  });

  it('a run that fails shows its exit code and last output on the issue, with secrets removed', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster);
    const { subtasks } = await seedFeature([{ key: 'refunds', title: 'Refunds' }]);
    const s = subtasks[0]!;
    await dispatcher.claim({ scope: { taskIds: [s.taskId] }, automatic: false });
    await drain(dispatcher);
    const [run] = await runsOf(s.taskId);
    const gitToken = cluster.get(run!.id)!.spec.env.AIWORKER_GIT_TOKEN;
    cluster.finish(run!.id, {
      phase: 'failed',
      exitCode: 3,
      message: 'The agent failed with exit code 3',
      logTail: `npm test\nFAIL src/refunds.test.ts\nbot token ${deps.secrets[0]}\n`,
    });
    await expect.poll(() => labelsOf(s.issueNumber), SLOW).toContain('ai-status/failed');
    const comment = botCommentsOn(s.issueNumber).find((c) => c.body.includes('failed (attempt 1)'))!;
    expect(comment.body).toContain('The agent failed with exit code 3.');
    expect(comment.body).toContain('**Exit code:** 3');
    expect(comment.body).toContain('FAIL src/refunds.test.ts');
    expect(comment.body).not.toContain(deps.secrets[0]!);
    expect(comment.body).not.toContain(gitToken);
    expect(labelsOf(s.issueNumber)).toContain('ai-status/failed');
    expect((await runsOf(s.taskId))[0]).toMatchObject({ status: 'failed', exitCode: 3 });
  });

  it('without GITEA_BOT_PASSWORD or AGENT_GIT_TOKEN the run fails with a comment saying what to set', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster, { botPassword: undefined, agentGitToken: undefined });
    const { subtasks } = await seedFeature([{ key: 'x', title: 'Tokenless' }]);
    const s = subtasks[0]!;
    await dispatcher.claim({ scope: { taskIds: [s.taskId] }, automatic: false });
    await drain(dispatcher);
    expect(cluster.created).toHaveLength(0);
    expect((await runsOf(s.taskId))[0]?.status).toBe('failed');
    const body = botCommentsOn(s.issueNumber)
      .map((c) => c.body)
      .join('\n');
    expect(body).toContain('GITEA_BOT_PASSWORD');
    expect(body).toContain('AGENT_GIT_TOKEN');
    expect(labelsOf(s.issueNumber)).toContain('ai-status/failed');
  });

  it('uses AGENT_GIT_TOKEN when no token can be minted', async () => {
    const cluster = new MemoryCluster();
    const shared = gitea.createToken('alice');
    const { dispatcher } = dispatcherWith(cluster, { botPassword: undefined, agentGitToken: shared });
    const { subtasks } = await seedFeature([{ key: 'x', title: 'Shared token' }]);
    await dispatcher.claim({ scope: { taskIds: [subtasks[0]!.taskId] }, automatic: false });
    await drain(dispatcher);
    const [run] = await runsOf(subtasks[0]!.taskId);
    expect(cluster.get(run!.id)?.spec.env.AIWORKER_GIT_TOKEN).toBe(shared);
  });
});

describe('crashes and restarts', () => {
  it('a launch whose answer was lost adopts the run the runner took instead of starting a second one', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster, {}, { loseStartAnswers: 1 });
    const { subtasks } = await seedFeature([{ key: 'x', title: 'Lost answer' }]);
    const s = subtasks[0]!;
    await dispatcher.claim({ scope: { taskIds: [s.taskId] }, automatic: false });
    await expect(drain(dispatcher)).rejects.toThrow(/connection reset/);
    const [queued] = await runsOf(s.taskId);
    expect(queued).toMatchObject({ status: 'queued', externalId: null });
    const tokenBefore = cluster.get(queued!.id)!.spec.env.AIWORKER_GIT_TOKEN;

    // A restarted bot: another runner over the same cluster, another dispatcher.
    const restarted = dispatcherWith(cluster);
    await restarted.dispatcher.reconcile();
    const [adopted] = await runsOf(s.taskId);
    expect(adopted).toMatchObject({ status: 'running', externalId: `mem-${queued!.id}` });
    expect(cluster.created).toEqual([queued!.id]);
    // The running agent keeps the tokens it was started with.
    expect(await tokenWorks(tokenBefore)).toBe(true);
  });

  it('a restarted bot re-attaches to a run that ended while nobody watched', async () => {
    const cluster = new MemoryCluster();
    const first = dispatcherWith(cluster);
    const { subtasks } = await seedFeature([{ key: 'x', title: 'Survives restarts' }]);
    const s = subtasks[0]!;
    await first.dispatcher.claim({ scope: { taskIds: [s.taskId] }, automatic: false });
    await drain(first.dispatcher);
    const [run] = await runsOf(s.taskId);
    await first.dispatcher.close();
    await first.runner.close();

    // While the bot is down the agent opens its pull request (through MCP) and exits 0.
    await recordRunPullRequest(db.db, run!.id, 4242);
    cluster.finish(
      run!.id,
      { phase: 'succeeded', exitCode: 0, message: 'The agent finished (exit code 0)' },
      { silently: true },
    );

    const second = dispatcherWith(cluster);
    await second.dispatcher.reconcile();
    const [ended] = await runsOf(s.taskId);
    expect(ended).toMatchObject({ status: 'succeeded', prNumber: 4242, result: 'opened pull request #4242' });
    expect((await getTask(db.db, s.taskId)).state).toBe('review');
    expect(labelsOf(s.issueNumber)).toContain('ai-status/review');
    expect(cluster.created).toEqual([run!.id]);
  });

  it('a run the runner no longer knows is failed as lost', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster);
    const { subtasks } = await seedFeature([{ key: 'x', title: 'Vanishes' }]);
    const s = subtasks[0]!;
    await dispatcher.claim({ scope: { taskIds: [s.taskId] }, automatic: false });
    await drain(dispatcher);
    const [run] = await runsOf(s.taskId);
    cluster.runs.delete(run!.id); // e.g. the Job was deleted while the bot was down
    await dispatcher.reconcile();
    expect((await runsOf(s.taskId))[0]).toMatchObject({ status: 'failed' });
    expect((await runsOf(s.taskId))[0]?.result).toMatch(/^Lost: /);
    expect(
      botCommentsOn(s.issueNumber).some((c) => c.body.includes('Lost: the runner no longer knows this run')),
    ).toBe(true);
  });

  it('a run the runner still works on but AiWorker has ended is stopped', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster);
    const { subtasks } = await seedFeature([{ key: 'x', title: 'Orphan' }]);
    const s = subtasks[0]!;
    await dispatcher.claim({ scope: { taskIds: [s.taskId] }, automatic: false });
    await drain(dispatcher);
    const [run] = await runsOf(s.taskId);
    await db.db
      .update(agentRuns)
      .set({ status: 'cancelled', finishedAt: new Date() })
      .where(eq(agentRuns.id, run!.id));
    await dispatcher.reconcile();
    expect(cluster.get(run!.id)?.cancelled).toBe(true);
  });
});

describe('the watchdog', () => {
  async function startedRun(title: string) {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster);
    const { subtasks } = await seedFeature([{ key: 'x', title }]);
    const s = subtasks[0]!;
    await dispatcher.claim({ scope: { taskIds: [s.taskId] }, automatic: false });
    await drain(dispatcher);
    const [run] = await runsOf(s.taskId);
    return { cluster, dispatcher, s, run: run! };
  }

  it('stops a run that reported nothing for longer than agents.silenceMinutes and says so', async () => {
    const { cluster, dispatcher, s, run } = await startedRun('Goes quiet');
    const lastReport = new Date(run.startedAt!.getTime() + 60_000);
    await db.db.update(agentRuns).set({ heartbeatAt: lastReport }).where(eq(agentRuns.id, run.id));
    await dispatcher.reconcile(new Date(lastReport.getTime() + 14 * 60_000));
    expect((await runsOf(s.taskId))[0]?.status).toBe('running');
    await dispatcher.reconcile(new Date(lastReport.getTime() + 16 * 60_000));
    expect(cluster.get(run.id)?.cancelled).toBe(true);
    const [ended] = await runsOf(s.taskId);
    expect(ended?.status).toBe('failed');
    expect(ended?.result).toContain(
      `reported nothing for 15 minutes (last report at ${lastReport.toISOString()})`,
    );
    expect((await getTask(db.db, s.taskId)).state).toBe('failed');
    const comment = botCommentsOn(s.issueNumber).find((c) => c.body.includes('reported nothing'));
    expect(comment?.body).toContain('[agent] stopped');
  });

  it('stops a run past its deadline', async () => {
    const { cluster, dispatcher, s, run } = await startedRun('Takes forever');
    await dispatcher.reconcile(new Date(run.deadlineAt!.getTime() + 1_000));
    expect(cluster.get(run.id)?.cancelled).toBe(true);
    expect((await runsOf(s.taskId))[0]?.result).toContain('longer than its 60-minute limit');
    expect(labelsOf(s.issueNumber)).toContain('ai-status/failed');
  });
});

describe('waves', () => {
  it('a finished run hands its slot to the next ready subtask', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster, { maxConcurrent: 1 });
    const { subtasks } = await seedFeature([
      { key: 'one', title: 'One' },
      { key: 'two', title: 'Two' },
    ]);
    await dispatcher.pump();
    await drain(dispatcher);
    const [first] = await runsOf(subtasks[0]!.taskId);
    expect(first?.status).toBe('running');
    expect(await runsOf(subtasks[1]!.taskId)).toHaveLength(0);
    await recordRunPullRequest(db.db, first!.id, 77);
    cluster.finish(first!.id, { phase: 'succeeded', exitCode: 0 });
    // The freed slot is claimed for the second subtask, and its launch queued and run.
    await expect
      .poll(async () => {
        await drain(dispatcher);
        return (await runsOf(subtasks[1]!.taskId))[0]?.status;
      }, SLOW)
      .toBe('running');
    expect((await getTask(db.db, subtasks[0]!.taskId)).state).toBe('review');
  });

  it('a /cancel on the feature holds its automatic dispatch until a /dispatch there', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster, { maxConcurrent: 1 });
    const { feature, subtasks } = await seedFeature([
      { key: 'one', title: 'One' },
      { key: 'two', title: 'Two' },
    ]);
    await dispatcher.pump();
    await drain(dispatcher);
    const [first] = await runsOf(subtasks[0]!.taskId);
    const command = (name: string) => ({
      causeKey: `c${uniqueName(name)}.0`,
      deliveryId: 'd',
      repoFullName: REPO,
      issueNumber: feature.issueNumber,
      actor: 'alice',
      command: name,
      result: 'applied',
    });
    await db.db.transaction((tx) => claimCause(tx, command('cancel')));
    await dispatcher.cancelRuns([first!], 'alice');
    expect((await runsOf(subtasks[0]!.taskId))[0]).toMatchObject({
      status: 'cancelled',
      result: 'cancelled by @alice',
    });
    await dispatcher.pump();
    expect(await runsOf(subtasks[1]!.taskId)).toHaveLength(0);
    // `/dispatch` on the feature lifts the hold (and starts what fits).
    const resumed = await dispatcher.claim({
      scope: { featureId: feature.id },
      automatic: false,
      cause: command('dispatch'),
    });
    expect(resumed.kind === 'claimed' && resumed.started.map((r) => r.taskId)).toEqual([subtasks[1]!.taskId]);
  });

  it('a run whose agent asked a question ends paused: no failure, the subtask stays blocked', async () => {
    const cluster = new MemoryCluster();
    const { dispatcher } = dispatcherWith(cluster);
    const { subtasks } = await seedFeature([{ key: 'q', title: 'Needs an answer' }]);
    const s = subtasks[0]!;
    await dispatcher.claim({ scope: { taskIds: [s.taskId] }, automatic: false });
    await drain(dispatcher);
    const [run] = await runsOf(s.taskId);
    // What report_blocker does through MCP: the run is paused, the subtask blocked.
    await db.db.update(agentRuns).set({ status: 'paused' }).where(eq(agentRuns.id, run!.id));
    await db.db.update(tasks).set({ state: 'blocked' }).where(eq(tasks.id, s.taskId));
    cluster.finish(run!.id, { phase: 'succeeded', exitCode: 0 });
    await expect.poll(async () => (await runsOf(s.taskId))[0]?.finishedAt, SLOW).not.toBeNull();
    expect((await runsOf(s.taskId))[0]).toMatchObject({ status: 'paused' });
    expect((await getTask(db.db, s.taskId)).state).toBe('blocked');
    expect(botCommentsOn(s.issueNumber).some((c) => c.body.includes('<!-- aiworker:run '))).toBe(false);
  });
});
