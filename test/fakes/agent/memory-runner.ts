import { assertRunSpec } from '../../../src/agents/runners/local/spec-check.ts';
import type { AgentRunner, AgentRunSpec, RunHandle, RunStatus } from '../../../src/agents/runners/types.ts';
import { RetryableError } from '../../../src/domain/errors.ts';

/**
 * An in-memory place where agent runs "run", shared by every MemoryRunner built over it — like
 * a cluster that outlives the bot: a runner closed and a new one opened over the same cluster
 * is a restarted bot. Tests drive the runs (`finish`, `setPhase`) and read what was started.
 * Runners keep the AgentRunner contract: `start` checks the spec like the local runner and is
 * idempotent by run id, `cancel` of a finished or unknown run is a no-op, `status` of an
 * unknown run is null, `watch` reports every phase change.
 */

export interface MemoryRun {
  externalId: string;
  spec: AgentRunSpec;
  status: RunStatus;
  cancelled: boolean;
}

type Listener = (externalId: string, runId: number, status: RunStatus) => void;

const isFinal = (status: RunStatus) =>
  status.phase === 'succeeded' || status.phase === 'failed' || status.phase === 'cancelled';

export class MemoryCluster {
  readonly runs = new Map<number, MemoryRun>();
  /** Every start call that created a run (a second process would show up here). */
  readonly created: number[] = [];
  private readonly listeners = new Set<Listener>();

  get(runId: number): MemoryRun | undefined {
    return this.runs.get(runId);
  }

  /** Ends a run the way the agent would; watchers are told unless `silently` (nobody watching). */
  finish(runId: number, status: Omit<RunStatus, 'finishedAt'>, options: { silently?: boolean } = {}): void {
    const run = this.mustRun(runId);
    run.status = { ...status, startedAt: run.status.startedAt, finishedAt: new Date() };
    if (!options.silently) this.emit(run);
  }

  setPhase(runId: number, phase: 'pending' | 'running'): void {
    const run = this.mustRun(runId);
    run.status = { ...run.status, phase };
    this.emit(run);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(run: MemoryRun): void {
    for (const listener of this.listeners) listener(run.externalId, run.spec.runId, run.status);
  }

  private mustRun(runId: number): MemoryRun {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`memory cluster: no run ${runId}`);
    return run;
  }
}

export interface MemoryRunnerOptions {
  /** The next N starts register the run and then fail as if the answer was lost on the way. */
  loseStartAnswers?: number;
}

export class MemoryRunner implements AgentRunner {
  readonly kind = 'local' as const;
  private readonly unsubscribers = new Set<() => void>();
  private loseStartAnswers: number;
  closed = false;

  constructor(
    readonly cluster: MemoryCluster,
    options: MemoryRunnerOptions = {},
  ) {
    this.loseStartAnswers = options.loseStartAnswers ?? 0;
  }

  async start(spec: AgentRunSpec): Promise<RunHandle> {
    if (this.closed) throw new Error('memory runner is closed');
    assertRunSpec(spec);
    const externalId = `mem-${spec.runId}`;
    if (!this.cluster.runs.has(spec.runId)) {
      const run: MemoryRun = {
        externalId,
        spec,
        status: { phase: 'running', startedAt: new Date() },
        cancelled: false,
      };
      this.cluster.runs.set(spec.runId, run);
      this.cluster.created.push(spec.runId);
      this.cluster.emit(run);
    }
    if (this.loseStartAnswers > 0) {
      this.loseStartAnswers -= 1;
      throw new RetryableError('connection reset while starting the run');
    }
    return { externalId };
  }

  async cancel(externalId: string): Promise<void> {
    const run = [...this.cluster.runs.values()].find((r) => r.externalId === externalId);
    if (!run || isFinal(run.status)) return;
    run.cancelled = true;
    run.status = {
      ...run.status,
      phase: 'cancelled',
      message: 'Cancelled: the run was stopped on request',
      logTail: `${run.status.logTail ?? ''}[agent] stopped\n`,
      finishedAt: new Date(),
    };
    this.cluster.emit(run);
  }

  async status(externalId: string): Promise<RunStatus | null> {
    return [...this.cluster.runs.values()].find((r) => r.externalId === externalId)?.status ?? null;
  }

  async list(): Promise<Array<{ externalId: string; runId: number; status: RunStatus }>> {
    return [...this.cluster.runs.values()].map((r) => ({
      externalId: r.externalId,
      runId: r.spec.runId,
      status: r.status,
    }));
  }

  watch(onChange: Listener): () => void {
    const unsubscribe = this.cluster.subscribe(onChange);
    this.unsubscribers.add(unsubscribe);
    return () => {
      unsubscribe();
      this.unsubscribers.delete(unsubscribe);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers.clear();
  }
}
