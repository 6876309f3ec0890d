import type { Logger } from 'pino';

/**
 * Long work that must not run inside a webhook delivery: planner (LLM) calls, decomposition,
 * agent dispatch. A job is keyed by (kind, task, state version), so the same step of the same
 * state is queued once however often it is asked for, and a result computed for an older
 * version is discarded by its processor (docs/architecture.md, Event rules).
 */

export const WORK_KINDS = ['questions', 'spec', 'decompose', 'dispatch', 'sync'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

export interface WorkJob {
  kind: WorkKind;
  taskId: number;
  /** The task's state version the job was queued for. */
  version: number;
  /** The delivery that caused it, for logs. */
  deliveryId?: string;
}

export function workJobId(job: Pick<WorkJob, 'kind' | 'taskId' | 'version'>): string {
  return `${job.kind}-${job.taskId}-${job.version}`;
}

/** Queues work jobs (the queue dedupes by `workJobId`). */
export interface WorkScheduler {
  enqueue(job: WorkJob): Promise<void>;
}

export interface WorkContext {
  log: Logger;
  signal: AbortSignal;
  attempt: number;
}

export type WorkProcessor = (job: WorkJob, context: WorkContext) => Promise<void>;
