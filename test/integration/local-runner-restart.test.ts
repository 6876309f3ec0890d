import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalRunner, type LocalRunnerOptions } from '../../src/agents/runners/local.ts';
import type { AgentRunSpec, RunStatus } from '../../src/agents/runners/types.ts';

/**
 * A bot restart, simulated by closing one LocalRunner and creating another over the same run
 * directory: the new runner cannot wait on the old one's children, yet must still know what
 * became of every run — and be able to stop the ones still going.
 */

let work: string;
let origin: string;
const runners: LocalRunner[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'aiworker-local-restart-'));
  origin = path.join(work, 'origin.git');
  const seed = path.join(work, 'seed');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@t',
  };
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'main', origin]);
  execFileSync('git', ['init', '--quiet', '--initial-branch', 'main', seed]);
  await writeFile(path.join(seed, 'README.md'), 'hello\n');
  execFileSync('git', ['add', '.'], { cwd: seed });
  execFileSync('git', ['commit', '--quiet', '-m', 'first'], { cwd: seed, env });
  execFileSync('git', ['push', '--quiet', origin, 'main'], { cwd: seed });
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let nextRunId = 500;

function makeSpec(overrides: Partial<AgentRunSpec> = {}): AgentRunSpec {
  const runId = nextRunId++;
  return {
    runId,
    repo: 'acme/shop',
    issueNumber: 9,
    attempt: 1,
    cloneUrl: `file://${origin}`,
    defaultBranch: 'main',
    deadlineSeconds: 120,
    env: {
      AIWORKER_MCP_URL: 'http://127.0.0.1:8080/mcp',
      AIWORKER_MCP_TOKEN: `mcp-${runId}-c0ffee15bad`,
      AIWORKER_TASK: 'acme/shop#9',
      AIWORKER_RUN_ID: String(runId),
      GITEA_URL: 'http://127.0.0.1:3000',
      AIWORKER_GIT_TOKEN: `gitea${runId}0123456789abcdef0123456789`,
      AIWORKER_BRANCH: 'ai/9-checkout',
    },
    ...overrides,
  };
}

function makeRunner(root: string, options: Partial<LocalRunnerOptions> & { command: string }): LocalRunner {
  const runner = new LocalRunner({ killGraceMs: 2_000, pollIntervalMs: 50, ...options, root });
  runners.push(runner);
  return runner;
}

async function waitFor(
  runner: LocalRunner,
  externalId: string,
  done: (status: RunStatus) => boolean,
): Promise<RunStatus> {
  for (let i = 0; i < 600; i++) {
    const status = await runner.status(externalId);
    if (status && done(status)) return status;
    await sleep(50);
  }
  throw new Error(`run ${externalId} never reached the expected state`);
}

async function waitForFile(file: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    try {
      return await readFile(file, 'utf8');
    } catch {
      await sleep(25);
    }
  }
  throw new Error(`${file} never appeared`);
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (!isRunning(pid)) return true;
    await sleep(25);
  }
  return false;
}

