import type { ChildProcess } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../config/logger.ts';
import { agentProcessEnvironment, extraEnvironmentProblems } from './local/agent-env.ts';
import { readRecordedExitCode, spawnAgentProcess } from './local/agent-process.ts';
import { cloneRepository } from './local/git-clone.ts';
import { LogFollower } from './local/log-follower.ts';
import { identify, isAlive, isGroupAlive, isPidReused, killGroup } from './local/process-group.ts';
import { describeEnding, type RunEnding } from './local/run-ending.ts';
import { externalIdOf, type RunLayout, runIdOf, runLayout } from './local/run-layout.ts';
import { isFinal, type RunState, readRunState, statusOf, writeRunState } from './local/run-state.ts';
import { assertRunSpec } from './local/spec-check.ts';
import { digestSecret, LogTail } from './log-tail.ts';
import type { AgentRunner, AgentRunSpec, RunHandle, RunStatus } from './types.ts';

/**
 * Agent runs as child processes on this machine (AGENT_RUNNER=local, single-machine installs).
 *
 * Each run gets a directory `<root>/run-<runId>` with a fresh shallow clone of the default
 * branch, a HOME of its own, the agent's output and a small state file. AGENT_COMMAND runs
 * there with `/bin/sh -c`, in its own process group, with only the agent's variables of docs/architecture.md §2 plus
 * PATH, HOME and LANG.
 *
 * `start` returns as soon as the run is registered (phase `pending`); the clone and the agent
 * follow in the background. A clone that fails (bad URL, bad token, unknown branch) ends the run
 * as `failed` with git's reason in the message — `start` itself throws only for a spec that
 * could never work (InvalidRunSpecError), before anything is created.
 *
 * Runs outlive the runner: after a bot restart a new LocalRunner over the same root finds them,
 * reports a still-running agent as running (and can cancel it or enforce its deadline), an agent
 * that ended meanwhile by the exit code it recorded, and one that vanished without a code as a
 * failed run with a "Lost" message. Finished runs' directories are removed after `retentionMs`.
 */

export interface LocalRunnerOptions {
  /** AGENT_COMMAND: a shell command, run with `/bin/sh -c` inside the clone. */
  command: string;
  /** Where run directories live. Default `os.tmpdir()/aiworker-runs`. */
  root?: string;
  /** Secret values removed from every log tail besides each run's own tokens (e.g. `secretValues(env)`). */
  secrets?: readonly string[];
  /** PATH given to agents and to git. Default: the bot's own PATH. */
  path?: string;
  /** LANG given to agents. Default: the bot's LANG, else C.UTF-8. */
  lang?: string;
  /** Extra variables every agent gets, e.g. ANTHROPIC_API_KEY for Claude Code. None by default. */
  agentEnv?: Readonly<Record<string, string>>;
  /** Time between SIGTERM and SIGKILL when a run is stopped. Default 10 s. */
  killGraceMs?: number;
  /** How long a finished run's directory (clone, log, state) is kept. Default 24 h. */
  retentionMs?: number;
  /** How often output is read and adopted runs are checked. Default 500 ms. */
  pollIntervalMs?: number;
  /** How often expired run directories are removed. Default 10 min. */
  pruneIntervalMs?: number;
  logger?: Logger;
}

type StopReason = 'deadline' | 'cancel';

/** A run that has not ended yet, as this runner instance follows it. */
interface ActiveRun {
  layout: RunLayout;
  state: RunState;
  tail: LogTail;
  follower: LogFollower;
  /** Found on disk after a restart: watched through /proc and the run's files, not an exit event. */
  adopted: boolean;
  /** Only for runs this instance started. */
  child?: ChildProcess;
  cloneAbort?: AbortController;
  deadlineTimer?: NodeJS.Timeout;
  stopping?: StopReason;
  finishing?: boolean;
  /** Resolves once the agent process is started or the run ended before that. */
  launched: Promise<void>;
  markLaunched: () => void;
  /** Resolves once the run is final. */
  settled: Promise<void>;
  markSettled: () => void;
  stateWrites: Promise<void>;
  logWrites: Promise<void>;
}

const DEFAULTS = {
  killGraceMs: 10_000,
  retentionMs: 24 * 60 * 60 * 1000,
  pollIntervalMs: 500,
  pruneIntervalMs: 10 * 60 * 1000,
};

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

