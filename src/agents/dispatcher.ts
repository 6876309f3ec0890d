import type { RepoConfig } from '../config/repo-config.ts';
import { claimCause, isDispatchHeld, markCauseRefused } from '../db/audit.ts';
import type { Tx } from '../db/client.ts';
import { getRepoById, type RepoRow, reposById } from '../db/repos.ts';
import {
  claimSubtaskRun,
  countActiveRuns,
  type DispatchCandidate,
  finishRun,
  getRunRow,
  latestRunOf,
  listActiveRuns,
  listReadyCandidates,
  markRunLaunching,
  markRunStarted,
  type RunRow,
  recordStopNote,
} from '../db/runs.ts';
import { applySubtaskEvent, listSubtaskTasks } from '../db/subtasks.ts';
import { getTask, type TaskRow } from '../db/tasks.ts';
import { isRetryable } from '../domain/errors.ts';
import type { WorkJob } from '../domain/work.ts';
import type { GiteaPick } from '../gitea/client.ts';
import type { BotDeps } from '../handlers/bot.ts';
import { publishSubtask, withIssueLock } from '../handlers/publish.ts';
import { runBranch } from './branch.ts';
import {
  decideOutcome,
  decodeStopNote,
  encodeStopNote,
  renderRunCancelled,
  renderRunFailure,
  type StopReason,
} from './run-report.ts';
import { issueRunToken, revokeRunTokens } from './run-tokens.ts';
import type { AgentRunner, AgentRunSpec, RunStatus } from './runners/types.ts';
import { selectForDispatch, type WaitReason } from './selection.ts';
import { watchdogVerdict } from './watchdog.ts';

/**
 * Ready subtasks become agent runs (docs/architecture.md §1 step 6, §5, and §2 on the agent's environment), in three steps that can each
 * crash and be repeated:
 *
 * 1. claim — under one MariaDB named lock for every worker, the free slots are counted and the
 *    chosen subtasks move to `running` with a `queued` run row, each in the same transaction
 *    as its row insert. Two workers racing for one subtask end with one run.
 * 2. launch — a `dispatch` work job per claimed run (keyed by the subtask's state version):
 *    the run gets its MCP token and git token and the runner starts it. Runners start
 *    idempotently by run id, and a launch interrupted after the runner took the run finds it
 *    through `runner.list()` instead of starting a second process.
 * 3. settle — the runner's watch, and a periodic reconcile with `runner.list()`/`status()`
 *    (which is also how a restarted bot re-attaches), end the run: tokens revoked, the real
 *    error shown on the issue, the subtask moved on, and the freed slot handed to the next
 *    ready subtask.
 */

/** The Gitea calls the dispatcher makes besides the bot's comments and labels. */
export type AgentsGitea = GiteaPick<{ repos: 'get'; tokens: 'create' | 'delete'; pulls: 'list' }>;

export interface DispatcherSettings {
  /** What `agent_runs.runner` records. */
  runnerKind: string;
  /** AGENT_MAX_CONCURRENT: runs at once over every repository. */
  maxConcurrent: number;
  /** PUBLIC_URL: the agent reaches MCP at `${publicUrl}/mcp`. */
  publicUrl: string;
  /** GITEA_URL as agents reach it. */
  giteaUrl: string;
  /** The bot's login (per-run git tokens are minted under it). */
  botLogin: string;
  /** GITEA_BOT_PASSWORD: when set, a git token is minted per run and deleted when it ends. */
  botPassword?: string;
  /** AGENT_GIT_TOKEN: the shared push token when no per-run token can be minted. */
  agentGitToken?: string;
  /** Where the runner clones from; default the repository's clone URL as Gitea reports it. */
  cloneUrlFor?: (repo: RepoRow) => string | Promise<string>;
  /** Scopes of minted git tokens. Default `write:repository`. */
  gitTokenScopes?: readonly string[];
  /** How long a run token outlives the run's deadline. Default 120 s. */
  tokenGraceSeconds?: number;
}

