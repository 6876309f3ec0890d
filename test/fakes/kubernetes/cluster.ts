import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  badRequest,
  forbidden,
  invalid,
  namespaceNotFound,
  notFound,
  StatusError,
} from './api-status.ts';
import { FakeClock } from './clock.ts';
import {
  defaultDeployment,
  defaultNamespace,
  defaultNetworkPolicy,
  defaultResourceQuota,
  defaultService,
} from './defaults.ts';
import { managerOf, recordUpdate, serverSideApply } from './managed-fields.ts';
import { validateObject } from './object-validation.ts';
import { applyPatch } from './patch.ts';
import { podSecurityWarning, restrictedViolations } from './pod-security.ts';
import { admitPod, formatQuantity, podUsage } from './quota.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { ObjectStore, type WatchSink } from './store.ts';
import {
  clone,
  isJson,
  type Json,
  type KubeObject,
  namespaceOf,
  type OwnerReference,
  RESOURCES,
  type ResourceName,
  type ResourceType,
} from './types.ts';

/**
 * The state behind the fake API server and the controllers that act on it: create, read,
 * list, update, patch (server-side apply included) and delete with the API server's
 * defaulting, validation, field ownership, finalizers and namespace lifecycle; the Job
 * controller's part (one pod per Job, status and conditions as a run progresses); and the
 * garbage collector (dependents of a deleted owner, objects whose owner does not exist).
 * Other controllers (Deployments, Argo CD) observe every write through `Controller`.
 */

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface NamespaceConfig {
  /** `pod-security.kubernetes.io/enforce` and `warn`; only `restricted` is checked. */
  podSecurity?: PodSecurityLevel;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** Server-side apply made a new object (the API server answers 201). */
  created?: boolean;
}

/** Who writes: the field manager recorded in managedFields. */
export interface Writer {
  fieldManager: string | null;
  userAgent?: string;
}

export interface PatchOptions extends Writer {
  force: boolean | null;
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

/** A controller sees every stored change, after it is stored. */
export interface Controller {
  observe(resource: ResourceName, object: KubeObject, event: 'ADDED' | 'MODIFIED' | 'DELETED'): void;
}

const POD_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++)
    out += POD_SUFFIX_ALPHABET[Math.floor(Math.random() * POD_SUFFIX_ALPHABET.length)];
  return out;
}

const FAILURE_MESSAGES: Record<string, string> = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
};

const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';
const PSA_WARN = 'pod-security.kubernetes.io/warn';

export class FakeCluster {
  readonly store: ObjectStore;
  readonly clock: FakeClock;
  /** Log text per container instance, oldest first: `namespace/pod/container` → runs. */
  private readonly logs = new Map<string, string[]>();
  private readonly controllers: Controller[] = [];
  private nextServiceIp = 10;
  /** Delay before the namespace controller empties a deleted namespace. */
  namespaceCleanupMs = 0;

  constructor(namespaces: Record<string, NamespaceConfig>, historyLimit = 1000, clock = new FakeClock()) {
    this.store = new ObjectStore(historyLimit);
    this.clock = clock;
    for (const [name, config] of Object.entries(namespaces)) {
      const labels =
        config.podSecurity === 'restricted' ? { [PSA_ENFORCE]: 'restricted', [PSA_WARN]: 'restricted' } : {};
      this.create(
        RESOURCES.namespaces,
        '',
        { metadata: { name, labels } },
        { fieldManager: 'kubectl-create' },
      );
    }
  }

  addController(controller: Controller): void {
    this.controllers.push(controller);
  }

  private notify(resource: ResourceName, object: KubeObject, event: 'ADDED' | 'MODIFIED' | 'DELETED') {
    for (const controller of this.controllers) controller.observe(resource, clone(object), event);
  }

  now(): string {
    return this.clock.iso();
  }

  /** The namespace's Pod Security label, `enforce` or `warn`. */
  podSecurity(namespace: string, mode: 'enforce' | 'warn'): string | undefined {
    const object = this.store.get('namespaces', '', namespace);
    return object?.metadata.labels?.[mode === 'enforce' ? PSA_ENFORCE : PSA_WARN];
  }

