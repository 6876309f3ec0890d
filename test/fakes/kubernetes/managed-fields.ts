import { badRequest, StatusError } from './api-status.ts';
import {
  clone,
  isJson,
  type Json,
  type KubeObject,
  type ManagedFieldsEntry,
  type ResourceType,
} from './types.ts';

/**
 * Server-side apply and field ownership, after the Kubernetes docs page "Server-Side Apply"
 * (kubernetes.io/docs/reference/using-api/server-side-apply/) and the apiserver's
 * `k8s.io/apimachinery/pkg/util/managedfields/internal/` (structuredmerge.go, conflict.go,
 * managedfieldsupdater.go), with sigs.k8s.io/structured-merge-diff for the merge rules:
 *
 * - An apply records the applier's fields as its `Apply` entry; a create, update or non-apply
 *   patch moves every field it changes to the writer's `Update` entry (manager from
 *   `fieldManager`, else the User-Agent's program name).
 * - An apply that changes a field another manager owns fails with 409 Conflict, one cause per
 *   field; `force=true` takes the field over instead.
 * - A field the applier applied before and omits now is removed, unless another manager
 *   also owns it.
 * - Lists merge by the schema's list type: associative lists (containers by name, ports by
 *   port and protocol, ...) element by element, sets by value, everything else atomically;
 *   custom resources have atomic lists (no list-type markers in Argo CD's CRDs).
 */

/** A field path: `f:name`, `k:{"name":"app"}` (list element by key), `v:"x"` (set member). */
type PathElement = string;
type FieldPath = PathElement[];

type ListType = { kind: 'map'; keys: string[] } | { kind: 'set' } | { kind: 'atomic' };

/** Maps whose keys are data, owned key by key and as a whole (`.` in FieldsV1). */
const GRANULAR_MAPS = new Set([
  'labels',
  'annotations',
  'data',
  'stringData',
  'nodeSelector',
  'requests',
  'limits',
  'hard',
]);

/** Whether the field at `path` (names only) is a LabelSelector, which is `+structType=atomic`. */
function isAtomicStruct(type: ResourceType, names: string[]): boolean {
  const last = names[names.length - 1];
  if (last === 'podSelector' || last === 'namespaceSelector') return true;
  if (last !== 'selector') return false;
  // Service `spec.selector` is a plain map; workload selectors are LabelSelectors.
  return type.resource !== 'services';
}

function listType(type: ResourceType, names: string[]): ListType {
  const last = names[names.length - 1] ?? '';
  const inMetadata = names[0] === 'metadata';
  if (inMetadata && last === 'finalizers') return { kind: 'set' };
  if (inMetadata && last === 'ownerReferences') return { kind: 'map', keys: ['uid'] };
  if (type.custom) return { kind: 'atomic' };
  switch (last) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return { kind: 'map', keys: ['name'] };
    case 'volumeMounts':
      return { kind: 'map', keys: ['mountPath'] };
    case 'conditions':
      return { kind: 'map', keys: ['type'] };
    case 'ports': {
      const parent = names[names.length - 2];
      if (parent === 'containers' || parent === 'initContainers')
        return { kind: 'map', keys: ['containerPort', 'protocol'] };
      if (type.resource === 'services' && names.length === 2)
        return { kind: 'map', keys: ['port', 'protocol'] };
      return { kind: 'atomic' };
    }
    default:
      return { kind: 'atomic' };
  }
}

/** The key values of a list element; `protocol` defaults to TCP as the API server defaults it. */
function elementKey(item: Json, keys: string[]): Json {
  const key: Json = {};
  for (const k of keys) {
    const value = item[k] ?? (k === 'protocol' ? 'TCP' : undefined);
    if (value !== undefined) key[k] = value;
  }
  return key;
}

const encode = (path: FieldPath) => JSON.stringify(path);
const decode = (key: string) => JSON.parse(key) as FieldPath;

/** Field names along a path, skipping element selectors: what the schema rules look at. */
function namesOf(path: FieldPath): string[] {
  return path.filter((p) => p.startsWith('f:')).map((p) => p.slice(2));
}

/**
 * Every owned path in a value with, for leaves, the value's JSON (compared to find changes).
 * Element and map nodes map to '' (they exist or not).
 */