describe('LocalRunner after a restart', { timeout: 90_000 }, () => {
  it('lists a run that finished before the restart, with its result', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const before = makeRunner(root, { command: 'echo "all tests pass"; exit 0' });
    const handle = await before.start(makeSpec());
    await waitFor(before, handle.externalId, (s) => s.phase === 'succeeded');
    await before.close();

    const after = makeRunner(root, { command: 'true' });
    const listed = await after.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]?.externalId).toBe(handle.externalId);
    expect(listed[0]?.status.phase).toBe('succeeded');
    expect(listed[0]?.status.exitCode).toBe(0);
    expect(listed[0]?.status.logTail).toContain('all tests pass');
  });

  it('reports a still running agent as running and can cancel it', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const before = makeRunner(root, {
      command: 'sleep 60 & echo $! > "$HOME/child.pid"; echo "agent up"; wait',
    });
    const handle = await before.start(makeSpec());
    await waitFor(
      before,
      handle.externalId,
      (s) => s.phase === 'running' && (s.logTail ?? '').includes('agent up'),
    );
    await before.close();

    const after = makeRunner(root, { command: 'true' });
    const status = await after.status(handle.externalId);
    expect(status?.phase).toBe('running');
    expect(status?.logTail).toContain('agent up');
    expect((await after.list()).map((r) => r.status.phase)).toEqual(['running']);

    await after.cancel(handle.externalId);
    const cancelled = await after.status(handle.externalId);
    expect(cancelled?.phase).toBe('cancelled');
    const child = Number(await readFile(path.join(root, handle.externalId, 'home', 'child.pid'), 'utf8'));
    expect(await waitUntilGone(child)).toBe(true);
  });

  it('learns the exit code of an agent that ends after the restart, and tells its watchers', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const go = path.join(root, 'go');
    const before = makeRunner(root, {
      command: `echo waiting; while [ ! -f ${go} ]; do sleep 0.05; done; echo "token is $AIWORKER_GIT_TOKEN"; exit 7`,
    });
    const spec = makeSpec();
    const handle = await before.start(spec);
    await waitFor(
      before,
      handle.externalId,
      (s) => s.phase === 'running' && (s.logTail ?? '').includes('waiting'),
    );
    await before.close();

    const after = makeRunner(root, { command: 'true' });
    const seen: RunStatus[] = [];
    after.watch((externalId, runId, status) => {
      if (externalId === handle.externalId && runId === spec.runId) seen.push(status);
    });
    expect((await after.status(handle.externalId))?.phase).toBe('running');
    await writeFile(go, '');
    const status = await waitFor(after, handle.externalId, (s) => s.phase !== 'running');
    expect(status.phase).toBe('failed');
    expect(status.exitCode).toBe(7);
    expect(seen.map((s) => s.phase)).toEqual(['failed']);
    // The new runner never saw the token, only its digest, and still scrubs it.
    expect(status.logTail).toContain('token is [redacted]');
    expect(status.logTail).not.toContain(spec.env.AIWORKER_GIT_TOKEN);
  });

  it('reports an agent that vanished without an exit code as lost', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const before = makeRunner(root, { command: 'echo $$ > "$HOME/agent.pid"; sleep 60' });
    const handle = await before.start(makeSpec());
    await waitFor(before, handle.externalId, (s) => s.phase === 'running');
    const stateFile = JSON.parse(await readFile(path.join(root, handle.externalId, 'state.json'), 'utf8'));
    await before.close();
    // The machine's OOM killer, say: the whole group dies at once, nothing is recorded.
    process.kill(-stateFile.agent.pid, 'SIGKILL');
    expect(await waitUntilGone(stateFile.agent.pid)).toBe(true);

    const after = makeRunner(root, { command: 'true' });
    const status = await after.status(handle.externalId);
    expect(status?.phase).toBe('failed');
    expect(status?.exitCode).toBeUndefined();
    expect(status?.message).toMatch(/^Lost: the agent process ended .* without recording an exit code$/);
    expect(status?.finishedAt).toBeInstanceOf(Date);
  });

  it('reports a run whose bot died during the clone as lost', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    // A state file as a bot leaves it when it dies while cloning: pending, owned by a dead process.
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    const runDir = path.join(root, 'run-42');
    await mkdir(runDir, { recursive: true });
    await writeFile(
      path.join(runDir, 'state.json'),
      JSON.stringify({
        version: 1,
        runId: 42,
        repo: 'acme/shop',
        issueNumber: 9,
        attempt: 1,
        phase: 'pending',
        owner: { pid: dead.pid },
        startedAt: new Date().toISOString(),
        deadlineSeconds: 600,
        secretDigests: [],
      }),
    );
    const after = makeRunner(root, { command: 'true' });
    const status = await after.status('run-42');
    expect(status?.phase).toBe('failed');
    expect(status?.message).toContain('Lost: AiWorker stopped while the repository was being cloned');
  });

  it('enforces the deadline of a run it adopted', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const before = makeRunner(root, { command: 'echo started; sleep 60' });
    const handle = await before.start(makeSpec({ deadlineSeconds: 2 }));
    await waitFor(before, handle.externalId, (s) => s.phase === 'running');
    await before.close();

    const after = makeRunner(root, { command: 'true' });
    const status = await waitFor(after, handle.externalId, (s) => s.phase !== 'running');
    expect(status.phase).toBe('failed');
    expect(status.message).toBe('DeadlineExceeded: ran longer than 2 s');
    const state = JSON.parse(await readFile(path.join(root, handle.externalId, 'state.json'), 'utf8'));
    expect(await waitUntilGone(state.agent.pid)).toBe(true);
  });

  it('does not start a run again that an earlier runner started', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const count = path.join(root, 'count');
    const before = makeRunner(root, { command: `echo run >> ${count}` });
    const spec = makeSpec();
    const handle = await before.start(spec);
    await waitFor(before, handle.externalId, (s) => s.phase === 'succeeded');
    await before.close();
    const after = makeRunner(root, { command: `echo run >> ${count}` });
    expect(await after.start(spec)).toEqual(handle);
    expect((await after.status(handle.externalId))?.phase).toBe('succeeded');
    expect((await readFile(count, 'utf8')).trim().split('\n')).toEqual(['run']);
  });

  it('closing during a clone ends that run as interrupted instead of leaving it pending', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const bin = path.join(root, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'git'), '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
    const before = makeRunner(root, { command: 'true', path: `${bin}:${process.env.PATH}` });
    const handle = await before.start(makeSpec());
    await before.close();
    const after = makeRunner(root, { command: 'true' });
    const status = await after.status(handle.externalId);
    expect(status?.phase).toBe('failed');
    expect(status?.message).toBe('Interrupted: the runner was shut down before the agent started');
    expect(await waitForFile(path.join(root, handle.externalId, 'output.log'))).toContain('Interrupted');
  });
});
