import { forbidden } from './api-status.ts';
import { isJson, type Json, type KubeObject, RESOURCES } from './types.ts';
import { parseQuantity } from './validation.ts';

/**
 * The ResourceQuota admission plugin for pods (plugin/pkg/admission/resourcequota/controller.go
 * and pkg/quota/v1/evaluator/core/pods.go): a new pod counts `pods` and its containers'
 * `requests.*` / `limits.*` (a bare `cpu` or `memory` key means the request); when the sum
 * with the pods already in the namespace would pass any `hard` limit of a quota, the pod is
 * refused with `exceeded quota: <name>, requested: ..., used: ..., limited: ...`.
 * Pods that finished (Succeeded, Failed) or are being deleted no longer count.
 */

const TRACKED = ['pods', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'cpu', 'memory'];

const asJson = (value: unknown): Json => (isJson(value) ? value : {});
const asList = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isJson) : []);

/** What one pod counts against a quota, in base units (cores, bytes). */
export function podUsage(pod: KubeObject): Record<string, number> {
  const usage: Record<string, number> = { pods: 1 };
  for (const container of asList(asJson(pod.spec).containers)) {
    const resources = asJson(container.resources);
    for (const kind of ['requests', 'limits'] as const) {
      for (const [resource, value] of Object.entries(asJson(resources[kind]))) {
        const key = `${kind}.${resource}`;
        usage[key] = (usage[key] ?? 0) + (parseQuantity(value) ?? 0);
      }
    }
  }
  usage.cpu = usage['requests.cpu'] ?? 0;
  usage.memory = usage['requests.memory'] ?? 0;
  return usage;
}

/** Quantities as the API server prints them: millicores, binary suffixes for bytes. */
export function formatQuantity(resource: string, value: number): string {
  if (resource === 'pods') return String(value);
  if (resource.endsWith('cpu'))
    return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
  for (const [suffix, factor] of [
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (value >= factor && value % factor === 0) return `${value / factor}${suffix}`;
  }
  return String(value);
}

const print = (values: Record<string, number>) =>
  Object.keys(values)
    .sort()
    .map((key) => `${key}=${formatQuantity(key, values[key]!)}`)
    .join(',');

function counts(pod: KubeObject): boolean {
  const phase = asJson(pod.status).phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Throws 403 Forbidden when `pod` would exceed one of the namespace's quotas. */
export function admitPod(pod: KubeObject, quotas: KubeObject[], existing: KubeObject[]): void {
  const requested = podUsage(pod);
  for (const quota of quotas) {
    const hard = asJson(asJson(quota.spec).hard);
    const used: Record<string, number> = {};
    for (const other of existing.filter(counts)) {
      for (const [key, value] of Object.entries(podUsage(other))) used[key] = (used[key] ?? 0) + value;
    }
    const exceeded = Object.keys(hard).filter((key) => {
      if (!TRACKED.includes(key)) return false;
      const limit = parseQuantity(hard[key]) ?? 0;
      return (used[key] ?? 0) + (requested[key] ?? 0) > limit + 1e-9;
    });
    if (exceeded.length === 0) continue;
    const pick = (values: Record<string, number>) =>
      Object.fromEntries(exceeded.map((key) => [key, values[key] ?? 0]));
    const limits = Object.fromEntries(exceeded.map((key) => [key, parseQuantity(hard[key]) ?? 0]));
    throw forbidden(
      RESOURCES.pods,
      pod.metadata.name,
      `exceeded quota: ${quota.metadata.name}, requested: ${print(pick(requested))}, used: ${print(pick(used))}, limited: ${print(limits)}`,
    );
  }
}