export type CauseEntry = Parameters<typeof claimCause>[1];

export interface ClaimRequest {
  /** Which subtasks: one feature's, some by task id, or (neither) every ready one. */
  scope: { featureId?: number; taskIds?: readonly number[] };
  /** Automatic dispatch: only repositories with `agents.dispatch: auto`, features not held by `/cancel`. */
  automatic: boolean;
  /** A command's cause key, claimed in the same transaction (a redelivered comment claims nothing). */
  cause?: CauseEntry;
  /** Writes in the same transaction before the selection (e.g. `/retry` moving failed → ready); a string refuses. */
  prepare?: (tx: Tx) => Promise<string | null>;
}

export type ClaimResult =
  | { kind: 'replayed' }
  | { kind: 'refused'; reason: string }
  | {
      kind: 'claimed';
      started: RunRow[];
      waiting: Array<{ issueNumber: number; limit: WaitReason; max: number }>;
    };

/** A message a person reads when a launch cannot work at all (no retry would help). */
class LaunchRefused extends Error {}

const LOST_MESSAGE =
  'Lost: the runner no longer knows this run (its process or Job disappeared while AiWorker was not watching)';
const DISPATCH_LOCK = 'aiworker:dispatch';

const runLock = (runId: number) => `aiworker:agent-run:${runId}`;

