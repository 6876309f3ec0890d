import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  badRequest,
  invalid,
  namespaceNotFound,
  notFound,
  StatusError,
} from './api-status.ts';
import { applyPatch } from './patch.ts';
import { podSecurityWarning, restrictedViolations } from './pod-security.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { ObjectStore, type WatchSink } from './store.ts';
import {
  clone,
  isJson,
  type Json,
  type KubeObject,
  type OwnerReference,
  RESOURCES,
  type ResourceName,
  type ResourceType,
} from './types.ts';
import { validateJob, validateSecret } from './validation.ts';

/**
 * The state behind the fake API server and the controllers that act on it: create, read,
 * list, patch and delete with the API server's defaulting and validation; the Job
 * controller's part (one pod per Job, status and conditions as a run progresses); and the
 * garbage collector (dependents of a deleted owner, objects whose owner does not exist).
 */

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface NamespaceConfig {
  /** `pod-security.kubernetes.io/enforce`; only `restricted` is checked. */
  podSecurity?: PodSecurityLevel;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

export type JobProgress = 'waiting' | 'active' | 'complete' | 'failed';

export interface AdvanceOptions {
  /** Exit code of the agent container (default 0 on complete, 1 on failed). */
  exitCode?: number;
  /** Failed: `BackoffLimitExceeded` (default) or `DeadlineExceeded`; waiting: e.g. `ErrImagePull`. */
  reason?: string;
  message?: string;
  /** Text appended to the container's log. */
  logs?: string;
  namespace?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const POD_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++)
    out += POD_SUFFIX_ALPHABET[Math.floor(Math.random() * POD_SUFFIX_ALPHABET.length)];
  return out;
}

const FAILURE_MESSAGES: Record<string, string> = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
};

export class FakeCluster {
  readonly store: ObjectStore;
  private readonly logs = new Map<string, string>();

  constructor(
    private readonly namespaces: Record<string, NamespaceConfig>,
    historyLimit = 1000,
  ) {
    this.store = new ObjectStore(historyLimit);
  }

  private requireNamespace(namespace: string): void {
    if (!(namespace in this.namespaces)) throw namespaceNotFound(namespace);
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject {
    const object = this.store.get(type.resource, namespace, name);
    if (!object) throw notFound(type, name);
    return object;
  }

  list(
    type: ResourceType,
    namespace: string,
    query: {
      labelSelector: string | null;
      fieldSelector: string | null;
      limit: number;
      continueToken: string | null;
    },
  ): ListResult {
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector);
    let items = this.store
      .list(type.resource, namespace)
      .filter((o) => labels(o.metadata.labels) && fields(o.metadata.name, o.metadata.namespace));
    if (query.continueToken) {
      const after = Buffer.from(query.continueToken, 'base64url').toString('utf8');
      items = items.filter((o) => o.metadata.name > after);
    }
    const result: ListResult = { items, resourceVersion: this.store.resourceVersion };
    if (query.limit > 0 && items.length > query.limit) {
      result.items = items.slice(0, query.limit);
      result.continueToken = Buffer.from(result.items[result.items.length - 1]!.metadata.name).toString(
        'base64url',
      );
    }
    return result;
  }

  watch(sink: WatchSink, fromVersion: string | null): void {
    this.store.watch(sink, fromVersion);
  }

