import type { RunRow } from '../db/runs.ts';
import { latestRunOf } from '../db/runs.ts';
import { listSubtaskTasks } from '../db/subtasks.ts';
import { getTask } from '../db/tasks.ts';
import type { WorkJob } from '../domain/work.ts';
import { RunClaims } from './claims.ts';
import type { AgentControl, ClaimRequest, ClaimResult } from './control.ts';
import { RunLauncher } from './launch.ts';
import { reconcileRuns } from './reconcile.ts';
import { type AgentRunDeps, type DispatcherSettings, isFinal } from './run-deps.ts';
import type { AgentRunner } from './runners/types.ts';
import { RunSettler } from './settle.ts';

/**
 * Ready subtasks become agent runs (docs/architecture.md §1 step 6 and §5), in three steps
 * that can each crash and be repeated: claim (claims.ts), launch (launch.ts) and settle
 * (settle.ts). The runner's watch settles runs as they end; the periodic reconcile
 * (reconcile.ts) is how a restarted bot re-attaches, and where the watchdog stops runs.
 */
export class Dispatcher implements AgentControl {
  private readonly claims: RunClaims;
  private readonly launcher: RunLauncher;
  private readonly settler: RunSettler;
  private unwatch: (() => void) | null = null;
  /** Settles started from the runner's watch, awaited at close. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: AgentRunDeps,
    readonly runner: AgentRunner,
    readonly settings: DispatcherSettings,
  ) {
    this.claims = new RunClaims(deps, settings);
    this.settler = new RunSettler(deps, runner, settings, () => this.claims.pump());
    this.launcher = new RunLauncher(deps, runner, settings, this.settler);
  }

  /** Follows the runner's phase changes until `close()`. */
  watch(): void {
    if (this.unwatch) return;
    this.unwatch = this.runner.watch((_externalId, runId, status) => {
      if (!isFinal(status)) return;
      const settling = this.settler
        .settle(runId, status)
        .catch((error: unknown) =>
          this.deps.log.warn({ err: error, runId }, 'could not settle an agent run; the reconcile will'),
        )
        .finally(() => this.inFlight.delete(settling));
      this.inFlight.add(settling);
    });
  }

  async close(): Promise<void> {
    const pumpsEnd = this.claims.close(); // no new pump from here on, not even a settle's
    this.unwatch?.();
    this.unwatch = null;
    await Promise.all([...this.inFlight]);
    await pumpsEnd;
  }

  claim(request: ClaimRequest): Promise<ClaimResult> {
    return this.claims.claim(request);
  }

  /** Starts whatever ready subtasks of auto-dispatch repositories fit now. Coalesced per process. */
  pump(): Promise<void> {
    return this.claims.pump();
  }

  cancelRuns(runs: readonly RunRow[], by: string): Promise<RunRow[]> {
    return this.settler.cancelRuns(runs, by);
  }

  async subtasksReady(featureId: number): Promise<void> {
    const ready = (await listSubtaskTasks(this.deps.db, featureId)).filter((t) => t.state === 'ready');
    for (const task of ready)
      await this.deps.work.enqueue({ kind: 'dispatch', taskId: task.id, version: task.stateVersion });
  }

  /**
   * A `dispatch` job: for a subtask that is running, launch its queued run; then hand free
   * slots to ready subtasks (readiness changes queue one of these per ready subtask).
   */
  async processJob(job: WorkJob): Promise<void> {
    const task = await getTask(this.deps.db, job.taskId).catch(() => null);
    if (task?.kind === 'subtask' && task.state === 'running') {
      const run = await latestRunOf(this.deps.db, task.id);
      if (run && run.status === 'queued' && run.finishedAt === null) await this.launcher.launch(run.id);
    }
    await this.claims.pump();
  }

  /**
   * Brings the database and the runner into agreement (see reconcile.ts). Run at start
   * (re-attach after a restart) and periodically.
   */
  reconcile(now: Date = new Date()): Promise<void> {
    return reconcileRuns(
      {
        deps: this.deps,
        runner: this.runner,
        launcher: this.launcher,
        settler: this.settler,
        claims: this.claims,
      },
      now,
    );
  }
}
