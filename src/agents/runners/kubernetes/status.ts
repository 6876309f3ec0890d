import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { RunPhase, RunStatus } from '../types.ts';
import { AGENT_CONTAINER } from './render.ts';

/**
 * From Kubernetes objects to a run's status, as pure functions. A Job says whether the run
 * ended and why (its conditions); its pod says how the agent process ended (exit code) or
 * why it has not started yet (a waiting reason such as ErrImagePull).
 */

/** What the agent container's state tells about the run. */
export interface PodOutcome {
  exitCode?: number;
  /** Why the container has not started, e.g. `ErrImagePull: …`. */
  waiting?: string;
}

/**
 * Timestamps arrive as Date from the typed API calls but as ISO strings from a watch stream,
 * which hands over the raw JSON.
 */
export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'string' && value !== '') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function trueCondition(job: V1Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** The phase a Job is in, from its conditions and pod counts alone. */
export function jobPhase(job: V1Job): RunPhase {
  if (trueCondition(job, 'Complete') || trueCondition(job, 'SuccessCriteriaMet')) return 'succeeded';
  // FailureTarget comes before Failed (Kubernetes ≥ 1.31) while the pod is still stopping.
  if (trueCondition(job, 'Failed') || trueCondition(job, 'FailureTarget')) return 'failed';
  const status = job.status ?? {};
  if ((status.active ?? 0) > 0) {
    // `ready` counts started pods (Kubernetes ≥ 1.24); without it an active pod counts as running.
    return status.ready === undefined || status.ready > 0 ? 'running' : 'pending';
  }
  if ((status.succeeded ?? 0) > 0) return 'succeeded';
  if ((status.failed ?? 0) > 0) return 'failed';
  return 'pending';
}

export const isTerminal = (phase: RunPhase): boolean =>
  phase === 'succeeded' || phase === 'failed' || phase === 'cancelled';

function failureMessage(job: V1Job, exitCode: number | undefined): string {
  const condition = trueCondition(job, 'Failed') ?? trueCondition(job, 'FailureTarget');
  const reason = condition?.reason ?? 'Failed';
  if (reason === 'DeadlineExceeded') {
    const deadline = job.spec?.activeDeadlineSeconds;
    return deadline === undefined
      ? 'DeadlineExceeded: ran longer than its deadline'
      : `DeadlineExceeded: ran longer than ${deadline} s`;
  }
  if (reason === 'BackoffLimitExceeded' && exitCode !== undefined) {
    return `BackoffLimitExceeded: the agent exited with code ${exitCode}`;
  }
  return condition?.message ? `${reason}: ${condition.message}` : reason;
}

/** The run's status from its Job and, when known, its pod. */
export function jobRunStatus(job: V1Job, pod?: PodOutcome): RunStatus {
  const phase = jobPhase(job);
  const status: RunStatus = { phase };
  const startedAt = toDate(job.status?.startTime);
  if (startedAt) status.startedAt = startedAt;
  if (pod?.exitCode !== undefined) status.exitCode = pod.exitCode;
  if (phase === 'succeeded') {
    const finishedAt =
      toDate(job.status?.completionTime) ?? toDate(trueCondition(job, 'Complete')?.lastTransitionTime);
    if (finishedAt) status.finishedAt = finishedAt;
  }
  if (phase === 'failed') {
    const condition = trueCondition(job, 'Failed') ?? trueCondition(job, 'FailureTarget');
    const finishedAt = toDate(condition?.lastTransitionTime);
    if (finishedAt) status.finishedAt = finishedAt;
    status.message = failureMessage(job, pod?.exitCode);
  }
  if (phase === 'pending' && pod?.waiting) status.message = `waiting to start: ${pod.waiting}`;
  return status;
}

/** The most recently created pod of a Job (a Job with backoffLimit 0 has one, but be exact). */
export function latestPod(pods: readonly V1Pod[]): V1Pod | undefined {
  const created = (pod: V1Pod) => toDate(pod.metadata?.creationTimestamp)?.getTime() ?? 0;
  return [...pods].sort((a, b) => created(b) - created(a))[0];
}

const ROUTINE_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

/** Exit code or waiting reason of the agent container. */
export function podOutcome(pod: V1Pod): PodOutcome {
  const container = pod.status?.containerStatuses?.find((c) => c.name === AGENT_CONTAINER);
  if (!container) return {};
  const terminated = container.state?.terminated ?? container.lastState?.terminated;
  if (terminated) return { exitCode: terminated.exitCode };
  const waiting = container.state?.waiting;
  // ContainerCreating and PodInitializing are the normal way to start, not news for a user.
  if (waiting?.reason && !ROUTINE_WAITING.has(waiting.reason)) {
    return { waiting: waiting.message ? `${waiting.reason}: ${waiting.message}` : waiting.reason };
  }
  return {};
}