  /** The checks every write goes through: API version, kind and namespace of the body. */
  private prepare(type: ResourceType, namespace: string, body: unknown): KubeObject {
    if (!isJson(body)) throw badRequest('the request body must be a JSON object');
    if (body.apiVersion !== undefined && body.apiVersion !== type.apiVersion) {
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${type.apiVersion})`,
      );
    }
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    const metadata = isJson(body.metadata) ? clone(body.metadata) : {};
    if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const object = { ...clone(body), apiVersion: type.apiVersion, kind: type.kind } as KubeObject;
    object.metadata = { ...metadata, namespace } as KubeObject['metadata'];
    if (type.resource === 'secrets') foldStringData(object);
    return object;
  }

  private validate(type: ResourceType, object: KubeObject): void {
    const causes =
      type.resource === 'jobs'
        ? validateJob(object)
        : type.resource === 'secrets'
          ? validateSecret(object)
          : [];
    if (causes.length > 0) throw invalid(type, object.metadata.name ?? '', causes);
  }

  create(type: ResourceType, namespace: string, body: unknown): WriteResult {
    this.requireNamespace(namespace);
    const object = this.prepare(type, namespace, body);
    if (!object.metadata.name && typeof object.metadata.generateName === 'string') {
      object.metadata.name = `${object.metadata.generateName}${randomSuffix()}`;
    }
    this.validate(type, object);
    if (this.store.get(type.resource, namespace, object.metadata.name))
      throw alreadyExists(type, object.metadata.name);
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = now();
    delete object.metadata.deletionTimestamp;
    if (type.resource === 'jobs') defaultJob(object);
    if (type.resource === 'secrets') object.type ??= 'Opaque';
    const stored = this.store.put(type.resource, object, 'ADDED');
    const warnings = type.resource === 'jobs' ? this.runJobController(stored) : [];
    this.collectGarbage(namespace);
    return { object: this.store.get(type.resource, namespace, stored.metadata.name) ?? stored, warnings };
  }

  replace(type: ResourceType, namespace: string, name: string, body: unknown): WriteResult {
    const current = this.get(type, namespace, name);
    const next = this.prepare(type, namespace, body);
    if (next.metadata.name !== name) {
      throw badRequest('the name of the object does not match the name on the URL');
    }
    return this.update(type, current, next);
  }

  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    contentType: string,
    body: unknown,
  ): WriteResult {
    const current = this.get(type, namespace, name);
    const patched = applyPatch(current, contentType, body);
    const next = this.prepare(type, namespace, patched);
    return this.update(type, current, next);
  }

  private update(type: ResourceType, current: KubeObject, next: KubeObject): WriteResult {
    const sentVersion = next.metadata.resourceVersion;
    if (sentVersion && sentVersion !== current.metadata.resourceVersion) {
      throw new StatusError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `Operation cannot be fulfilled on ${type.qualified} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
        reason: 'Conflict',
        details: { name: current.metadata.name, kind: type.resource },
        code: 409,
      });
    }
    if (next.metadata.name !== current.metadata.name) {
      throw invalid(type, current.metadata.name, [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${String(next.metadata.name)}": field is immutable`,
          field: 'metadata.name',
        },
      ]);
    }
    // Fields the server owns survive any update.
    next.metadata.uid = current.metadata.uid;
    next.metadata.creationTimestamp = current.metadata.creationTimestamp;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (type.resource !== 'secrets' && 'status' in current) next.status = current.status;
    if (type.resource === 'jobs') {
      const spec = isJson(next.spec) ? next.spec : {};
      const before = isJson(current.spec) ? current.spec : {};
      for (const field of ['template', 'selector', 'completions'] as const) {
        if (JSON.stringify(spec[field]) !== JSON.stringify(before[field])) {
          throw invalid(type, current.metadata.name, [
            {
              reason: 'FieldValueInvalid',
              message: 'Invalid value: "object": field is immutable',
              field: `spec.${field}`,
            },
          ]);
        }
      }
      if (JSON.stringify(spec) !== JSON.stringify(before))
        next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    if (
      type.resource === 'secrets' &&
      current.immutable === true &&
      JSON.stringify(next.data) !== JSON.stringify(current.data)
    ) {
      throw invalid(type, current.metadata.name, [
        {
          reason: 'Forbidden',
          message: 'Forbidden: field is immutable when `immutable` is set',
          field: 'data',
        },
      ]);
    }
    this.validate(type, next);
    if (JSON.stringify(next) === JSON.stringify(current)) return { object: current, warnings: [] };
    const stored = this.store.put(type.resource, next, 'MODIFIED');
    this.collectGarbage(current.metadata.namespace);
    return {
      object: this.store.get(type.resource, current.metadata.namespace, current.metadata.name) ?? stored,
      warnings: [],
    };
  }

  /**
   * Deletes an object and applies the propagation policy to its dependents. Jobs default to
   * `Orphan` over the REST API (kept for batch/v1 compatibility), everything else to
   * `Background`; the garbage collection happens before this returns.
   */
  delete(type: ResourceType, namespace: string, name: string, propagationPolicy: string | null): KubeObject {
    const current = this.get(type, namespace, name);
    const policy = propagationPolicy ?? (type.resource === 'jobs' ? 'Orphan' : 'Background');
    if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw invalid(type, name, [
        {
          reason: 'FieldValueNotSupported',
          message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
          field: 'propagationPolicy',
        },
      ]);
    }
    this.store.remove(type.resource, namespace, name);
    if (type.resource === 'pods') this.logs.delete(`${namespace}/${name}`);
    if (policy === 'Orphan') {
      for (const { resource, object } of this.store.inNamespace(namespace)) {
        const refs = object.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === current.metadata.uid)) continue;
        object.metadata.ownerReferences = refs.filter((r) => r.uid !== current.metadata.uid);
        this.store.put(resource, object, 'MODIFIED');
      }
    }
    this.collectGarbage(namespace);
    return current;
  }

  /** Deletes, transitively, every object with an owner reference to an object that does not exist. */
  private collectGarbage(namespace: string): void {
    for (;;) {
      const objects = this.store.inNamespace(namespace);
      const exists = (ref: OwnerReference) =>
        objects.some(
          (o) =>
            o.object.metadata.uid === ref.uid &&
            o.object.kind === ref.kind &&
            o.object.metadata.name === ref.name,
        );
      const orphan = objects.find((o) => {
        const refs = o.object.metadata.ownerReferences ?? [];
        return refs.length > 0 && refs.every((r) => !exists(r));
      });
      if (!orphan) return;
      this.store.remove(orphan.resource, namespace, orphan.object.metadata.name);
      if (orphan.resource === 'pods') this.logs.delete(`${namespace}/${orphan.object.metadata.name}`);
    }
  }

  /** The Job controller's reaction to a new Job: its pod (unless Pod Security refuses it) and status. */
  private runJobController(job: KubeObject): string[] {
    const namespace = job.metadata.namespace;
    const spec = job.spec as Json;
    if (spec.suspend === true) return [];
    const template = spec.template as Json;
    const podSpec = clone(template.spec as Json);
    const warnings: string[] = [];
    if (this.namespaces[namespace]?.podSecurity === 'restricted') {
      const violations = restrictedViolations(podSpec);
      if (violations.length > 0) {
        warnings.push(podSecurityWarning(violations));
        return warnings;
      }
    }
    const templateMeta = isJson(template.metadata) ? template.metadata : {};
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${job.metadata.name}-${randomSuffix()}`,
        generateName: `${job.metadata.name}-`,
        namespace,
        uid: randomUUID(),
        resourceVersion: '',
        creationTimestamp: now(),
        labels: { ...(templateMeta.labels as Record<string, string> | undefined) },
        ...(isJson(templateMeta.annotations)
          ? { annotations: clone(templateMeta.annotations) as Record<string, string> }
          : {}),
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: job.metadata.name,
            uid: job.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { ...podSpec, nodeName: 'fake-node' },
      status: {
        phase: 'Pending',
        qosClass: 'Burstable',
        containerStatuses: ((podSpec.containers as Json[] | undefined) ?? []).map((c) => ({
          name: c.name,
          image: c.image,
          imageID: '',
          ready: false,
          started: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        })),
      },
    };
    this.store.put('pods', pod, 'ADDED');
    this.logs.set(`${namespace}/${pod.metadata.name}`, '');
    job.status = { startTime: now(), active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} };
    this.store.put('jobs', job, 'MODIFIED');
    return warnings;
  }

  findJob(name: string, namespace?: string): KubeObject {
    const job = this.store
      .list('jobs')
      .find((j) => j.metadata.name === name && (!namespace || j.metadata.namespace === namespace));
    if (!job)
      throw new Error(`Kubernetes fake: no Job "${name}"${namespace ? ` in namespace ${namespace}` : ''}`);
    return job;
  }

  podsOf(job: KubeObject): KubeObject[] {
    return this.store
      .list('pods', job.metadata.namespace)
      .filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === job.metadata.uid));
  }

  /** Moves a Job and its pod forward as the kubelet and Job controller would. */
  advance(jobName: string, progress: JobProgress, options: AdvanceOptions = {}): void {
    const job = this.findJob(jobName, options.namespace);
    const namespace = job.metadata.namespace;
    const pod = this.podsOf(job)[0];
    if (!pod)
      throw new Error(`Kubernetes fake: Job "${jobName}" has no pod (refused by Pod Security, or deleted)`);
    const logKey = `${namespace}/${pod.metadata.name}`;
    if (options.logs) this.logs.set(logKey, (this.logs.get(logKey) ?? '') + options.logs);
    const podStatus = pod.status as Json;
    const containers = (podStatus.containerStatuses as Json[] | undefined) ?? [];
    const status = (job.status as Json | undefined) ?? {};
    const startedAt = (podStatus.startTime as string | undefined) ?? now();

    if (progress === 'waiting') {
      const reason = options.reason ?? 'ErrImagePull';
      for (const c of containers) {
        c.state = { waiting: { reason, ...(options.message ? { message: options.message } : {}) } };
      }
      this.store.put('pods', pod, 'MODIFIED');
      return;
    }
    if (progress === 'active') {
      podStatus.phase = 'Running';
      podStatus.startTime = startedAt;
      for (const c of containers) {
        c.ready = true;
        c.started = true;
        c.state = { running: { startedAt } };
      }
      this.store.put('pods', pod, 'MODIFIED');
      job.status = { ...status, active: 1, ready: 1 };
      this.store.put('jobs', job, 'MODIFIED');
      return;
    }

    const finishedAt = now();
    const succeeded = progress === 'complete';
    const exitCode = options.exitCode ?? (succeeded ? 0 : 1);
    const reason = succeeded ? 'Completed' : (options.reason ?? 'BackoffLimitExceeded');
    const podGoesToo = !succeeded && reason === 'DeadlineExceeded';
    if (podGoesToo) {
      // The Job controller kills the running pod when the deadline passes.
      this.store.remove('pods', namespace, pod.metadata.name);
      this.logs.delete(logKey);
    } else {
      podStatus.phase = succeeded ? 'Succeeded' : 'Failed';
      podStatus.startTime = startedAt;
      for (const c of containers) {
        c.ready = false;
        c.started = false;
        c.state = {
          terminated: { exitCode, reason: succeeded ? 'Completed' : 'Error', startedAt, finishedAt },
        };
      }
      this.store.put('pods', pod, 'MODIFIED');
    }
    const condition = (type: string) => ({
      type,
      status: 'True',
      lastProbeTime: finishedAt,
      lastTransitionTime: finishedAt,
      ...(succeeded ? {} : { reason, message: options.message ?? FAILURE_MESSAGES[reason] ?? reason }),
    });
    const { active: _active, ...rest } = status;
    job.status = {
      ...rest,
      ready: 0,
      ...(succeeded ? { succeeded: 1, completionTime: finishedAt } : { failed: 1 }),
      conditions: succeeded
        ? [condition('SuccessCriteriaMet'), condition('Complete')]
        : [condition('FailureTarget'), condition('Failed')],
    };
    this.store.put('jobs', job, 'MODIFIED');
  }

  /** `GET …/pods/{name}/log`: the tail, then the byte limit, as the kubelet applies them. */
  podLog(
    namespace: string,
    name: string,
    container: string | null,
    tailLines: number | null,
    limitBytes: number | null,
  ): string {
    const pod = this.get(RESOURCES.pods, namespace, name);
    const containers = ((pod.spec as Json).containers as Json[] | undefined) ?? [];
    const chosen = container ?? (containers.length === 1 ? String(containers[0]?.name) : null);
    if (chosen === null) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => String(c.name)).join(' ')}]`,
      );
    }
    if (!containers.some((c) => c.name === chosen))
      throw badRequest(`container ${chosen} is not valid for pod ${name}`);
    const state = ((pod.status as Json).containerStatuses as Json[] | undefined)?.find(
      (c) => c.name === chosen,
    )?.state;
    const waiting = isJson(state) && isJson(state.waiting) ? state.waiting : undefined;
    if (waiting) {
      throw badRequest(
        `container "${chosen}" in pod "${name}" is waiting to start: ${String(waiting.reason)}`,
      );
    }
    let text = this.logs.get(`${namespace}/${name}`) ?? '';
    if (tailLines !== null) {
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      text = lines
        .slice(Math.max(0, lines.length - tailLines))
        .map((l) => `${l}\n`)
        .join('');
    }
    if (limitBytes !== null) text = Buffer.from(text, 'utf8').subarray(0, limitBytes).toString('utf8');
    return text;
  }
}