export class Dispatcher {
  private unwatch: (() => void) | null = null;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  /** Settles started from the runner's watch, awaited at close. */
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly deps: BotDeps,
    private readonly gitea: AgentsGitea,
    readonly runner: AgentRunner,
    readonly settings: DispatcherSettings,
  ) {}

  /** Follows the runner's phase changes until `close()`. */
  watch(): void {
    if (this.unwatch) return;
    this.unwatch = this.runner.watch((_externalId, runId, status) => {
      if (!isFinal(status)) return;
      const settling = this.settle(runId, status)
        .catch((error: unknown) =>
          this.deps.log.warn({ err: error, runId }, 'could not settle an agent run; the reconcile will'),
        )
        .finally(() => this.inFlight.delete(settling));
      this.inFlight.add(settling);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
    this.unwatch = null;
    await Promise.all([...this.inFlight]);
    await this.pumping?.catch(() => undefined);
  }

  // ── claiming ──────────────────────────────────────────────────────────────────────────

  /** Claims what may start now within the limits (see ClaimRequest); launches are queued. */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { db, locks } = this.deps;
    // Settings are read before the lock (they may need Gitea); new repos found inside are read there.
    const configs = new Map<number, RepoConfig | null>();
    await this.loadConfigs(configs, await listReadyCandidates(db, request.scope));
    const result = await locks.hold(DISPATCH_LOCK, () =>
      db.transaction(async (tx): Promise<ClaimResult> => {
        if (request.cause && !(await claimCause(tx, request.cause))) return { kind: 'replayed' };
        const refusal = request.prepare ? await request.prepare(tx) : null;
        if (refusal !== null) {
          // The cause stays claimed (a redelivery is refused the same way), recorded as refused.
          if (request.cause) await markCauseRefused(tx, request.cause.causeKey, refusal);
          return { kind: 'refused', reason: refusal };
        }
        let candidates = await listReadyCandidates(tx, request.scope);
        await this.loadConfigs(configs, candidates);
        candidates = candidates.filter((c) => configs.get(c.repoId));
        if (request.automatic) candidates = await this.automaticOnly(tx, candidates, configs);
        const perRepo = new Map(
          [...configs].flatMap(([id, config]) =>
            config ? [[id, config.agents.maxConcurrent] as const] : [],
          ),
        );
        const limits = { global: this.settings.maxConcurrent, perRepo };
        const selection = selectForDispatch(candidates, await countActiveRuns(tx), limits);
        const started: RunRow[] = [];
        for (const candidate of selection.chosen) {
          const claimed = await claimSubtaskRun(tx, {
            taskId: candidate.taskId,
            runner: this.settings.runnerKind,
            branch: (task) => runBranch(task.issueNumber, task.title || `task ${task.issueNumber}`),
          });
          if (claimed.ok) started.push(claimed.run);
          else
            this.deps.log.info(
              { issue: candidate.issueNumber, reason: claimed.reason },
              'subtask not claimed',
            );
        }
        return {
          kind: 'claimed',
          started,
          waiting: selection.waiting.map(({ candidate, limit }) => ({
            issueNumber: candidate.issueNumber,
            limit,
            max: limit === 'global' ? limits.global : (perRepo.get(candidate.repoId) ?? limits.global),
          })),
        };
      }),
    );
    if (result.kind === 'claimed') {
      for (const run of result.started) {
        this.deps.log.info(
          { runId: run.id, issue: run.issueNumber, attempt: run.attempt },
          'agent run claimed',
        );
        await publishSubtask(this.deps, run.taskId).catch((error: unknown) =>
          this.deps.log.warn({ err: error, issue: run.issueNumber }, 'running label not shown yet'),
        );
        await this.enqueueLaunch(run);
      }
    }
    return result;
  }

  /** Starts whatever ready subtasks of auto-dispatch repositories fit now. Coalesced per process. */
  pump(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    const run = async () => {
      do {
        this.pumpAgain = false;
        await this.claim({ scope: {}, automatic: true });
      } while (this.pumpAgain && !this.closed);
    };
    this.pumping = run().finally(() => {
      this.pumping = null;
    });
    return this.pumping;
  }

  private async loadConfigs(
    configs: Map<number, RepoConfig | null>,
    candidates: readonly DispatchCandidate[],
  ): Promise<void> {
    const missing = [...new Set(candidates.map((c) => c.repoId))].filter((id) => !configs.has(id));
    for (const repo of await reposById(this.deps.db, missing)) {
      const settings = await this.deps.settings.recent(repo.owner, repo.name, repo.defaultBranch);
      // A broken config file stops everything in that repository until it is fixed.
      configs.set(repo.id, settings.ok ? settings.config : null);
    }
  }

  private async automaticOnly(
    tx: Tx,
    candidates: DispatchCandidate[],
    configs: Map<number, RepoConfig | null>,
  ): Promise<DispatchCandidate[]> {
    const auto = candidates.filter((c) => configs.get(c.repoId)?.agents.dispatch === 'auto');
    const held = new Map<number, boolean>();
    const kept: DispatchCandidate[] = [];
    for (const candidate of auto) {
      if (!held.has(candidate.featureId)) {
        const feature = await getTask(tx, candidate.featureId);
        const repo = await getRepoById(tx, candidate.repoId);
        held.set(candidate.featureId, await isDispatchHeld(tx, repo.fullName, feature.issueNumber));
      }
      if (!held.get(candidate.featureId)) kept.push(candidate);
    }
    return kept;
  }

  private async enqueueLaunch(run: RunRow): Promise<void> {
    const task = await getTask(this.deps.db, run.taskId);
    await this.deps.enqueueWork({ kind: 'dispatch', taskId: task.id, version: task.stateVersion });
  }

  // ── the dispatch work job ─────────────────────────────────────────────────────────────

  /**
   * A `dispatch` job: for a subtask that is running, launch its queued run; then hand free
   * slots to ready subtasks (readiness changes queue one of these per ready subtask).
   */
  async processJob(job: WorkJob): Promise<void> {
    const task = await getTask(this.deps.db, job.taskId).catch(() => null);
    if (task?.kind === 'subtask' && task.state === 'running') {
      const run = await latestRunOf(this.deps.db, task.id);
      if (run && run.status === 'queued' && run.finishedAt === null) await this.launch(run.id);
    }
    await this.pump();
  }

  // ── launching ─────────────────────────────────────────────────────────────────────────

  /** Starts a queued run on the runner, once, whoever asks and however often. */
  async launch(runId: number): Promise<void> {
    await this.deps.locks.hold(runLock(runId), () => this.launchLocked(runId), {
      timeoutSeconds: 120,
    });
  }

  private async launchLocked(runId: number): Promise<void> {
    const { db, log } = this.deps;
    const run = await getRunRow(db, runId);
    if (run?.status !== 'queued' || run.finishedAt !== null) return;
    const task = await getTask(db, run.taskId);
    if (task.state !== 'running') {
      await this.settleLocked(run, { phase: 'cancelled' }, { kind: 'subtask-closed' });
      return;
    }
    const repo = await getRepoById(db, run.repoId);
    if (run.startedAt !== null) {
      // An earlier launch got this far: if the runner took the run, adopt it; tokens stay as they are.
      const known = (await this.runner.list()).find((entry) => entry.runId === run.id);
      if (known) {
        await markRunStarted(db, run.id, {
          externalId: known.externalId,
          startedAt: run.startedAt,
          deadlineAt: new Date(run.startedAt.getTime() + (await this.timeoutMinutes(repo)) * 60_000),
        });
        if (isFinal(known.status))
          await this.settleLocked({ ...run, externalId: known.externalId, status: 'running' }, known.status);
        return;
      }
    }
    const startedAt = new Date();
    await markRunLaunching(db, run.id, startedAt);
    const minutes = await this.timeoutMinutes(repo);
    let spec: AgentRunSpec;
    try {
      spec = await this.runSpec(run, repo, minutes);
    } catch (error) {
      if (!(error instanceof LaunchRefused)) throw error;
      await this.settleLocked(run, { phase: 'failed', message: error.message });
      return;
    }
    let externalId: string;
    try {
      externalId = (await this.runner.start(spec)).externalId;
    } catch (error) {
      if (isRetryable(error)) throw error;
      await this.settleLocked(run, {
        phase: 'failed',
        message: `the runner could not start the agent: ${(error as Error).message}`,
      });
      return;
    }
    await markRunStarted(db, run.id, {
      externalId,
      startedAt,
      deadlineAt: new Date(startedAt.getTime() + minutes * 60_000),
    });
    log.info({ runId: run.id, issue: run.issueNumber, externalId }, 'agent run started');
  }

  /** Exactly the agent's environment of docs/architecture.md §2, with fresh tokens (the old ones of this run die first). */
  private async runSpec(run: RunRow, repo: RepoRow, minutes: number): Promise<AgentRunSpec> {
    const { db } = this.deps;
    const gitToken = await this.gitTokenFor(run);
    await revokeRunTokens(db, run.id);
    const mcp = await issueRunToken(db, {
      runId: run.id,
      repoId: repo.id,
      issueNumber: run.issueNumber,
      ttlSeconds: minutes * 60 + (this.settings.tokenGraceSeconds ?? 120),
    });
    const cloneUrl = this.settings.cloneUrlFor
      ? await this.settings.cloneUrlFor(repo)
      : (await this.gitea.repos.get(repo.owner, repo.name)).cloneUrl;
    return {
      runId: run.id,
      repo: repo.fullName,
      issueNumber: run.issueNumber,
      attempt: run.attempt,
      cloneUrl,
      defaultBranch: repo.defaultBranch,
      deadlineSeconds: minutes * 60,
      env: {
        AIWORKER_MCP_URL: `${this.settings.publicUrl.replace(/\/+$/, '')}/mcp`,
        AIWORKER_MCP_TOKEN: mcp.token,
        AIWORKER_TASK: `${repo.fullName}#${run.issueNumber}`,
        AIWORKER_RUN_ID: String(run.id),
        GITEA_URL: this.settings.giteaUrl,
        AIWORKER_GIT_TOKEN: gitToken,
        AIWORKER_BRANCH: run.branch,
      },
    };
  }

  private async gitTokenFor(run: RunRow): Promise<string> {
    const { botPassword, agentGitToken, botLogin } = this.settings;
    if (botPassword) {
      const name = gitTokenName(run.id);
      try {
        // A token of an interrupted launch cannot be read again: replace it.
        await this.gitea.tokens.delete(botLogin, botPassword, name);
        const token = await this.gitea.tokens.create(botLogin, botPassword, name, [
          ...(this.settings.gitTokenScopes ?? ['write:repository']),
        ]);
        if (!token.token) throw new LaunchRefused(`Gitea minted the git token ${name} without a value`);
        return token.token;
      } catch (error) {
        if (isRetryable(error) || error instanceof LaunchRefused) throw error;
        throw new LaunchRefused(
          `AiWorker could not mint a git token for the agent as ${botLogin} (POST /users/${botLogin}/tokens): ${(error as Error).message}. Check GITEA_BOT_PASSWORD.`,
        );
      }
    }
    if (agentGitToken) return agentGitToken;
    throw new LaunchRefused(
      'AiWorker has no git token to give the agent: set GITEA_BOT_PASSWORD (a token is minted for each run and deleted when it ends) or AGENT_GIT_TOKEN (the token of an account with write access to the repository)',
    );
  }

  private async timeoutMinutes(repo: RepoRow): Promise<number> {
    return (await this.configOf(repo))?.agents.timeoutMinutes ?? 60;
  }

  private async configOf(repo: RepoRow): Promise<RepoConfig | null> {
    const settings = await this.deps.settings.recent(repo.owner, repo.name, repo.defaultBranch);
    return settings.ok ? settings.config : null;
  }

  // ── ending ────────────────────────────────────────────────────────────────────────────

  /** Ends a run the runner reports as finished. Safe to call any number of times, anywhere. */
  async settle(runId: number, status: RunStatus): Promise<void> {
    if (!isFinal(status)) return;
    const ended = await this.deps.locks.hold(runLock(runId), async () => {
      const run = await getRunRow(this.deps.db, runId);
      if (!run || run.finishedAt !== null) return false;
      await this.settleLocked(run, status);
      return true;
    });
    if (ended) await this.pump();
  }

  /**
   * Stops a run (cancel, watchdog): the reason is written first, so whichever worker sees the
   * runner's report settles it with the right words; then the runner stops it.
   */
  async stop(runId: number, reason: StopReason): Promise<boolean> {
    const stopped = await this.deps.locks.hold(
      runLock(runId),
      async () => {
        const run = await getRunRow(this.deps.db, runId);
        if (!run || run.finishedAt !== null) return false;
        await recordStopNote(this.deps.db, run.id, encodeStopNote(reason));
        let last: RunStatus | null = null;
        if (run.externalId) {
          await this.runner.cancel(run.externalId);
          last = await this.runner.status(run.externalId).catch(() => null);
        }
        const phase = reason.kind === 'deadline' || reason.kind === 'silent' ? 'failed' : 'cancelled';
        await this.settleLocked(run, { ...(last ?? {}), phase }, reason);
        return true;
      },
      { timeoutSeconds: 120 },
    );
    if (stopped) await this.pump();
    return stopped;
  }

  private async settleLocked(run: RunRow, status: RunStatus, stopReason?: StopReason): Promise<void> {
    const { db, log } = this.deps;
    const phase =
      status.phase === 'succeeded' || status.phase === 'failed' || status.phase === 'cancelled'
        ? status.phase
        : 'failed';
    const task = await getTask(db, run.taskId);
    const repo = await getRepoById(db, run.repoId);
    let prNumber = run.prNumber;
    if (phase === 'succeeded' && prNumber === null) prNumber = await this.openPullRequestOn(repo, run.branch);
    const outcome = decideOutcome({
      rowStatus: run.status,
      phase,
      exitCode: status.exitCode,
      message: status.message,
      prNumber,
      stop: stopReason ?? decodeStopNote(run.result),
    });
    // Tokens die before the run is recorded as ended: a crash in between repeats this, never leaks.
    await revokeRunTokens(db, run.id);
    await this.deleteGitToken(run);
    if (outcome.notice) await this.postNotice(run, task, repo, outcome.notice, outcome.reason, status);
    const moved = await db.transaction(async (tx) => {
      const ended = await finishRun(tx, run.id, {
        status: outcome.status,
        result: outcome.reason,
        exitCode: status.exitCode ?? null,
        logTail: status.logTail ?? null,
        prNumber,
        finishedAt: status.finishedAt ?? new Date(),
      });
      if (!ended || !outcome.subtaskEvent) return false;
      return (await applySubtaskEvent(tx, task.id, outcome.subtaskEvent)).moved;
    });
    log.info(
      { runId: run.id, issue: run.issueNumber, status: outcome.status, reason: outcome.reason, moved },
      'agent run ended',
    );
    if (moved) await publishSubtask(this.deps, task.id);
  }

  private async deleteGitToken(run: RunRow): Promise<void> {
    const { botPassword, botLogin } = this.settings;
    if (!botPassword) return;
    try {
      await this.gitea.tokens.delete(botLogin, botPassword, gitTokenName(run.id));
    } catch (error) {
      if (isRetryable(error)) throw error;
      this.deps.log.error(
        { err: error, runId: run.id },
        `could not delete the git token ${gitTokenName(run.id)}; delete it in Gitea`,
      );
    }
  }

  private async openPullRequestOn(repo: RepoRow, branch: string): Promise<number | null> {
    const open = await this.gitea.pulls.list(repo.owner, repo.name, { state: 'open' });
    return open.find((pr) => pr.head.ref === branch)?.number ?? null;
  }

  private async postNotice(
    run: RunRow,
    task: TaskRow,
    repo: RepoRow,
    notice: 'failure' | 'cancelled',
    reason: string,
    status: RunStatus,
  ): Promise<void> {
    const parent =
      task.parentTaskId !== null ? await getTask(this.deps.db, task.parentTaskId).catch(() => null) : null;
    const view = {
      runId: run.id,
      attempt: run.attempt,
      issueNumber: run.issueNumber,
      parentIssueNumber: parent?.issueNumber ?? null,
      branch: run.branch,
      runner: run.runner,
      reason,
      exitCode: status.exitCode ?? null,
      logTail: status.logTail ?? null,
      secrets: [...this.deps.secrets, ...(this.settings.agentGitToken ? [this.settings.agentGitToken] : [])],
    };
    const body = notice === 'failure' ? renderRunFailure(view) : renderRunCancelled(view);
    const issue = { owner: repo.owner, repo: repo.name, number: run.issueNumber };
    try {
      await withIssueLock(this.deps, repo, run.issueNumber, () =>
        this.deps.comments.ensure(issue, { kind: 'run', attrs: { run: run.id, event: notice } }, body),
      );
    } catch (error) {
      // Gitea being down is worth another try; a tripped loop breaker must not keep the run open.
      if (isRetryable(error)) throw error;
      this.deps.log.warn({ err: error, runId: run.id }, 'run notice not posted');
    }
  }

  // ── cancelling ────────────────────────────────────────────────────────────────────────

  /** Cancels runs on someone's request; returns those that were still going. */
  async cancelRuns(runs: readonly RunRow[], by: string): Promise<RunRow[]> {
    const stopped: RunRow[] = [];
    for (const run of runs) {
      if (await this.stop(run.id, { kind: 'cancelled', by })) stopped.push(run);
    }
    return stopped;
  }

  // ── reconcile and watchdog ───────────────────────────────────────────────────────────

  /**
   * Brings the database and the runner into agreement: queued runs are launched, ended runs
   * settled, lost runs failed, overdue or silent runs stopped, runs the database considers
   * over but the runner still works on are stopped, and free slots are filled. Run at start
   * (re-attach after a restart) and periodically.
   */
  async reconcile(now: Date = new Date()): Promise<void> {
    const { db, log } = this.deps;
    const active = await listActiveRuns(db);
    const listed = new Map((await this.runner.list()).map((entry) => [entry.runId, entry]));
    for (const run of active) {
      try {
        if (run.status === 'queued') {
          await this.launch(run.id);
          continue;
        }
        const status =
          listed.get(run.id)?.status ?? (run.externalId ? await this.runner.status(run.externalId) : null);
        if (!status) {
          await this.settle(run.id, { phase: 'failed', message: LOST_MESSAGE });
          continue;
        }
        if (isFinal(status)) {
          await this.settle(run.id, status);
          continue;
        }
        const task = await getTask(db, run.taskId);
        if (task.state === 'done') {
          await this.stop(run.id, { kind: 'subtask-closed' });
          continue;
        }
        const config = await this.configOf(await getRepoById(db, run.repoId));
        const verdict = watchdogVerdict(run, now, {
          timeoutMinutes: config?.agents.timeoutMinutes ?? 60,
          silenceMinutes: config?.agents.silenceMinutes ?? 15,
        });
        if (verdict) {
          log.warn({ runId: run.id, issue: run.issueNumber, verdict }, 'watchdog stops an agent run');
          await this.stop(run.id, verdict);
        }
      } catch (error) {
        log.warn({ err: error, runId: run.id }, 'reconciling an agent run failed; trying again later');
      }
    }
    const activeIds = new Set(active.map((r) => r.id));
    for (const [runId, entry] of listed) {
      if (activeIds.has(runId) || isFinal(entry.status)) continue;
      const row = await getRunRow(db, runId);
      // A run the database knows as ended (e.g. cancelled while this process was down) must not work on.
      if (row?.finishedAt || (!row && runId > 0)) {
        log.warn({ runId, externalId: entry.externalId }, 'stopping an agent run AiWorker no longer tracks');
        await this.runner
          .cancel(entry.externalId)
          .catch((error: unknown) => log.warn({ err: error, runId }, 'could not stop it'));
      }
    }
    await this.pump();
  }
}

