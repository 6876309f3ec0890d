import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRunSpecError } from '../../src/agents/runners/local/spec-check.ts';
import { LocalRunner, type LocalRunnerOptions } from '../../src/agents/runners/local.ts';
import type { AgentRunSpec, RunStatus } from '../../src/agents/runners/types.ts';

/**
 * The local runner end to end: a real bare repository cloned over file://, real agent
 * processes (shell scripts standing in for the agent), real signals.
 */

let work: string;
let origin: string;
const runners: LocalRunner[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'aiworker-local-runner-'));
  origin = path.join(work, 'origin.git');
  const seed = path.join(work, 'seed');
  git(work, 'init', '--quiet', '--bare', '--initial-branch', 'trunk', origin);
  git(work, 'init', '--quiet', '--initial-branch', 'trunk', seed);
  await writeFile(path.join(seed, 'README.md'), 'Shop service\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '--quiet', '-m', 'first');
  git(seed, 'push', '--quiet', origin, 'trunk');
  git(seed, 'checkout', '--quiet', '-b', 'feature');
  await writeFile(path.join(seed, 'FEATURE.md'), 'only on the feature branch\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '--quiet', '-m', 'feature');
  git(seed, 'push', '--quiet', origin, 'feature');
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let nextRunId = 100;

function makeSpec(overrides: Partial<AgentRunSpec> = {}): AgentRunSpec {
  const runId = overrides.runId ?? nextRunId++;
  return {
    runId,
    repo: 'acme/shop',
    issueNumber: 7,
    attempt: 1,
    cloneUrl: `file://${origin}`,
    defaultBranch: 'trunk',
    deadlineSeconds: 120,
    env: {
      AIWORKER_MCP_URL: 'http://127.0.0.1:8080/mcp',
      AIWORKER_MCP_TOKEN: `mcp-token-${runId}-4f9a2c7d1e`,
      AIWORKER_TASK: 'acme/shop#7',
      AIWORKER_RUN_ID: String(runId),
      GITEA_URL: 'http://127.0.0.1:3000',
      AIWORKER_GIT_TOKEN: `git-token-${runId}-8b3e6f0a5d`,
      AIWORKER_BRANCH: 'ai/7-add-cart',
    },
    ...overrides,
  };
}

async function makeRunner(options: Partial<LocalRunnerOptions> & { command: string }): Promise<LocalRunner> {
  const root = options.root ?? (await mkdtemp(path.join(work, 'runs-')));
  const runner = new LocalRunner({ killGraceMs: 2_000, pollIntervalMs: 50, ...options, root });
  runners.push(runner);
  return runner;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

async function waitFor(
  runner: LocalRunner,
  externalId: string,
  done: (status: RunStatus) => boolean,
): Promise<RunStatus> {
  // Bounded only so that a broken runner fails the test instead of hanging it.
  for (let i = 0; i < 600; i++) {
    const status = await runner.status(externalId);
    if (status && done(status)) return status;
    await sleep(50);
  }
  throw new Error(`run ${externalId} never reached the expected state`);
}

const waitForEnd = (runner: LocalRunner, externalId: string) =>
  waitFor(runner, externalId, (s) => FINAL.has(s.phase));

/** Whether a process still runs (a zombie no longer does). */
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

describe('LocalRunner: runs', { timeout: 90_000 }, () => {
  it('clones the default branch, runs the command there and reports success', async () => {
    const runner = await makeRunner({
      command: 'cat README.md; git rev-parse --abbrev-ref HEAD; ls; echo "home=$HOME"; exit 0',
    });
    const phases: string[] = [];
    runner.watch((_id, _runId, status) => phases.push(status.phase));
    const spec = makeSpec();
    const handle = await runner.start(spec);
    expect(handle.externalId).toBe(`run-${spec.runId}`);

    const status = await waitForEnd(runner, handle.externalId);
    expect(status.phase).toBe('succeeded');
    expect(status.exitCode).toBe(0);
    expect(status.logTail).toContain('Shop service');
    expect(status.logTail).toContain('\ntrunk\n');
    expect(status.logTail).not.toContain('FEATURE.md');
    expect(status.logTail).toContain(`home=${path.join(runner.root, handle.externalId, 'home')}`);
    expect(status.startedAt).toBeInstanceOf(Date);
    expect(status.finishedAt!.getTime()).toBeGreaterThanOrEqual(status.startedAt!.getTime());
    expect(phases).toEqual(['pending', 'running', 'succeeded']);
  });

  it('reports a failing agent with its exit code and the end of its output', async () => {
    const runner = await makeRunner({
      command:
        'i=1; while [ $i -le 80 ]; do echo "step $i"; i=$((i+1)); done; echo "tests failed" >&2; exit 3',
    });
    const handle = await runner.start(makeSpec());
    const status = await waitForEnd(runner, handle.externalId);
    expect(status.phase).toBe('failed');
    expect(status.exitCode).toBe(3);
    expect(status.message).toBe('The agent failed with exit code 3');
    const lines = status.logTail!.split('\n');
    expect(lines.length).toBeLessThanOrEqual(50);
    expect(lines).toContain('step 80');
    expect(lines).toContain('tests failed');
    expect(lines).not.toContain('step 1');
  });

  it('gives the agent exactly the §9 variables plus PATH, HOME and LANG — none of the bot’s secrets', async () => {
    const botSecrets = {
      GITEA_TOKEN: 'bot-gitea-token-0c1d2e3f',
      WEBHOOK_SECRET: 'webhook-secret-9a8b7c6d5e4f',
      DATABASE_URL: 'mysql://root:db-password-77@127.0.0.1:3306/aiworker',
      ANTHROPIC_API_KEY: 'sk-ant-bot-key-123456789012345',
    };
    const saved = Object.fromEntries(Object.keys(botSecrets).map((k) => [k, process.env[k]]));
    Object.assign(process.env, botSecrets);
    try {
      const runner = await makeRunner({
        command: `node -e 'require("fs").writeFileSync(process.env.HOME + "/env.json", JSON.stringify(process.env))'; echo "git=$AIWORKER_GIT_TOKEN mcp=$AIWORKER_MCP_TOKEN"`,
        secrets: [botSecrets.GITEA_TOKEN],
      });
      const spec = makeSpec();
      const handle = await runner.start(spec);
      const status = await waitForEnd(runner, handle.externalId);
      expect(status.phase).toBe('succeeded');

      const runDir = path.join(runner.root, handle.externalId);
      const seen = JSON.parse(await readFile(path.join(runDir, 'home', 'env.json'), 'utf8')) as Record<
        string,
        string
      >;
      // PWD is exported by /bin/sh itself.
      expect(Object.keys(seen).sort()).toEqual(
        [
          'AIWORKER_BRANCH',
          'AIWORKER_GIT_TOKEN',
          'AIWORKER_MCP_TOKEN',
          'AIWORKER_MCP_URL',
          'AIWORKER_RUN_ID',
          'AIWORKER_TASK',
          'GITEA_URL',
          'HOME',
          'LANG',
          'PATH',
          'PWD',
        ].sort(),
      );
      for (const [name, value] of Object.entries(spec.env)) expect(seen[name]).toBe(value);
      expect(seen.HOME).toBe(path.join(runDir, 'home'));
      expect(seen.PWD).toBe(path.join(runDir, 'repo'));
      for (const secret of Object.values(botSecrets)) expect(JSON.stringify(seen)).not.toContain(secret);

      // The run's own tokens are scrubbed from what is reported.
      expect(status.logTail).toContain('git=[redacted] mcp=[redacted]');
      expect(status.logTail).not.toContain(spec.env.AIWORKER_GIT_TOKEN);
      // The clone knows its origin but not the token.
      const gitConfig = await readFile(path.join(runDir, 'repo', '.git', 'config'), 'utf8');
      expect(gitConfig).toContain(`url = file://${origin}`);
      expect(gitConfig).not.toContain(spec.env.AIWORKER_GIT_TOKEN);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('hands operator-chosen extra variables to agents', async () => {
    const runner = await makeRunner({
      command: 'echo "model=$ANTHROPIC_MODEL"',
      agentEnv: { ANTHROPIC_MODEL: 'claude-sonnet' },
    });
    const handle = await runner.start(makeSpec());
    const status = await waitForEnd(runner, handle.externalId);
    expect(status.logTail).toContain('model=claude-sonnet');
    expect(() => new LocalRunner({ command: 'true', agentEnv: { GITEA_URL: 'x' } })).toThrow(
      /GITEA_URL is set by the runner/,
    );
  });

  it('never passes the git token on a command line', async () => {
    // A `git` first on PATH that records how it was called, then runs the real git.
    const bin = await mkdtemp(path.join(work, 'bin-'));
    const calls = path.join(bin, 'calls.log');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    await writeFile(
      path.join(bin, 'git'),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> ${calls}\nexec ${realGit} "$@"\n`,
    );
    await chmod(path.join(bin, 'git'), 0o755);
    const runner = await makeRunner({ command: 'true', path: `${bin}:${process.env.PATH}` });
    const spec = makeSpec();
    const status = await waitForEnd(runner, (await runner.start(spec)).externalId);
    expect(status.phase).toBe('succeeded');
    const recorded = await readFile(calls, 'utf8');
    expect(recorded).toContain(
      `clone --depth 1 --branch trunk --single-branch --no-tags -- file://${origin}`,
    );
    expect(recorded).not.toContain(spec.env.AIWORKER_GIT_TOKEN);
  });
});

describe('LocalRunner: stopping', { timeout: 90_000 }, () => {
  it('kills a run that passes its deadline, with everything it started', async () => {
    const runner = await makeRunner({
      command: 'sleep 60 & echo $! > "$HOME/child.pid"; echo working; wait',
    });
    const handle = await runner.start(makeSpec({ deadlineSeconds: 1 }));
    const status = await waitForEnd(runner, handle.externalId);
    expect(status.phase).toBe('failed');
    expect(status.message).toBe('DeadlineExceeded: ran longer than 1 s');
    expect(status.exitCode).toBeUndefined();
    expect(status.logTail).toContain('working');
    const child = Number(
      await readFile(path.join(runner.root, handle.externalId, 'home', 'child.pid'), 'utf8'),
    );
    expect(await waitUntilGone(child)).toBe(true);
  });

  it('cancels a running agent: SIGKILL after the grace period when it ignores SIGTERM', async () => {
    const runner = await makeRunner({
      command: 'trap "" TERM; sleep 60 & echo $! > "$HOME/child.pid"; echo started; wait; wait',
      killGraceMs: 300,
    });
    const handle = await runner.start(makeSpec());
    await waitFor(
      runner,
      handle.externalId,
      (s) => s.phase === 'running' && (s.logTail ?? '').includes('started'),
    );
    await runner.cancel(handle.externalId);
    const status = await runner.status(handle.externalId);
    expect(status?.phase).toBe('cancelled');
    expect(status?.message).toBe('Cancelled: the run was stopped on request');
    const child = Number(
      await readFile(path.join(runner.root, handle.externalId, 'home', 'child.pid'), 'utf8'),
    );
    expect(await waitUntilGone(child)).toBe(true);
    // Cancelling again, or cancelling something unknown, changes nothing.
    await runner.cancel(handle.externalId);
    await runner.cancel('run-999999');
    await runner.cancel('not-a-run');
    expect((await runner.status(handle.externalId))?.phase).toBe('cancelled');
  });

  it('cancels a run while it is still cloning', async () => {
    // A `git` that hangs, so the run is caught in its clone step.
    const bin = await mkdtemp(path.join(work, 'bin-'));
    await writeFile(path.join(bin, 'git'), '#!/bin/sh\nexec sleep 60\n');
    await chmod(path.join(bin, 'git'), 0o755);
    const marker = path.join(work, `never-ran-${Date.now()}`);
    const runner = await makeRunner({ command: `touch ${marker}`, path: `${bin}:${process.env.PATH}` });
    const handle = await runner.start(makeSpec());
    expect((await runner.status(handle.externalId))?.phase).toBe('pending');
    await runner.cancel(handle.externalId);
    expect((await runner.status(handle.externalId))?.phase).toBe('cancelled');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('LocalRunner: starting', { timeout: 90_000 }, () => {
  it('starts a run once however often it is started', async () => {
    const count = path.join(work, `count-${Date.now()}`);
    const root = await mkdtemp(path.join(work, 'runs-'));
    const runner = await makeRunner({ command: `echo started >> ${count}`, root });
    const spec = makeSpec();
    const handles = await Promise.all([runner.start(spec), runner.start(spec), runner.start(spec)]);
    // Another runner over the same directory (a second bot process) does not start it either.
    const other = await makeRunner({ command: `echo started >> ${count}`, root });
    handles.push(await other.start(spec));
    expect(new Set(handles.map((h) => h.externalId))).toEqual(new Set([`run-${spec.runId}`]));
    await waitForEnd(runner, handles[0]!.externalId);
    handles.push(await runner.start(spec));
    expect(handles.at(-1)?.externalId).toBe(`run-${spec.runId}`);
    expect((await readFile(count, 'utf8')).trim().split('\n')).toEqual(['started']);
  });

  it('ends a run whose clone fails as failed, with git’s reason, without running the agent', async () => {
    const marker = path.join(work, `agent-ran-${Date.now()}`);
    const runner = await makeRunner({ command: `touch ${marker}` });
    const missing = await runner.start(makeSpec({ cloneUrl: `file://${work}/no-such-repo.git` }));
    const status = await waitForEnd(runner, missing.externalId);
    expect(status.phase).toBe('failed');
    expect(status.message).toMatch(
      /^CloneFailed: git clone of file:\/\/.*no-such-repo\.git \(branch trunk\) failed: fatal:/,
    );
    expect(status.logTail).toContain('no-such-repo.git');

    const badBranch = await runner.start(makeSpec({ defaultBranch: 'does-not-exist' }));
    const branchStatus = await waitForEnd(runner, badBranch.externalId);
    expect(branchStatus.phase).toBe('failed');
    expect(branchStatus.message).toContain('does-not-exist');
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a spec that could never work, before creating anything', async () => {
    const runner = await makeRunner({ command: 'true' });
    const env = makeSpec().env;
    const bad: Array<[Partial<AgentRunSpec>, RegExp]> = [
      [{ cloneUrl: 'https://bot:secret@gitea.example.com/acme/shop.git' }, /must not carry credentials/],
      [{ cloneUrl: 'ssh://git@gitea.example.com/acme/shop.git' }, /http:\/\/, https:\/\/ or file:\/\//],
      [{ defaultBranch: '--upload-pack=evil' }, /not a valid branch name/],
      [
        { env: { ...env, AIWORKER_GIT_TOKEN: '', AIWORKER_BRANCH: '' } },
        /missing AIWORKER_GIT_TOKEN, AIWORKER_BRANCH/,
      ],
      [{ deadlineSeconds: 0 }, /deadlineSeconds/],
    ];
    for (const [overrides, message] of bad) {
      await expect(runner.start(makeSpec(overrides))).rejects.toThrow(message);
      await expect(runner.start(makeSpec(overrides))).rejects.toBeInstanceOf(InvalidRunSpecError);
    }
    expect(await readdir(runner.root)).toEqual([]);
    expect(await runner.list()).toEqual([]);
  });
});

describe('LocalRunner: listing and retention', { timeout: 90_000 }, () => {
  it('lists its runs and forgets finished ones after the retention period', async () => {
    const runner = await makeRunner({ command: 'echo hi', retentionMs: 60_000 });
    const first = await runner.start(makeSpec());
    const second = await runner.start(makeSpec());
    await waitForEnd(runner, first.externalId);
    await waitForEnd(runner, second.externalId);
    const listed = await runner.list();
    expect(listed.map((r) => r.externalId)).toEqual([first.externalId, second.externalId]);
    expect(listed.every((r) => r.status.phase === 'succeeded')).toBe(true);

    expect(await runner.pruneFinishedRuns()).toBe(0);
    expect(await runner.pruneFinishedRuns(Date.now() + 61_000)).toBe(2);
    expect(await runner.status(first.externalId)).toBeNull();
    expect(await runner.list()).toEqual([]);
    expect(await readdir(runner.root)).toEqual([]);
  });

  it('keeps a running run however old it is', async () => {
    const runner = await makeRunner({ command: 'echo up; sleep 60', retentionMs: 0 });
    const handle = await runner.start(makeSpec());
    await waitFor(runner, handle.externalId, (s) => s.phase === 'running');
    expect(await runner.pruneFinishedRuns(Date.now() + 86_400_000)).toBe(0);
    expect((await runner.status(handle.externalId))?.phase).toBe('running');
    await runner.cancel(handle.externalId);
  });
});