  /**
   * Writes in a namespace need it to exist; creating in one being deleted is refused, as the
   * NamespaceLifecycle admission plugin does (plugin/pkg/admission/namespace/lifecycle/admission.go).
   */
  private requireNamespace(type: ResourceType, namespace: string, name: string, creating: boolean): void {
    if (!type.namespaced) return;
    const object = this.store.get('namespaces', '', namespace);
    if (!object) throw namespaceNotFound(namespace);
    if (creating && object.metadata.deletionTimestamp) {
      const error = forbidden(
        type,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
      error.status.details!.causes = [
        {
          reason: 'NamespaceTerminating',
          message: `namespace ${namespace} is being terminated`,
          field: 'metadata.namespace',
        },
      ];
      throw error;
    }
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject {
    const object = this.store.get(type.resource, type.namespaced ? namespace : '', name);
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
      .list(type.resource, type.namespaced ? namespace : '')
      .filter((o) => labels(o.metadata.labels) && fields(o.metadata.name, namespaceOf(o)));
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
    if (type.namespaced && metadata.namespace !== undefined && metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const object = { ...clone(body), apiVersion: type.apiVersion, kind: type.kind } as KubeObject;
    object.metadata = { ...metadata } as KubeObject['metadata'];
    if (type.namespaced) object.metadata.namespace = namespace;
    else delete object.metadata.namespace;
    if (type.resource === 'secrets') foldStringData(object);
    return object;
  }

  private validate(type: ResourceType, object: KubeObject, previous?: KubeObject): void {
    const causes = validateObject(type, object, previous);
    if (causes.length > 0) throw invalid(type, object.metadata.name ?? '', causes);
  }

  /** Defaults the API server fills on create and keeps filled on every update. */
  private applyDefaults(type: ResourceType, object: KubeObject, creating: boolean): void {
    switch (type.resource) {
      case 'deployments':
        defaultDeployment(object);
        break;
      case 'services':
        defaultService(object, () => `10.96.0.${this.nextServiceIp++}`);
        break;
      case 'namespaces':
        defaultNamespace(object);
        break;
      case 'networkpolicies':
        defaultNetworkPolicy(object);
        break;
      case 'resourcequotas':
        if (creating) defaultResourceQuota(object);
        break;
      case 'secrets':
        object.type ??= 'Opaque';
        break;
      default:
        break;
    }
  }

  /** Pod Security `warn`: workloads whose pod template would be refused are accepted with a warning. */
  private templateWarnings(type: ResourceType, object: KubeObject): string[] {
    if (type.resource !== 'deployments' && type.resource !== 'replicasets') return [];
    if (this.podSecurity(namespaceOf(object), 'warn') !== 'restricted') return [];
    const podSpec = (((object.spec as Json).template as Json | undefined)?.spec ?? {}) as Json;
    const violations = restrictedViolations(podSpec);
    return violations.length > 0 ? [podSecurityWarning(violations)] : [];
  }

  create(type: ResourceType, namespace: string, body: unknown, writer: Writer): WriteResult {
    const object = this.prepare(type, namespace, body);
    if (!object.metadata.name && typeof object.metadata.generateName === 'string') {
      object.metadata.name = `${object.metadata.generateName}${randomSuffix()}`;
    }
    this.requireNamespace(type, namespace, object.metadata.name ?? '', true);
    this.validate(type, object);
    if (type.resource === 'pods') {
      admitPod(object, this.store.list('resourcequotas', namespace), this.store.list('pods', namespace));
    }
    const result = this.insert(type, object, writer);
    if (type.resource === 'pods') this.refreshQuotaUsage(namespace);
    return result;
  }

  /** The quota controller keeps `status.used` current (pkg/controller/resourcequota). */
  private refreshQuotaUsage(namespace: string): void {
    const pods = this.store
      .list('pods', namespace)
      .filter(
        (p) =>
          !p.metadata.deletionTimestamp &&
          !['Succeeded', 'Failed'].includes(String((p.status as Json | undefined)?.phase)),
      );
    const usage: Record<string, number> = {};
    for (const pod of pods) {
      for (const [key, value] of Object.entries(podUsage(pod))) usage[key] = (usage[key] ?? 0) + value;
    }
    for (const quota of this.store.list('resourcequotas', namespace)) {
      const hard = ((quota.spec as Json | undefined)?.hard ?? {}) as Json;
      const used: Json = {};
      for (const key of Object.keys(hard)) used[key] = formatQuantity(key, usage[key] ?? 0);
      this.writeAsController(
        'resourcequotas',
        { ...quota, status: { hard: { ...hard }, used } },
        'kube-controller-manager',
        'status',
      );
    }
  }

  /** Stores a validated new object with the metadata the server owns. */
  private insert(type: ResourceType, object: KubeObject, writer: Writer): WriteResult {
    const namespace = namespaceOf(object);
    if (this.store.get(type.resource, namespace, object.metadata.name))
      throw alreadyExists(type, object.metadata.name);
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = this.now();
    object.metadata.generation = 1;
    delete object.metadata.deletionTimestamp;
    delete object.metadata.managedFields;
    if (type.resource === 'jobs') defaultJob(object);
    this.applyDefaults(type, object, true);
    recordUpdate(type, null, object, managerOf(writer.fieldManager, writer.userAgent), this.now());
    const warnings = this.templateWarnings(type, object);
    const stored = this.store.put(type.resource, object, 'ADDED');
    if (type.resource === 'jobs') warnings.push(...this.runJobController(stored));
    this.collectGarbage(namespace);
    this.notify(type.resource, stored, 'ADDED');
    return {
      object: this.store.get(type.resource, namespace, stored.metadata.name) ?? stored,
      warnings,
    };
  }

  replace(type: ResourceType, namespace: string, name: string, body: unknown, writer: Writer): WriteResult {
    const current = this.get(type, namespace, name);
    const next = this.prepare(type, namespace, body);
    if (next.metadata.name !== name) {
      throw badRequest('the name of the object does not match the name on the URL');
    }
    if (next.metadata.managedFields === undefined)
      next.metadata.managedFields = current.metadata.managedFields;
    return this.update(type, current, next, writer);
  }

  /**
   * PATCH: PatchOptions are checked first (ValidatePatchOptions in
   * apimachinery/pkg/apis/meta/v1/validation/validation.go), then the body by its type.
   * Server-side apply creates the object when it does not exist.
   */
  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    contentType: string,
    body: unknown,
    options: PatchOptions,
  ): WriteResult {
    const apply = contentType === 'application/apply-patch+yaml';
    const optionCauses = [];
    if (apply && !options.fieldManager) {
      optionCauses.push({
        reason: 'FieldValueRequired',
        message: 'Required value: is required for apply patch',
        field: 'fieldManager',
      });
    }
    if (!apply && options.force !== null) {
      optionCauses.push({
        reason: 'FieldValueForbidden',
        message: 'Forbidden: may not be specified for non-apply patch',
        field: 'force',
      });
    }
    if (optionCauses.length > 0) {
      throw new StatusError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `PatchOptions.meta.k8s.io "" is invalid: ${optionCauses.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
        reason: 'Invalid',
        details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: optionCauses },
        code: 422,
      });
    }
    if (apply) return this.apply(type, namespace, name, body, options);
    const current = this.get(type, namespace, name);
    const patched = applyPatch(current, contentType, body);
    const next = this.prepare(type, namespace, patched);
    return this.update(type, current, next, options);
  }

  /** Server-side apply (apiserver/pkg/endpoints/handlers/patch.go, applyPatcher). */
  private apply(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    options: PatchOptions,
  ): WriteResult {
    if (!isJson(body)) throw badRequest('error decoding YAML: the apply patch must be an object');
    if (body.apiVersion !== type.apiVersion) {
      throw badRequest(
        `Incorrect version specified in apply patch. Specified patch version: ${String(body.apiVersion ?? '')}, expected: ${type.apiVersion}`,
      );
    }
    if (body.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${String(body.kind ?? '')}) does not match the expected kind (${type.kind})`,
      );
    }
    const metadata = isJson(body.metadata) ? body.metadata : {};
    if (metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(metadata.name ?? '')}) does not match the name on the URL (${name})`,
      );
    }
    if (type.namespaced && metadata.namespace !== undefined && metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const current = this.store.get(type.resource, type.namespaced ? namespace : '', name);
    const fieldManager = options.fieldManager ?? '';
    const base: KubeObject =
      current ??
      ({
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: { name, ...(type.namespaced ? { namespace } : {}) },
      } as KubeObject);
    const merged = serverSideApply(type, base, body, {
      fieldManager,
      force: options.force === true,
      time: this.now(),
    });
    const next = this.prepare(type, namespace, merged);
    next.metadata.managedFields = merged.metadata.managedFields;
    if (!current) {
      this.requireNamespace(type, namespace, name, true);
      this.validate(type, next);
      const managedFields = next.metadata.managedFields;
      const result = this.insertApplied(type, next, managedFields);
      return { ...result, created: true };
    }
    return this.update(type, current, next, null);
  }

  /** A create by apply: the applier's Apply entry, not an Update one, records the fields. */
  private insertApplied(
    type: ResourceType,
    object: KubeObject,
    managedFields: KubeObject['metadata']['managedFields'],
  ): WriteResult {
    const namespace = namespaceOf(object);
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = this.now();
    object.metadata.generation = 1;
    if (type.resource === 'jobs') defaultJob(object);
    this.applyDefaults(type, object, true);
    object.metadata.managedFields = managedFields;
    const warnings = this.templateWarnings(type, object);
    const stored = this.store.put(type.resource, object, 'ADDED');
    if (type.resource === 'jobs') warnings.push(...this.runJobController(stored));
    this.collectGarbage(namespace);
    this.notify(type.resource, stored, 'ADDED');
    return { object: this.store.get(type.resource, namespace, stored.metadata.name) ?? stored, warnings };
  }

  /**
   * Stores a new version of an object. `writer` null: the field ownership in `next` is already
   * final (server-side apply); otherwise the write is recorded as the writer's Update.
   */
  private update(
    type: ResourceType,
    current: KubeObject,
    next: KubeObject,
    writer: Writer | null,
  ): WriteResult {
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
    next.metadata.generation = current.metadata.generation;
    if (current.metadata.deletionTimestamp) {
      next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
      next.metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
      const added = (next.metadata.finalizers ?? []).filter(
        (f) => !(current.metadata.finalizers ?? []).includes(f),
      );
      if (added.length > 0) {
        throw invalid(type, current.metadata.name, [
          {
            reason: 'FieldValueForbidden',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
            field: 'metadata.finalizers',
          },
        ]);
      }
    } else {
      delete next.metadata.deletionTimestamp;
    }
    if (type.statusSubresource) {
      if ('status' in current) next.status = current.status;
      else delete next.status;
    }
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
    }
    if (type.resource === 'namespaces') {
      next.spec = current.spec;
      const label = next.metadata.labels?.['kubernetes.io/metadata.name'];
      if (label !== undefined && label !== current.metadata.name) {
        throw invalid(type, current.metadata.name, [
          {
            reason: 'FieldValueInvalid',
            message: `Invalid value: "${label}": field is immutable`,
            field: 'metadata.labels[kubernetes.io/metadata.name]',
          },
        ]);
      }
    }
    this.applyDefaults(type, next, false);
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
    this.validate(type, next, current);
    if (this.generationChanges(type, current, next)) {
      next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    if (writer) {
      // managedFields sent in the body of an update are ignored unless they change something.
      next.metadata.managedFields = current.metadata.managedFields;
      recordUpdate(type, current, next, managerOf(writer.fieldManager, writer.userAgent), this.now());
    }
    if (JSON.stringify(next) === JSON.stringify(current)) return { object: current, warnings: [] };
    const warnings = this.templateWarnings(type, next);
    return { object: this.store_(type, next), warnings };
  }

  /** Built-in kinds count spec changes; a CRD without a status subresource counts any change but metadata. */
  private generationChanges(type: ResourceType, current: KubeObject, next: KubeObject): boolean {
    if (type.resource === 'namespaces' || type.resource === 'secrets') return false;
    if (type.custom && !type.statusSubresource) {
      const { metadata: _a, ...restBefore } = current;
      const { metadata: _b, ...restAfter } = next;
      return JSON.stringify(restBefore) !== JSON.stringify(restAfter);
    }
    return JSON.stringify(current.spec) !== JSON.stringify(next.spec);
  }

  /** Puts an updated object; an object being deleted whose last finalizer went is removed. */
  private store_(type: ResourceType, next: KubeObject): KubeObject {
    const namespace = namespaceOf(next);
    if (
      next.metadata.deletionTimestamp &&
      (next.metadata.finalizers ?? []).length === 0 &&
      type.resource !== 'namespaces'
    ) {
      const stored = this.store.put(type.resource, next, 'MODIFIED');
      this.removeObject(type.resource, namespace, next.metadata.name);
      return stored;
    }
    const stored = this.store.put(type.resource, next, 'MODIFIED');
    this.collectGarbage(namespace);
    this.notify(type.resource, stored, 'MODIFIED');
    return this.store.get(type.resource, namespace, next.metadata.name) ?? stored;
  }

  /**
   * A controller's write: recorded as an Update of `manager` (on the status subresource when
   * `subresource` is 'status'), no validation beyond what the controller itself guarantees.
   */
  writeAsController(
    resource: ResourceName,
    object: KubeObject,
    manager: string,
    subresource?: 'status',
  ): KubeObject | undefined {
    const type = RESOURCES[resource];
    const current = this.store.get(resource, namespaceOf(object), object.metadata.name);
    if (!current) return undefined;
    const next = clone(object);
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    next.metadata.managedFields = current.metadata.managedFields;
    if (subresource === 'status') {
      const { status: _s, ...rest } = current;
      Object.assign(next, { ...rest, status: object.status });
      next.metadata = { ...current.metadata };
    }
    recordUpdate(type, current, next, manager, this.now(), subresource);
    if (JSON.stringify(next) === JSON.stringify(current)) return current;
    return this.store_(type, next);
  }

  /** A controller creates an object (a ReplicaSet, a pod, an Argo CD-synced resource). */
  createAsController(
    resource: ResourceName,
    namespace: string,
    body: KubeObject,
    manager: string,
  ): WriteResult {
    return this.create(RESOURCES[resource], namespace, body, { fieldManager: manager });
  }

  /**
   * Deletes an object and applies the propagation policy to its dependents. Jobs default to
   * `Orphan` over the REST API (kept for batch/v1 compatibility), everything else to
   * `Background`; the garbage collection happens before this returns. An object with
   * finalizers is only marked (`deletionTimestamp`) until they are removed; a namespace is
   * emptied by the namespace controller first.
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
    const ns = namespaceOf(current);
    if (policy === 'Orphan') {
      for (const { resource, object } of this.store.inNamespace(ns)) {
        const refs = object.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === current.metadata.uid)) continue;
        object.metadata.ownerReferences = refs.filter((r) => r.uid !== current.metadata.uid);
        this.store.put(resource, object, 'MODIFIED');
      }
    }
    return this.deleteObject(type.resource, current);
  }

  /** Deletion honouring finalizers: marks the object, or removes it at once when nothing holds it. */
  deleteObject(resource: ResourceName, current: KubeObject): KubeObject {
    const namespace = namespaceOf(current);
    if (resource === 'namespaces') return this.terminateNamespace(current);
    if ((current.metadata.finalizers ?? []).length > 0) {
      if (current.metadata.deletionTimestamp) return current;
      const marked = clone(current);
      marked.metadata.deletionTimestamp = this.now();
      marked.metadata.deletionGracePeriodSeconds = 0;
      const stored = this.store.put(resource, marked, 'MODIFIED');
      this.notify(resource, stored, 'MODIFIED');
      return stored;
    }
    this.removeObject(resource, namespace, current.metadata.name);
    return current;
  }

  private removeObject(resource: ResourceName, namespace: string, name: string): void {
    const gone = this.store.remove(resource, namespace, name);
    if (!gone) return;
    if (resource === 'pods') {
      this.forgetLogs(namespace, name);
      this.refreshQuotaUsage(namespace);
    }
    this.collectGarbage(namespace);
    this.notify(resource, gone, 'DELETED');
    if (namespace) this.finishNamespaceIfEmpty(namespace);
  }

  /**
   * Namespace deletion (pkg/controller/namespace/deletion/namespaced_resources_deleter.go):
   * the namespace turns `Terminating`, the controller deletes everything in it, objects with
   * finalizers hold it until they are released, then the namespace goes.
   */
  private terminateNamespace(current: KubeObject): KubeObject {
    if (current.metadata.deletionTimestamp) return current;
    const marked = clone(current);
    marked.metadata.deletionTimestamp = this.now();
    marked.status = { ...(marked.status as Json), phase: 'Terminating' };
    const stored = this.store.put('namespaces', marked, 'MODIFIED');
    this.notify('namespaces', stored, 'MODIFIED');
    const name = current.metadata.name;
    const cleanup = () => {
      for (const { resource, object } of this.store.inNamespace(name)) {
        const live = this.store.get(resource, name, object.metadata.name);
        if (live) this.deleteObject(resource, live);
      }
      this.finishNamespaceIfEmpty(name);
    };
    if (this.namespaceCleanupMs > 0) this.clock.after(this.namespaceCleanupMs, cleanup);
    else cleanup();
    return this.store.get('namespaces', '', name) ?? stored;
  }

  private finishNamespaceIfEmpty(namespace: string): void {
    const object = this.store.get('namespaces', '', namespace);
    if (!object?.metadata.deletionTimestamp) return;
    if (this.store.inNamespace(namespace).length > 0) return;
    const gone = this.store.remove('namespaces', '', namespace);
    if (gone) this.notify('namespaces', gone, 'DELETED');
  }

  /** Deletes, transitively, every object with an owner reference to an object that does not exist. */
  private collectGarbage(namespace: string): void {
    if (!namespace) return;
    const seen = new Set<string>();
    for (;;) {
      const objects = this.store.inNamespace(namespace);
      const exists = (ref: OwnerReference) =>
        objects.some(
          (o) =>
            o.object.metadata.uid === ref.uid &&
            o.object.kind === ref.kind &&
            o.object.metadata.name === ref.name &&
            !o.object.metadata.deletionTimestamp,
        );
      const orphan = objects.find((o) => {
        const refs = o.object.metadata.ownerReferences ?? [];
        const key = `${o.resource}/${o.object.metadata.name}`;
        return !seen.has(key) && refs.length > 0 && refs.every((r) => !exists(r));
      });
      if (!orphan) return;
      seen.add(`${orphan.resource}/${orphan.object.metadata.name}`);
      const owner = objects.find((o) =>
        (orphan.object.metadata.ownerReferences ?? []).some((r) => r.uid === o.object.metadata.uid),
      );
      // Dependents of an owner that is only being deleted wait for it (foreground) — not modelled;
      // an owner that is gone or marked takes its dependents with it.
      if (owner && !owner.object.metadata.deletionTimestamp) continue;
      this.deleteObject(orphan.resource, orphan.object);
    }
  }

  // ---- pod logs ---------------------------------------------------------------------------

  private logKey(namespace: string, pod: string, container: string): string {
    return `${namespace}/${pod}/${container}`;
  }

  /** Appends to the current run of a container. */
  appendLog(namespace: string, pod: string, container: string, text: string): void {
    const key = this.logKey(namespace, pod, container);
    const runs = this.logs.get(key) ?? [''];
    runs[runs.length - 1] = `${runs[runs.length - 1] ?? ''}${text}`;
    this.logs.set(key, runs);
  }

  /** A container restarted: its next run's log starts empty, the last one becomes `previous`. */
  startNewRun(namespace: string, pod: string, container: string): void {
    const key = this.logKey(namespace, pod, container);
    const runs = this.logs.get(key) ?? [''];
    runs.push('');
    this.logs.set(key, runs);
  }

  private forgetLogs(namespace: string, pod: string): void {
    for (const key of [...this.logs.keys()])
      if (key.startsWith(`${namespace}/${pod}/`)) this.logs.delete(key);
  }

  /** `GET …/pods/{name}/log`: the chosen run, then the tail, then the byte limit, as the kubelet applies them. */
  podLog(
    namespace: string,
    name: string,
    container: string | null,
    tailLines: number | null,
    limitBytes: number | null,
    previous = false,
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
    const status = ((pod.status as Json).containerStatuses as Json[] | undefined)?.find(
      (c) => c.name === chosen,
    );
    const runs = this.logs.get(this.logKey(namespace, name, chosen)) ?? [];
    let text: string;
    if (previous) {
      // kubelet: the run before the current one, which exists once the container restarted.
      if (Number(status?.restartCount ?? 0) < 1 || runs.length < 2) {
        throw badRequest(`previous terminated container "${chosen}" in pod "${name}" not found`);
      }
      text = runs[runs.length - 2] ?? '';
    } else {
      const state = status?.state;
      const waiting = isJson(state) && isJson(state.waiting) ? state.waiting : undefined;
      // A container waiting to be restarted still has its last run's log; one never started has none.
      if (waiting && Number(status?.restartCount ?? 0) === 0) {
        throw badRequest(
          `container "${chosen}" in pod "${name}" is waiting to start: ${String(waiting.reason)}`,
        );
      }
      text = runs[runs.length - 1] ?? '';
    }
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

  // ---- the Job controller -----------------------------------------------------------------

  /** The Job controller's reaction to a new Job: its pod (unless Pod Security refuses it) and status. */
  private runJobController(job: KubeObject): string[] {
    const namespace = namespaceOf(job);
    const spec = job.spec as Json;
    if (spec.suspend === true) return [];
    const template = spec.template as Json;
    const podSpec = clone(template.spec as Json);
    const warnings: string[] = [];
    const violations = restrictedViolations(podSpec);
    if (this.podSecurity(namespace, 'warn') === 'restricted' && violations.length > 0) {
      warnings.push(podSecurityWarning(violations));
    }
    if (this.podSecurity(namespace, 'enforce') === 'restricted' && violations.length > 0) return warnings;
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
        creationTimestamp: this.now(),
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
    for (const c of (podSpec.containers as Json[] | undefined) ?? []) {
      this.logs.set(this.logKey(namespace, pod.metadata.name, String(c.name)), ['']);
    }
    job.status = { startTime: this.now(), active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} };
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

  podsOf(owner: KubeObject): KubeObject[] {
    return this.store
      .list('pods', namespaceOf(owner))
      .filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid));
  }

  /** Moves a Job and its pod forward as the kubelet and Job controller would. */
  advance(jobName: string, progress: JobProgress, options: AdvanceOptions = {}): void {
    const job = this.findJob(jobName, options.namespace);
    const namespace = namespaceOf(job);
    const pod = this.podsOf(job)[0];
    if (!pod)
      throw new Error(`Kubernetes fake: Job "${jobName}" has no pod (refused by Pod Security, or deleted)`);
    const podStatus = pod.status as Json;
    const containers = (podStatus.containerStatuses as Json[] | undefined) ?? [];
    if (options.logs) {
      for (const c of containers) this.appendLog(namespace, pod.metadata.name, String(c.name), options.logs);
    }
    const status = (job.status as Json | undefined) ?? {};
    const startedAt = (podStatus.startTime as string | undefined) ?? this.now();

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

    const finishedAt = this.now();
    const succeeded = progress === 'complete';
    const exitCode = options.exitCode ?? (succeeded ? 0 : 1);
    const reason = succeeded ? 'Completed' : (options.reason ?? 'BackoffLimitExceeded');
    const podGoesToo = !succeeded && reason === 'DeadlineExceeded';
    if (podGoesToo) {
      // The Job controller kills the running pod when the deadline passes.
      this.store.remove('pods', namespace, pod.metadata.name);
      this.forgetLogs(namespace, pod.metadata.name);
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