export class LocalRunner implements AgentRunner {
  readonly kind = 'local' as const;
  readonly root: string;
  private readonly command: string;
  private readonly secrets: readonly string[];
  private readonly baseEnv: { PATH: string; LANG: string };
  private readonly agentEnv: Readonly<Record<string, string>>;
  private readonly killGraceMs: number;
  private readonly retentionMs: number;
  private readonly logger: Logger | undefined;
  private readonly active = new Map<number, ActiveRun>();
  private readonly starting = new Map<number, Promise<RunHandle>>();
  private readonly listeners = new Set<(externalId: string, runId: number, status: RunStatus) => void>();
  private readonly ready: Promise<void>;
  private readonly pollTimer: NodeJS.Timeout;
  private readonly pruneTimer: NodeJS.Timeout;
  private polling = false;
  private closed = false;

  constructor(options: LocalRunnerOptions) {
    const problems = extraEnvironmentProblems(options.agentEnv ?? {});
    if (!options.command?.trim()) problems.push('command (AGENT_COMMAND) is required');
    if (problems.length > 0) throw new Error(`LocalRunner: ${problems.join('; ')}`);
    this.command = options.command;
    this.root = path.resolve(options.root ?? path.join(os.tmpdir(), 'aiworker-runs'));
    this.secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
    this.baseEnv = {
      PATH: options.path ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: options.lang ?? process.env.LANG ?? 'C.UTF-8',
    };
    this.agentEnv = { ...options.agentEnv };
    this.killGraceMs = options.killGraceMs ?? DEFAULTS.killGraceMs;
    this.retentionMs = options.retentionMs ?? DEFAULTS.retentionMs;
    this.logger = options.logger;
    this.ready = this.discover();
    // Failures surface on every call that awaits `ready`; this only keeps them from being unhandled.
    this.ready.catch(() => undefined);
    this.pollTimer = setInterval(() => void this.poll(), options.pollIntervalMs ?? DEFAULTS.pollIntervalMs);
    this.pollTimer.unref();
    this.pruneTimer = setInterval(
      () =>
        void this.pruneFinishedRuns().catch((error) =>
          this.logger?.warn({ err: error }, 'pruning runs failed'),
        ),
      options.pruneIntervalMs ?? DEFAULTS.pruneIntervalMs,
    );
    this.pruneTimer.unref();
  }

  async start(spec: AgentRunSpec): Promise<RunHandle> {
    assertRunSpec(spec);
    await this.ready;
    if (this.closed) throw new Error('LocalRunner is closed');
    const pending = this.starting.get(spec.runId);
    if (pending) return pending;
    const starting = this.register(spec).finally(() => this.starting.delete(spec.runId));
    this.starting.set(spec.runId, starting);
    return starting;
  }

  async cancel(externalId: string): Promise<void> {
    const runId = runIdOf(externalId);
    if (runId === null) return;
    await this.ready;
    const run = this.active.get(runId);
    if (run) await this.stop(run, 'cancel');
  }

  async status(externalId: string): Promise<RunStatus | null> {
    const runId = runIdOf(externalId);
    if (runId === null) return null;
    await this.ready;
    const run = this.active.get(runId);
    if (run) {
      await run.follower.poll();
      return statusOf(run.state, run.tail.toString());
    }
    const state = await readRunState(runLayout(this.root, runId).state);
    return state ? statusOf(state) : null;
  }

  async list(): Promise<Array<{ externalId: string; runId: number; status: RunStatus }>> {
    await this.ready;
    const runs: Array<{ externalId: string; runId: number; status: RunStatus }> = [];
    for (const runId of await this.runIdsOnDisk()) {
      const externalId = externalIdOf(runId);
      const status = await this.status(externalId);
      if (status) runs.push({ externalId, runId, status });
    }
    return runs;
  }

  watch(onChange: (externalId: string, runId: number, status: RunStatus) => void): () => void {
    this.listeners.add(onChange);
    return () => {
      this.listeners.delete(onChange);
    };
  }

