import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { secretValues } from '../../src/config/env.ts';
import { agentRuns } from '../../src/db/schema.ts';
import type { GiteaFake } from '../fakes/gitea/index.ts';
import type { TestDatabase } from '../support/services.ts';
import { SHOP_FILES, startHarness } from './harness.ts';

/**
 * The e2e harness (one whole AiWorker: webhook endpoint, `/mcp`, workers and the agent
 * dispatcher) with the real local runner and the scripted agent
 * (test/fakes/agent/scripted-agent.ts) as AGENT_COMMAND. The Gitea fake serves no git, so the
 * runner clones a local bare copy of the repository instead.
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
  /** The secret values the bot knows (none may reach a comment). */
  secrets: readonly string[];
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
  const tsx = import.meta.resolve('tsx');
  const h = await startHarness({
    label: options.label,
    files,
    env: {
      GITEA_BOT_PASSWORD: 'bot-password-123',
      AGENT_RUNNER: 'local',
      AGENT_COMMAND: `node --import ${tsx} ${AGENT_SCRIPT}`,
      ...options.env,
    },
    agents: {
      localRoot: path.join(work, 'runs'),
      agentEnv: { SCRIPTED_AGENT_PLAN: planFile },
      // The Gitea fake serves no git: runners clone a local bare copy of the same files.
      cloneUrlFor: () => `file://${origin}`,
      reconcileIntervalMs: 1_000,
    },
  });
  return {
    gitea: h.gitea,
    db: h.db,
    secrets: secretValues(h.env),
    async setPlan(plan) {
      await writeFile(planFile, JSON.stringify(plan));
    },
    async release(target) {
      await writeFile(path.join(work, target === 'all' ? 'release-all' : `release-run-${target.run}`), '');
    },
    settle: (timeoutMs = 30_000) => h.settle(timeoutMs),
    async waitFor(what, check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await check()) return;
        await sleep(100);
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    },
    runs: () => h.db.db.select().from(agentRuns).orderBy(agentRuns.id),
    async close() {
      await h.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** Runs of one subtask issue, oldest first. */
export async function runsOfIssue(h: AgentsHarness, issueNumber: number) {
  return (await h.runs()).filter((r) => r.issueNumber === issueNumber);
}