export function fieldEntries(type: ResourceType, object: Json, skipStatus: boolean): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (node: unknown, path: FieldPath) => {
    const names = namesOf(path);
    if (Array.isArray(node)) {
      const kind = listType(type, names);
      if (kind.kind === 'atomic') {
        entries.set(encode(path), JSON.stringify(node));
        return;
      }
      for (const item of node) {
        if (kind.kind === 'set') {
          entries.set(encode([...path, `v:${JSON.stringify(item)}`]), '');
          continue;
        }
        const element = [...path, `k:${JSON.stringify(elementKey(isJson(item) ? item : {}, kind.keys))}`];
        entries.set(encode(element), '');
        if (isJson(item)) for (const [k, v] of Object.entries(item)) walk(v, [...element, `f:${k}`]);
      }
      return;
    }
    if (isJson(node) && path.length > 0 && isAtomicStruct(type, names)) {
      entries.set(encode(path), JSON.stringify(node));
      return;
    }
    if (isJson(node)) {
      const keys = Object.keys(node);
      if (path.length > 0 && (keys.length === 0 || GRANULAR_MAPS.has(names[names.length - 1] ?? '')))
        entries.set(encode(path), keys.length === 0 ? '{}' : '');
      for (const key of keys) walk(node[key], [...path, `f:${key}`]);
      return;
    }
    entries.set(encode(path), JSON.stringify(node));
  };
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (skipStatus && key === 'status') continue;
    if (key === 'metadata' && isJson(value)) {
      // The server's own metadata is nobody's field.
      for (const [metaKey, metaValue] of Object.entries(value)) {
        if (SERVER_METADATA.has(metaKey)) continue;
        walk(metaValue, ['f:metadata', `f:${metaKey}`]);
      }
      continue;
    }
    walk(value, [`f:${key}`]);
  }
  return entries;
}

const SERVER_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/** FieldsV1: the nested `{"f:spec": {"f:replicas": {}}}` form, `.` marking an owned inner node. */
export function toFieldsV1(paths: Iterable<string>): Json {
  const root: Json = {};
  const all = [...paths].map(decode);
  for (const path of all) {
    let node = root;
    for (const element of path) {
      if (!isJson(node[element])) node[element] = {};
      node = node[element] as Json;
    }
  }
  for (const path of all) {
    let node = root;
    for (const element of path) node = node[element] as Json;
    if (Object.keys(node).some((k) => k !== '.')) node['.'] = {};
  }
  return sortKeys(root) as Json;
}

function sortKeys(value: unknown): unknown {
  if (!isJson(value)) return value;
  const sorted: Json = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
  return sorted;
}

function fromFieldsV1(fields: unknown): Set<string> {
  const paths = new Set<string>();
  const walk = (node: unknown, path: FieldPath) => {
    if (!isJson(node)) return;
    const children = Object.keys(node).filter((k) => k !== '.');
    if (path.length > 0 && (children.length === 0 || '.' in node)) paths.add(encode(path));
    for (const child of children) walk(node[child], [...path, child]);
  };
  walk(fields, []);
  return paths;
}

