import type { StatusCause } from './api-status.ts';
import { isJson, type Json } from './types.ts';

/**
 * The checks kube-apiserver applies to the objects the agents runner writes, with its
 * field paths and messages: names, labels, owner references, Secret keys, and the Job's pod
 * template (containers, image, env, volumes, restart policy, resources, numeric limits).
 */

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

export class Causes {
  readonly list: StatusCause[] = [];
  required(field: string) {
    this.list.push({ reason: 'FieldValueRequired', message: 'Required value', field });
  }
  invalidValue(field: string, value: unknown, detail: string) {
    this.list.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
      field,
    });
  }
  unsupported(field: string, value: unknown, supported: string[]) {
    this.list.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
      field,
    });
  }
  notFound(field: string, value: unknown) {
    this.list.push({ reason: 'FieldValueNotFound', message: `Not found: ${JSON.stringify(value)}`, field });
  }
  duplicate(field: string, value: unknown) {
    this.list.push({
      reason: 'FieldValueDuplicate',
      message: `Duplicate value: ${JSON.stringify(value)}`,
      field,
    });
  }
}

const asJson = (value: unknown): Json => (isJson(value) ? value : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Kubernetes resource quantities (`500m`, `1Gi`, `2`, `1e3`) in base units. */
export function parseQuantity(text: unknown): number | null {
  if (typeof text === 'number') return text;
  if (typeof text !== 'string') return null;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/.exec(text);
  if (!match) return null;
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  const factors: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  if (/^[eE]/.test(suffix)) return number * 10 ** Number(suffix.slice(1));
  return number * (factors[suffix] ?? 1);
}

export function checkLabels(causes: Causes, field: string, labels: unknown) {
  for (const [key, value] of Object.entries(asJson(labels))) {
    const [prefix, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
    if (
      (prefix !== undefined && !DNS1123_SUBDOMAIN.test(prefix)) ||
      !name ||
      name.length > 63 ||
      !QUALIFIED_NAME.test(name)
    ) {
      causes.invalidValue(
        field,
        key,
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      );
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      causes.invalidValue(
        `${field}`,
        value,
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      );
    }
  }
}

export function checkMetadata(
  causes: Causes,
  metadata: Json,
  maxNameLength: number,
  nameRule: { pattern: RegExp; message: string } = { pattern: DNS1123_SUBDOMAIN, message: SUBDOMAIN_MESSAGE },
) {
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') {
    if (typeof metadata.generateName !== 'string') causes.required('metadata.name');
  } else if (!nameRule.pattern.test(name)) {
    causes.invalidValue('metadata.name', name, nameRule.message);
  } else if (name.length > maxNameLength) {
    causes.invalidValue('metadata.name', name, `must be no more than ${maxNameLength} characters`);
  }
  checkLabels(causes, 'metadata.labels', metadata.labels);
  asList(metadata.ownerReferences).forEach((ref, i) => {
    const r = asJson(ref);
    for (const key of ['apiVersion', 'kind', 'name', 'uid']) {
      if (typeof r[key] !== 'string' || r[key] === '')
        causes.required(`metadata.ownerReferences[${i}].${key}`);
    }
  });
}

function checkNonNegative(causes: Causes, field: string, value: unknown) {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    causes.invalidValue(field, value, 'must be greater than or equal to 0');
  }
}

export function validateSecret(secret: Json): StatusCause[] {
  const causes = new Causes();
  checkMetadata(causes, asJson(secret.metadata), 253);
  let total = 0;
  for (const [key, value] of Object.entries(asJson(secret.data))) {
    if (!SECRET_KEY.test(key)) {
      causes.invalidValue(
        `data[${key}]`,
        key,
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
      );
    }
    total += typeof value === 'string' ? Buffer.from(value, 'base64').length : 0;
  }
  if (total > 1024 * 1024)
    causes.invalidValue('data', '<total>', 'Too long: must have at most 1048576 bytes');
  return causes.list;
}

