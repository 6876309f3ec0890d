/**
 * Names and labels of the objects one agent run owns in the agents namespace. The Job name
 * is derived from the run id alone, so a second `start` of the same run finds the first Job
 * instead of creating another.
 */

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'aiworker';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const AGENT_COMPONENT = 'agent';
export const RUN_ID_LABEL = 'aiworker.dev/run-id';
export const REPO_LABEL = 'aiworker.dev/repo';
export const ISSUE_LABEL = 'aiworker.dev/issue';
export const ATTEMPT_LABEL = 'aiworker.dev/attempt';
/** The full `owner/name`, which a label value cannot always hold. */
export const REPO_ANNOTATION = 'aiworker.dev/repo';
export const TASK_ANNOTATION = 'aiworker.dev/task';

/** Selects every object this bot created in the agents namespace. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

const JOB_PREFIX = 'aiworker-run-';
const SECRET_SUFFIX = '-tokens';
const LABEL_VALUE_MAX = 63;

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

/**
 * A label value for any text: at most 63 characters of `[A-Za-z0-9_.-]`, starting and ending
 * alphanumeric. `owner/name` becomes `owner.name`; other characters become `_`. Text that had
 * to be cut keeps a short hash so two long names stay distinct.
 */
export function sanitizeLabelValue(text: string): string {
  const replaced = text.replace(/\//g, '.').replace(/[^A-Za-z0-9_.-]/g, '_');
  const trimEnds = (v: string) => v.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  let value = trimEnds(replaced);
  if (value.length > LABEL_VALUE_MAX) {
    const hash = fnv1a(text).toString(16).padStart(8, '0');
    value = `${trimEnds(value.slice(0, LABEL_VALUE_MAX - hash.length - 1))}-${hash}`;
  }
  return value;
}

/** 32-bit FNV-1a: a stable, dependency-free short hash for label suffixes. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
