/**
 * Names and labels of the objects one agent run owns in the agents namespace. The Job name
 * is derived from the run id alone, so a second `start` of the same run finds the first Job
 * instead of creating another.
 */

import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../../kubernetes/labels.ts';

export const AGENT_COMPONENT = 'agent';
export const RUN_ID_LABEL = 'aiworker.dev/run-id';
export const ISSUE_LABEL = 'aiworker.dev/issue';
export const ATTEMPT_LABEL = 'aiworker.dev/attempt';
export const TASK_ANNOTATION = 'aiworker.dev/task';

/** Selects every object this bot created in the agents namespace. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

const JOB_PREFIX = 'aiworker-run-';
const SECRET_SUFFIX = '-tokens';

function checkRunId(runId: number): void {
  if (!Number.isSafeInteger(runId) || runId < 1) {
    throw new Error(`agent run id must be a positive whole number, got ${String(runId)}`);
  }
}

/** `aiworker-run-<runId>`: a DNS-1123 label (digits only after the prefix, far below 63 chars). */
export function agentJobName(runId: number): string {
  checkRunId(runId);
  return `${JOB_PREFIX}${runId}`;
}

/** The per-run Secret that carries the run's tokens. */
export function agentSecretName(runId: number): string {
  return `${agentJobName(runId)}${SECRET_SUFFIX}`;
}

/** The run id a Job name stands for, or null when the name is not one of ours. */
export function runIdFromJobName(name: string): number | null {
  const match = /^aiworker-run-([1-9][0-9]*)$/.exec(name);
  if (!match) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : null;
}

/** The Job a per-run Secret belongs to, or null when the name is not one of ours. */
export function jobNameOfSecret(secretName: string): string | null {
  if (!secretName.endsWith(SECRET_SUFFIX)) return null;
  const jobName = secretName.slice(0, -SECRET_SUFFIX.length);
  return runIdFromJobName(jobName) === null ? null : jobName;
}