function isFinal(status: Pick<RunStatus, 'phase'>): boolean {
  return status.phase === 'succeeded' || status.phase === 'failed' || status.phase === 'cancelled';
}

/** The name of a run's minted git token (deterministic, so it can be deleted after a restart). */
export function gitTokenName(runId: number): string {
  return `aiworker-run-${runId}`;
}

// ── reaching the dispatcher from handlers and commands ─────────────────────────────────

const dispatchers = new WeakMap<object, Dispatcher>();

/** Makes the dispatcher reachable from handlers and commands that hold these deps. */
export function attachDispatcher(deps: BotDeps, dispatcher: Dispatcher): void {
  dispatchers.set(deps, dispatcher);
}

export function detachDispatcher(deps: BotDeps): void {
  dispatchers.delete(deps);
}

/** The dispatcher of these deps; undefined when no runner is configured (AGENT_RUNNER=none). */
export function dispatcherOf(deps: object): Dispatcher | undefined {
  return dispatchers.get(deps);
}

/**
 * Tells the dispatcher that subtasks of a feature may have become ready (an issue closed, the
 * decomposition finished). Queues one `dispatch` job per ready subtask, keyed by its state
 * version, so a redelivered event queues nothing new. A no-op without a runner.
 */
export async function onSubtasksReady(
  deps: Pick<BotDeps, 'db' | 'enqueueWork'>,
  featureId: number,
): Promise<void> {
  if (!dispatcherOf(deps)) return;
  const ready = (await listSubtaskTasks(deps.db, featureId)).filter((t) => t.state === 'ready');
  for (const task of ready)
    await deps.enqueueWork({ kind: 'dispatch', taskId: task.id, version: task.stateVersion });
}