/** Where a path points in an object: the value, or undefined when it is not there. */
function resolve(object: unknown, path: FieldPath): unknown {
  let node: unknown = object;
  for (const element of path) {
    if (element.startsWith('f:')) {
      node = isJson(node) ? node[element.slice(2)] : undefined;
    } else if (element.startsWith('k:')) {
      const key = JSON.parse(element.slice(2)) as Json;
      node = Array.isArray(node)
        ? node.find(
            (item) =>
              isJson(item) && JSON.stringify(elementKey(item, Object.keys(key))) === JSON.stringify(key),
          )
        : undefined;
    } else if (element.startsWith('v:')) {
      const value = element.slice(2);
      node = Array.isArray(node) ? node.find((item) => JSON.stringify(item) === value) : undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes what a path points at: a map key, a list element or a set member. */
function removePath(object: Json, path: FieldPath): void {
  const parent = resolve(object, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (last.startsWith('f:') && isJson(parent)) {
    delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const target = resolve(object, path);
    const index = parent.indexOf(target);
    if (index >= 0) parent.splice(index, 1);
  }
}

/** Merges an applied configuration into the live object by the schema's list and map rules. */
function merge(type: ResourceType, live: unknown, applied: unknown, path: FieldPath): unknown {
  const names = namesOf(path);
  if (Array.isArray(applied)) {
    const kind = listType(type, names);
    if (kind.kind === 'atomic' || !Array.isArray(live)) return clone(applied);
    const result = live.map((item) => clone(item));
    for (const item of applied) {
      if (kind.kind === 'set') {
        if (!result.some((existing) => JSON.stringify(existing) === JSON.stringify(item)))
          result.push(clone(item));
        continue;
      }
      const key = JSON.stringify(elementKey(isJson(item) ? item : {}, kind.keys));
      const index = result.findIndex(
        (existing) => isJson(existing) && JSON.stringify(elementKey(existing, kind.keys)) === key,
      );
      if (index >= 0) result[index] = merge(type, result[index], item, [...path, `k:${key}`]);
      else result.push(clone(item));
    }
    return result;
  }
  if (isJson(applied) && !(path.length > 0 && isAtomicStruct(type, names))) {
    const result: Json = isJson(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(applied)) {
      result[key] = merge(type, result[key], value, [...path, `f:${key}`]);
    }
    return result;
  }
  return clone(applied);
}

interface Manager {
  entry: Omit<ManagedFieldsEntry, 'fieldsV1' | 'time' | 'fieldsType'> & { time?: string };
  paths: Set<string>;
}

function readManagers(object: KubeObject): Manager[] {
  return (object.metadata.managedFields ?? []).map((entry) => ({
    entry: { ...entry },
    paths: fromFieldsV1(entry.fieldsV1),
  }));
}

function sameManager(a: Manager['entry'], b: Manager['entry']): boolean {
  return (
    a.manager === b.manager && a.operation === b.operation && (a.subresource ?? '') === (b.subresource ?? '')
  );
}

function writeManagers(object: KubeObject, managers: Manager[], changed: Set<Manager>, time: string): void {
  const entries: ManagedFieldsEntry[] = [];
  for (const manager of managers) {
    if (manager.paths.size === 0) continue;
    entries.push({
      manager: manager.entry.manager,
      operation: manager.entry.operation,
      apiVersion: manager.entry.apiVersion,
      time: changed.has(manager) || !manager.entry.time ? time : manager.entry.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(manager.paths),
      ...(manager.entry.subresource ? { subresource: manager.entry.subresource } : {}),
    });
  }
  if (entries.length > 0) object.metadata.managedFields = entries;
  else delete object.metadata.managedFields;
}

/** `Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas`, as conflict.go words it. */
function conflictError(conflicts: Array<{ manager: Manager['entry']; path: FieldPath }>): StatusError {
  const describe = (m: Manager['entry']) => {
    const name = `"${m.manager}"${m.subresource ? ` with subresource "${m.subresource}"` : ''}`;
    return m.operation === 'Update' ? `${name} using ${m.apiVersion}${m.time ? ` at ${m.time}` : ''}` : name;
  };
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describe(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describe(conflicts[0]!.manager)}: ${pathString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, { manager: Manager['entry']; paths: string[] }>();
    for (const c of conflicts) {
      const group = byManager.get(c.manager.manager) ?? { manager: c.manager, paths: [] };
      group.paths.push(pathString(c.path));
      byManager.set(c.manager.manager, group);
    }
    const lines = [...byManager.keys()].sort().flatMap((name) => {
      const group = byManager.get(name)!;
      return [`conflicts with ${describe(group.manager)}:`, ...group.paths.map((p) => `- ${p}`)];
    });
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Conflict',
    details: { causes },
    code: 409,
  });
}

/** A path as structured-merge-diff prints it: `.spec.template.spec.containers[name="app"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((element) => {
      if (element.startsWith('f:')) return `.${element.slice(2)}`;
      if (element.startsWith('k:')) {
        const key = JSON.parse(element.slice(2)) as Json;
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      return `[=${element.slice(2)}]`;
    })
    .join('');
}

export interface ApplyOptions {
  fieldManager: string;
  force: boolean;
  time: string;
}

/**
 * Applies a configuration to the live object (an empty one when creating): returns the merged
 * object with its new managedFields, or throws 409 Conflict.
 */
export function serverSideApply(
  type: ResourceType,
  live: KubeObject,
  applied: Json,
  options: ApplyOptions,
): KubeObject {
  if (isJson(applied.metadata) && applied.metadata.managedFields !== undefined) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const skipStatus = type.statusSubresource;
  const appliedEntries = fieldEntries(type, applied, skipStatus);
  const managers = readManagers(live);
  const self: Manager['entry'] = {
    manager: options.fieldManager,
    operation: 'Apply',
    apiVersion: type.apiVersion,
  };
  let mine = managers.find((m) => sameManager(m.entry, self));
  const previous = new Set(mine?.paths ?? []);

  const conflicts: Array<{ manager: Manager['entry']; path: FieldPath; owner: Manager }> = [];
  for (const [key, value] of appliedEntries) {
    if (value === '') continue;
    const path = decode(key);
    const liveValue = resolve(live, path);
    if (liveValue !== undefined && JSON.stringify(liveValue) === value) continue;
    for (const other of managers) {
      if (other === mine || !other.paths.has(key)) continue;
      conflicts.push({ manager: other.entry, path, owner: other });
    }
  }
  if (conflicts.length > 0 && !options.force) throw conflictError(conflicts);
  const changed = new Set<Manager>();
  for (const conflict of conflicts) {
    conflict.owner.paths.delete(encode(conflict.path));
    changed.add(conflict.owner);
  }

  const { metadata: appliedMeta, ...appliedRest } = applied;
  const merged = merge(type, { ...live, metadata: { ...live.metadata } }, appliedRest, []) as KubeObject;
  const mergedMeta = merge(type, live.metadata, isJson(appliedMeta) ? stripServerMeta(appliedMeta) : {}, [
    'f:metadata',
  ]) as KubeObject['metadata'];
  merged.metadata = mergedMeta;

  // Fields this manager applied before and no longer applies go, unless someone else owns them.
  const ownedByOthers = (key: string) =>
    managers.some((m) => m !== mine && [...m.paths].some((p) => p === key || isPrefix(key, p)));
  const dropped = [...previous]
    .filter((key) => !appliedEntries.has(key) && !ownedByOthers(key))
    .map(decode)
    .sort((a, b) => b.length - a.length);
  for (const path of dropped) removePath(merged as unknown as Json, path);

  if (!mine) {
    mine = { entry: self, paths: new Set() };
    managers.push(mine);
  }
  const before = JSON.stringify([...mine.paths].sort());
  mine.paths = new Set(appliedEntries.keys());
  if (JSON.stringify([...mine.paths].sort()) !== before) changed.add(mine);
  const objectChanged =
    JSON.stringify(withoutManagedFields(merged)) !== JSON.stringify(withoutManagedFields(live));
  if (objectChanged) changed.add(mine);
  writeManagers(merged, managers, changed, options.time);
  return merged;
}

function isPrefix(prefixKey: string, key: string): boolean {
  const prefix = decode(prefixKey);
  const path = decode(key);
  return prefix.length < path.length && prefix.every((element, i) => path[i] === element);
}

function stripServerMeta(meta: Json): Json {
  const result: Json = {};
  for (const [key, value] of Object.entries(meta)) if (!SERVER_METADATA.has(key)) result[key] = value;
  return result;
}

function withoutManagedFields(object: KubeObject): unknown {
  const { managedFields: _m, resourceVersion: _r, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/**
 * Records a non-apply write (create, update, patch, or a controller's status write): the
 * writer takes every field whose value it changed, every other manager loses those fields,
 * and fields that disappeared are nobody's any more.
 */
export function recordUpdate(
  type: ResourceType,
  before: KubeObject | null,
  after: KubeObject,
  manager: string,
  time: string,
  subresource?: 'status',
): void {
  const onlyStatus = subresource === 'status';
  const pick = (object: KubeObject): Json =>
    onlyStatus ? { status: object.status } : (object as unknown as Json);
  const skipStatus = !onlyStatus && type.statusSubresource;
  const old = before ? fieldEntries(type, pick(before), skipStatus) : new Map<string, string>();
  const next = fieldEntries(type, pick(after), skipStatus);
  const managers = before ? readManagers(before) : [];
  // A write that sends managedFields of its own is taken as is, except that the API server keeps
  // its record when the body carries none.
  const self: Manager['entry'] = {
    manager,
    operation: 'Update',
    apiVersion: type.apiVersion,
    ...(subresource ? { subresource } : {}),
  };
  let mine = managers.find((m) => sameManager(m.entry, self));
  const changed = new Set<Manager>();
  const taken = [...next].filter(([key, value]) => old.get(key) !== value).map(([key]) => key);
  const gone = [...old.keys()].filter((key) => !next.has(key));
  for (const other of managers) {
    for (const key of [...taken, ...gone]) {
      if (other !== mine && other.paths.delete(key)) changed.add(other);
    }
    if (other === mine) for (const key of gone) other.paths.delete(key);
  }
  if (taken.length > 0) {
    if (!mine) {
      mine = { entry: self, paths: new Set() };
      managers.push(mine);
    }
    for (const key of taken) mine.paths.add(key);
    changed.add(mine);
  }
  writeManagers(after, managers, changed, time);
}

/** The manager a non-apply request is recorded under: `fieldManager`, else the User-Agent's program. */
export function managerOf(fieldManager: string | null, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const program = (userAgent ?? '').split('/')[0]?.trim();
  return program || 'unknown';
}
