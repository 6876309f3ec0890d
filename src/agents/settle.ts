import { getRepoById, type RepoRow } from '../db/repos.ts';
import { finishRun, getRunRow, type RunRow, recordStopNote } from '../db/runs.ts';
import { applySubtaskEvent } from '../db/subtasks.ts';
import { getTask, type TaskRow } from '../db/tasks.ts';
import { isRetryable } from '../domain/errors.ts';
import { withIssueLock } from '../publish/issue-lock.ts';
import { type AgentRunDeps, type DispatcherSettings, gitTokenName, isFinal, runLock } from './run-deps.ts';
import {
  decideOutcome,
  decodeStopNote,
  encodeStopNote,
  renderRunCancelled,
  renderRunFailure,
  type StopReason,
} from './run-report.ts';
import { revokeRunTokens } from './run-tokens.ts';
import type { AgentRunner, RunStatus } from './runners/types.ts';

/**
 * Step 3 of a run, settle: the runner's watch, and the periodic reconcile, end the run: tokens
 * revoked, the real error shown on the issue, the subtask moved on, and the freed slot handed
 * to the next ready subtask (`onFreed`).
 */
export class RunSettler {
  constructor(
    private readonly deps: AgentRunDeps,
    private readonly runner: AgentRunner,
    private readonly settings: DispatcherSettings,
    private readonly onFreed: () => Promise<void>,
  ) {}

  /** Ends a run the runner reports as finished. Safe to call any number of times, anywhere. */
  async settle(runId: number, status: RunStatus): Promise<void> {
    if (!isFinal(status)) return;
    const ended = await this.deps.locks.hold(runLock(runId), async () => {
      const run = await getRunRow(this.deps.db, runId);
      if (!run || run.finishedAt !== null) return false;
      await this.settleLocked(run, status);
      return true;
    });
    if (ended) await this.onFreed();
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
    if (stopped) await this.onFreed();
    return stopped;
  }

  /**
   * Ends a run, once: tokens revoked, the notice posted, the run row finished and the subtask
   * moved on in one transaction. The caller holds the run's lock (launch and settle do).
   */
  async settleLocked(run: RunRow, status: RunStatus, stopReason?: StopReason): Promise<void> {
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
    if (moved) await this.deps.publisher.subtask(task.id);
  }

  private async deleteGitToken(run: RunRow): Promise<void> {
    const { botPassword, botLogin } = this.settings;
    if (!botPassword) return;
    try {
      await this.deps.gitea.tokens.delete(botLogin, botPassword, gitTokenName(run.id));
    } catch (error) {
      if (isRetryable(error)) throw error;
      this.deps.log.error(
        { err: error, runId: run.id },
        `could not delete the git token ${gitTokenName(run.id)}; delete it in Gitea`,
      );
    }
  }

  private async openPullRequestOn(repo: RepoRow, branch: string): Promise<number | null> {
    const open = await this.deps.gitea.pulls.list(repo.owner, repo.name, { state: 'open' });
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
      await withIssueLock(this.deps.locks, repo, run.issueNumber, () =>
        this.deps.comments.ensure(issue, { kind: 'run', attrs: { run: run.id, event: notice } }, body),
      );
    } catch (error) {
      // Gitea being down is worth another try; a tripped loop breaker must not keep the run open.
      if (isRetryable(error)) throw error;
      this.deps.log.warn({ err: error, runId: run.id }, 'run notice not posted');
    }
  }

  /** Cancels runs on someone's request; returns those that were still going. */
  async cancelRuns(runs: readonly RunRow[], by: string): Promise<RunRow[]> {
    const stopped: RunRow[] = [];
    for (const run of runs) {
      if (await this.stop(run.id, { kind: 'cancelled', by })) stopped.push(run);
    }
    return stopped;
  }
}
