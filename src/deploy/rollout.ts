import type { V1ContainerStatus, V1Deployment, V1Pod } from '@kubernetes/client-node';

/**
 * Where a preview's rollout stands, read from its Deployment and pods the way
 * `kubectl rollout status` does (observed generation, updated and available replicas), plus
 * the reasons the Deployment's own status does not give: why the new pods are not running.
 * Pure: the deployer reads, this decides.
 */

export type RolloutFailureKind =
  /** The image cannot be pulled (wrong name, not pushed, no access). */
  | 'image-pull'
  /** The container starts and exits, again and again. */
  | 'crash-loop'
  /** The container cannot be created (e.g. runs as root under `runAsNonRoot`, missing config). */
  | 'container-error'
  /** Pods are refused (Pod Security, quota) or the Deployment's progress deadline passed. */
  | 'rollout-error'
  /** Not available within the bot's time limit. */
  | 'timeout';

export type RolloutState =
  | { state: 'available' }
  | { state: 'progressing'; summary: string }
  | {
      state: 'failed';
      kind: RolloutFailureKind;
      /** The Kubernetes reason (`ImagePullBackOff`, `CrashLoopBackOff`, `FailedCreate`, ...). */
      reason: string;
      message: string;
      pod?: string;
      container?: string;
      exitCode?: number;
    };

const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CREATE_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** The pods of the rollout in question: those running the image being rolled out. */
function podsOfImage(pods: V1Pod[], image: string): V1Pod[] {
  return pods.filter(
    (pod) => !pod.metadata?.deletionTimestamp && (pod.spec?.containers ?? []).some((c) => c.image === image),
  );
}

function failedContainer(
  status: V1ContainerStatus,
): { kind: RolloutFailureKind; reason: string; message: string } | null {
  const waiting = status.state?.waiting;
  if (!waiting?.reason) return null;
  if (PULL_REASONS.has(waiting.reason)) {
    return { kind: 'image-pull', reason: waiting.reason, message: waiting.message ?? waiting.reason };
  }
  if (waiting.reason === 'CrashLoopBackOff') {
    const last = status.lastState?.terminated;
    const exit = last ? `exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : 'exited';
    return {
      kind: 'crash-loop',
      reason: waiting.reason,
      message: `container ${status.name} ${exit}, restarted ${status.restartCount} time(s)`,
    };
  }
  if (CREATE_REASONS.has(waiting.reason)) {
    return { kind: 'container-error', reason: waiting.reason, message: waiting.message ?? waiting.reason };
  }
  return null;
}

export function assessRollout(deployment: V1Deployment, pods: V1Pod[], image: string): RolloutState {
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const generation = deployment.metadata?.generation ?? 0;
  const observed = status.observedGeneration ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  if (
    observed >= generation &&
    updated === desired &&
    total === updated &&
    available === updated &&
    desired > 0
  ) {
    return { state: 'available' };
  }
  const conditions = status.conditions ?? [];
  for (const pod of podsOfImage(pods, image)) {
    for (const containerStatus of pod.status?.containerStatuses ?? []) {
      const failure = failedContainer(containerStatus);
      if (!failure) continue;
      const exitCode = containerStatus.lastState?.terminated?.exitCode;
      return {
        state: 'failed',
        ...failure,
        pod: pod.metadata?.name ?? '',
        container: containerStatus.name,
        ...(failure.kind === 'crash-loop' && exitCode !== undefined ? { exitCode } : {}),
      };
    }
  }
  const replicaFailure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (replicaFailure) {
    return {
      state: 'failed',
      kind: 'rollout-error',
      reason: replicaFailure.reason ?? 'ReplicaFailure',
      message: replicaFailure.message ?? 'the ReplicaSet could not create pods',
    };
  }
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'failed',
      kind: 'rollout-error',
      reason: progressing.reason,
      message: progressing.message ?? 'the Deployment exceeded its progress deadline',
    };
  }
  return {
    state: 'progressing',
    summary: describeProgress(desired, updated, available, podsOfImage(pods, image)),
  };
}

/** `0 of 1 updated replicas available; pod preview-abc: ContainerCreating`: for timeouts. */
export function describeProgress(desired: number, updated: number, available: number, pods: V1Pod[]): string {
  const parts = [`${Math.min(available, updated)} of ${desired} updated replica(s) available`];
  for (const pod of pods) {
    const states = (pod.status?.containerStatuses ?? []).map((c) => {
      if (c.state?.waiting) return c.state.waiting.reason ?? 'waiting';
      if (c.state?.running)
        return c.ready ? 'running, ready' : 'running, not ready (readiness probe not passing yet)';
      if (c.state?.terminated) return `terminated (exit code ${c.state.terminated.exitCode})`;
      return 'unknown';
    });
    parts.push(
      `pod ${pod.metadata?.name ?? '?'}: ${states.length > 0 ? states.join(', ') : (pod.status?.phase ?? 'Pending')}`,
    );
  }
  return parts.join('; ');
}