function checkContainer(causes: Causes, base: string, container: Json, volumeNames: Set<string>) {
  if (typeof container.name !== 'string' || container.name === '') causes.required(`${base}.name`);
  else if (!DNS1123_LABEL.test(container.name) || container.name.length > 63) {
    causes.invalidValue(`${base}.name`, container.name, LABEL_MESSAGE);
  }
  if (typeof container.image !== 'string' || container.image.trim() === '') causes.required(`${base}.image`);
  asList(container.env).forEach((entry, i) => {
    const env = asJson(entry);
    const field = `${base}.env[${i}]`;
    if (typeof env.name !== 'string' || env.name === '') causes.required(`${field}.name`);
    else if (!ENV_NAME.test(env.name)) {
      causes.invalidValue(
        `${field}.name`,
        env.name,
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
      );
    }
    if (env.valueFrom !== undefined) {
      if (env.value !== undefined && env.value !== '') {
        causes.invalidValue(`${field}.valueFrom`, '', 'may not be specified when `value` is not empty');
      }
      const ref = asJson(asJson(env.valueFrom).secretKeyRef);
      if (isJson(asJson(env.valueFrom).secretKeyRef)) {
        if (typeof ref.name !== 'string' || ref.name === '')
          causes.required(`${field}.valueFrom.secretKeyRef.name`);
        if (typeof ref.key !== 'string' || ref.key === '')
          causes.required(`${field}.valueFrom.secretKeyRef.key`);
      }
    }
  });
  asList(container.volumeMounts).forEach((entry, i) => {
    const mount = asJson(entry);
    if (typeof mount.name !== 'string' || !volumeNames.has(mount.name)) {
      causes.notFound(`${base}.volumeMounts[${i}].name`, mount.name);
    }
    if (typeof mount.mountPath !== 'string' || mount.mountPath === '')
      causes.required(`${base}.volumeMounts[${i}].mountPath`);
  });
  const resources = asJson(container.resources);
  const requests = asJson(resources.requests);
  const limits = asJson(resources.limits);
  for (const [kind, values] of [
    ['requests', requests],
    ['limits', limits],
  ] as const) {
    for (const [resource, value] of Object.entries(values)) {
      if (parseQuantity(value) === null) {
        causes.invalidValue(
          `${base}.resources.${kind}[${resource}]`,
          value,
          "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        );
      }
    }
  }
  for (const [resource, request] of Object.entries(requests)) {
    const limit = limits[resource];
    const r = parseQuantity(request);
    const l = parseQuantity(limit);
    if (limit !== undefined && r !== null && l !== null && r > l) {
      causes.invalidValue(
        `${base}.resources.requests`,
        request,
        `must be less than or equal to ${resource} limit of ${String(limit)}`,
      );
    }
  }
}

/** Pod spec checks shared by Jobs' templates; `restartPolicies` differ between Pods and Jobs. */
export function checkPodSpec(causes: Causes, base: string, spec: Json, restartPolicies: string[]) {
  const volumeNames = new Set<string>();
  asList(spec.volumes).forEach((entry, i) => {
    const volume = asJson(entry);
    if (typeof volume.name !== 'string' || volume.name === '') causes.required(`${base}.volumes[${i}].name`);
    else if (volumeNames.has(volume.name)) causes.duplicate(`${base}.volumes[${i}].name`, volume.name);
    else volumeNames.add(volume.name);
  });
  const containers = asList(spec.containers);
  if (containers.length === 0) causes.required(`${base}.containers`);
  const containerNames = new Set<string>();
  containers.forEach((entry, i) => {
    const container = asJson(entry);
    if (typeof container.name === 'string') {
      if (containerNames.has(container.name))
        causes.duplicate(`${base}.containers[${i}].name`, container.name);
      containerNames.add(container.name);
    }
    checkContainer(causes, `${base}.containers[${i}]`, container, volumeNames);
  });
  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (!restartPolicies.includes(String(restartPolicy))) {
    causes.unsupported(`${base}.restartPolicy`, restartPolicy, restartPolicies);
  }
  checkNonNegative(causes, `${base}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds);
}

export function validateJob(job: Json): StatusCause[] {
  const causes = new Causes();
  // A Job's name becomes the value of its pods' `job-name` label, hence 63, not 253.
  checkMetadata(causes, asJson(job.metadata), 63);
  const spec = asJson(job.spec);
  checkNonNegative(causes, 'spec.backoffLimit', spec.backoffLimit);
  checkNonNegative(causes, 'spec.ttlSecondsAfterFinished', spec.ttlSecondsAfterFinished);
  if (spec.activeDeadlineSeconds !== undefined) {
    const v = spec.activeDeadlineSeconds;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      causes.invalidValue('spec.activeDeadlineSeconds', v, 'must be greater than or equal to 1');
    }
  }
  const template = asJson(spec.template);
  checkLabels(causes, 'spec.template.metadata.labels', asJson(template.metadata).labels);
  checkPodSpec(causes, 'spec.template.spec', asJson(template.spec), ['OnFailure', 'Never']);
  return causes.list;
}