  /**
   * Stops timers and watches and lets go of child processes: agents keep running, and a new
   * runner over the same root picks them up. A clone still in progress is stopped (the run
   * ends as "Interrupted"), since nobody would start its agent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    clearInterval(this.pruneTimer);
    this.listeners.clear();
    await this.ready.catch(() => undefined);
    const interrupted: Promise<void>[] = [];
    for (const run of this.active.values()) {
      clearTimeout(run.deadlineTimer);
      if (run.state.phase === 'pending' && run.cloneAbort) {
        run.cloneAbort.abort();
        interrupted.push(run.settled);
      } else if (run.child) {
        run.child.removeAllListeners();
        run.child.on('error', () => undefined);
        run.child.unref();
      }
    }
    await Promise.all(interrupted);
    await Promise.all([...this.active.values()].map((run) => run.stateWrites));
    this.active.clear();
  }

  /** Removes the directories of runs that ended more than `retentionMs` ago; returns how many. */
  async pruneFinishedRuns(now: number = Date.now()): Promise<number> {
    await this.ready;
    return this.prune(now);
  }

  private async prune(now: number): Promise<number> {
    let removed = 0;
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return 0;
    }
    for (const name of names) {
      const dir = path.join(this.root, name);
      const runId = runIdOf(name);
      if (runId !== null) {
        if (this.active.has(runId)) continue;
        const state = await readRunState(runLayout(this.root, runId).state);
        const ended = state?.finishedAt ? Date.parse(state.finishedAt) : null;
        if (!state || !isFinal(state.phase) || ended === null || now - ended < this.retentionMs) continue;
      } else if (name.startsWith('.creating-')) {
        // Debris of a start interrupted between creating and publishing a run directory.
        const age = await stat(dir).then(
          (s) => now - s.mtimeMs,
          () => 0,
        );
        if (age < this.retentionMs) continue;
      } else {
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  // ---- starting ---------------------------------------------------------------------------

  private async register(spec: AgentRunSpec): Promise<RunHandle> {
    const handle = { externalId: externalIdOf(spec.runId) };
    const layout = runLayout(this.root, spec.runId);
    if (this.active.has(spec.runId)) return handle;
    const state: RunState = {
      version: 1,
      runId: spec.runId,
      repo: spec.repo,
      issueNumber: spec.issueNumber,
      attempt: spec.attempt,
      phase: 'pending',
      owner: await identify(process.pid),
      startedAt: new Date().toISOString(),
      deadlineSeconds: spec.deadlineSeconds,
      secretDigests: this.runSecrets(spec).map(digestSecret),
    };
    // The run directory appears complete or not at all: built under a temporary name, then
    // renamed. The rename fails when the run already exists — here or in another process —
    // which makes starting idempotent by runId.
    const temp = await mkdtemp(path.join(this.root, `.creating-${spec.runId}-`));
    try {
      await writeRunState(path.join(temp, 'state.json'), state);
      await rename(temp, layout.dir);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      if (isCode(error, 'EEXIST') || isCode(error, 'ENOTEMPTY')) return handle;
      throw error;
    }
    const run = this.track(layout, state, { startedWith: this.runSecrets(spec) });
    run.cloneAbort = new AbortController();
    this.emit(run);
    this.logger?.info(
      { runId: spec.runId, repo: spec.repo, issue: spec.issueNumber },
      'local agent run registered',
    );
    void this.launch(run, spec);
    return handle;
  }

  private runSecrets(spec: AgentRunSpec): string[] {
    return [spec.env.AIWORKER_MCP_TOKEN, spec.env.AIWORKER_GIT_TOKEN].filter((s) => s.length >= 4);
  }

  /**
   * Follows a run from now on. A run this instance started knows its tokens; an adopted one
   * knows them only by the digests in its state file.
   */
  private track(
    layout: RunLayout,
    state: RunState,
    origin: { startedWith: string[] } | 'adopted',
  ): ActiveRun {
    const tail =
      origin === 'adopted'
        ? new LogTail({ secrets: this.secrets, digests: state.secretDigests })
        : new LogTail({ secrets: [...this.secrets, ...origin.startedWith] });
    const launched = deferred();
    const settled = deferred();
    const run: ActiveRun = {
      layout,
      state,
      adopted: origin === 'adopted',
      tail,
      follower: new LogFollower(layout.log, tail),
      launched: launched.promise,
      markLaunched: launched.resolve,
      settled: settled.promise,
      markSettled: settled.resolve,
      stateWrites: Promise.resolve(),
      logWrites: Promise.resolve(),
    };
    this.active.set(state.runId, run);
    return run;
  }

  private async launch(run: ActiveRun, spec: AgentRunSpec): Promise<void> {
    try {
      const remainingMs = Date.parse(run.state.startedAt) + spec.deadlineSeconds * 1000 - Date.now();
      run.deadlineTimer = setTimeout(() => void this.stop(run, 'deadline'), Math.max(0, remainingMs));
      run.deadlineTimer.unref();
      await mkdir(run.layout.home, { recursive: true, mode: 0o700 });
      this.writeLog(run, `[aiworker] cloning ${spec.cloneUrl} (branch ${spec.defaultBranch})\n`);
      const cloned = await cloneRepository({
        cloneUrl: spec.cloneUrl,
        branch: spec.defaultBranch,
        token: spec.env.AIWORKER_GIT_TOKEN,
        dest: run.layout.repo,
        baseEnv: { ...this.baseEnv, HOME: run.layout.home },
        signal: run.cloneAbort?.signal ?? new AbortController().signal,
        onOutput: (text) => this.writeLog(run, text),
      });
      run.cloneAbort = undefined;
      if (run.stopping || (!cloned.ok && cloned.aborted)) {
        await this.finish(run, this.stoppedEnding(run));
        return;
      }
      if (!cloned.ok) {
        await this.finish(run, { kind: 'clone-failed', detail: cloned.message });
        return;
      }
      this.writeLog(run, '[aiworker] starting the agent\n');
      await run.logWrites;
      await this.spawnAgent(run, spec);
    } catch (error) {
      this.logger?.error({ err: error, runId: run.state.runId }, 'local agent run could not start');
      await this.finish(run, { kind: 'start-failed', detail: (error as Error).message });
    } finally {
      run.markLaunched();
    }
  }

  private async spawnAgent(run: ActiveRun, spec: AgentRunSpec): Promise<void> {
    const env = agentProcessEnvironment(spec.env, { ...this.baseEnv, HOME: run.layout.home }, this.agentEnv);
    const child = spawnAgentProcess({
      command: this.command,
      cwd: run.layout.repo,
      env,
      logFile: run.layout.log,
      exitCodeFile: run.layout.exitCode,
    });
    run.child = child;
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (error) => resolve(error));
    });
    if (spawned || child.pid === undefined) {
      await this.finish(run, { kind: 'start-failed', detail: spawned?.message ?? 'no process id' });
      return;
    }
    child.once('exit', (code, signal) => void this.onAgentExit(run, code, signal));
    await this.commitState(run, { ...run.state, phase: 'running', agent: await identify(child.pid) });
    this.emit(run);
    this.logger?.info({ runId: run.state.runId, pid: child.pid }, 'local agent started');
  }

  // ---- ending -----------------------------------------------------------------------------

  private async onAgentExit(
    run: ActiveRun,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): Promise<void> {
    await run.launched;
    if (isFinal(run.state.phase)) return;
    const pgid = run.state.agent?.pid;
    // Whatever the agent left running in its group (a dev server, a watcher) goes with it.
    if (pgid !== undefined && !run.stopping && (await isGroupAlive(pgid))) {
      void killGroup(pgid, this.killGraceMs).catch(() => undefined);
    }
    let ending: RunEnding;
    if (run.stopping) ending = this.stoppedEnding(run);
    else if (code !== null) ending = { kind: 'exited', code };
    else ending = { kind: 'signalled', signal: signal ?? 'a signal' };
    await this.finish(run, ending);
  }

  private stoppedEnding(run: ActiveRun): RunEnding {
    if (run.stopping === 'deadline') return { kind: 'deadline', seconds: run.state.deadlineSeconds };
    if (run.stopping === 'cancel') return { kind: 'cancelled' };
    return { kind: 'interrupted' };
  }

  private async stop(run: ActiveRun, reason: StopReason): Promise<void> {
    if (isFinal(run.state.phase)) return;
    if (!run.stopping) {
      run.stopping = reason;
      this.logger?.info({ runId: run.state.runId, reason }, 'stopping local agent run');
      run.cloneAbort?.abort();
      // Past this point the agent either runs (and has a pid) or the run has already ended.
      await run.launched;
      await this.killAgent(run);
      // An adopted run gets no exit event: once its group is gone, it ends here.
      if (run.adopted) await this.finish(run, this.stoppedEnding(run));
    }
    await run.settled;
  }

  private async killAgent(run: ActiveRun): Promise<void> {
    const agent = run.state.agent;
    if (!agent || isFinal(run.state.phase)) return;
    if (await isPidReused(agent)) return; // the group is long gone; that pid is someone else now
    await killGroup(agent.pid, this.killGraceMs);
  }

  private async finish(run: ActiveRun, ending: RunEnding): Promise<void> {
    if (run.finishing || isFinal(run.state.phase)) return;
    run.finishing = true;
    const outcome = describeEnding(ending);
    clearTimeout(run.deadlineTimer);
    this.writeLog(run, `[aiworker] ${outcome.message}\n`);
    await run.logWrites;
    await run.follower.poll();
    await this.commitState(run, {
      ...run.state,
      phase: outcome.phase,
      ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
      message: outcome.message,
      finishedAt: new Date().toISOString(),
      logTail: run.tail.toString(),
    });
    if (this.active.get(run.state.runId) === run) this.active.delete(run.state.runId);
    this.logger?.info(
      { runId: run.state.runId, phase: outcome.phase, exitCode: outcome.exitCode },
      outcome.message,
    );
    this.emit(run);
    run.markSettled();
  }

  // ---- persistence and output -------------------------------------------------------------

  /**
   * On disk first, then in memory: whatever status() has reported is what a runner started
   * after a crash finds (an agent's pid above all, or it could never be stopped).
   */
  private async commitState(run: ActiveRun, next: RunState): Promise<void> {
    run.stateWrites = run.stateWrites
      .then(() => writeRunState(run.layout.state, next))
      .catch((error) => this.logger?.error({ err: error, runId: next.runId }, 'writing run state failed'));
    await run.stateWrites;
    run.state = next;
  }

  private writeLog(run: ActiveRun, text: string): void {
    run.logWrites = run.logWrites
      .then(() => appendFile(run.layout.log, text, { mode: 0o600 }))
      .catch(() => undefined);
  }

  private emit(run: ActiveRun): void {
    const externalId = externalIdOf(run.state.runId);
    const status = statusOf(run.state, run.tail.toString());
    for (const listener of this.listeners) {
      try {
        listener(externalId, run.state.runId, status);
      } catch (error) {
        this.logger?.error({ err: error }, 'run watcher threw');
      }
    }
  }

  // ---- runs found on disk -----------------------------------------------------------------

  private async runIdsOnDisk(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    return names
      .map(runIdOf)
      .filter((id): id is number => id !== null)
      .sort((a, b) => a - b);
  }

  /** Picks up the runs an earlier runner (before a restart) left unfinished. */
  private async discover(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    for (const runId of await this.runIdsOnDisk()) {
      const layout = runLayout(this.root, runId);
      const state = await readRunState(layout.state);
      if (!state || isFinal(state.phase) || this.active.has(runId)) continue;
      const run = this.track(layout, state, 'adopted');
      run.markLaunched();
      await this.refreshAdopted(run);
    }
    await this.prune(Date.now()).catch((error) => this.logger?.warn({ err: error }, 'pruning runs failed'));
  }

  /** What became of a run this instance did not start: read from /proc and the run's files. */
  private async refreshAdopted(run: ActiveRun): Promise<void> {
    if (!run.adopted || run.stopping || isFinal(run.state.phase)) return;
    await run.follower.poll();
    if (run.state.phase === 'pending') {
      if (!(await isAlive(run.state.owner))) await this.finish(run, { kind: 'lost', during: 'clone' });
      return;
    }
    const code = await readRecordedExitCode(run.layout.exitCode);
    if (code !== null) {
      await this.finish(run, { kind: 'exited', code });
      return;
    }
    const agent = run.state.agent;
    if (!agent || !(await isAlive(agent))) {
      // The exit-code file is written before the wrapper exits: look once more, then call it lost.
      const late = await readRecordedExitCode(run.layout.exitCode);
      await this.finish(
        run,
        late !== null ? { kind: 'exited', code: late } : { kind: 'lost', during: 'agent' },
      );
      return;
    }
    const deadline = Date.parse(run.state.startedAt) + run.state.deadlineSeconds * 1000;
    if (Date.now() >= deadline) await this.stop(run, 'deadline');
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      await this.ready;
      for (const run of [...this.active.values()]) {
        await run.follower.poll();
        await this.refreshAdopted(run);
      }
    } catch (error) {
      this.logger?.warn({ err: error }, 'checking local runs failed');
    } finally {
      this.polling = false;
    }
  }
}