/** The API server turns write-only `stringData` into base64 `data`. */
function foldStringData(secret: KubeObject): void {
  if (!isJson(secret.stringData)) {
    delete secret.stringData;
    return;
  }
  const data: Json = isJson(secret.data) ? { ...secret.data } : {};
  for (const [key, value] of Object.entries(secret.stringData)) {
    data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  }
  secret.data = data;
  delete secret.stringData;
}

/** The defaults kube-apiserver fills into a new Job, including the selector it generates. */
function defaultJob(job: KubeObject): void {
  const spec = (isJson(job.spec) ? job.spec : {}) as Json;
  job.spec = spec;
  job.metadata.generation = 1;
  spec.parallelism ??= 1;
  spec.completions ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  const uid = job.metadata.uid;
  const controllerLabels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': job.metadata.name,
    'controller-uid': uid,
    'job-name': job.metadata.name,
  };
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const template = spec.template as Json;
  const meta = (isJson(template.metadata) ? template.metadata : {}) as Json;
  meta.labels = { ...(meta.labels as Record<string, string> | undefined), ...controllerLabels };
  template.metadata = meta;
  const podSpec = template.spec as Json;
  podSpec.dnsPolicy ??= 'ClusterFirst';
  podSpec.schedulerName ??= 'default-scheduler';
  podSpec.terminationGracePeriodSeconds ??= 30;
  for (const container of (podSpec.containers as Json[] | undefined) ?? []) {
    container.terminationMessagePath ??= '/dev/termination-log';
    container.terminationMessagePolicy ??= 'File';
    container.imagePullPolicy ??=
      String(container.image).endsWith(':latest') || !String(container.image).includes(':')
        ? 'Always'
        : 'IfNotPresent';
  }
  job.status = {};
}

export { RESOURCES, type ResourceName };
