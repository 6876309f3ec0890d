import { badRequest, internalError, unsupportedMediaType } from './api-status.ts';
import { clone, isJson, type Json } from './types.ts';

/**
 * The PATCH bodies kube-apiserver accepts, chosen by Content-Type as it does: JSON Patch
 * (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch (merge patch whose lists
 * of known kinds merge element by element on their merge key, e.g. ownerReferences by uid).
 */

/** Merge keys of the lists that strategic merge patch merges instead of replacing. */
const STRATEGIC_MERGE_KEYS: Record<string, string> = {
  ownerReferences: 'uid',
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  conditions: 'type',
  imagePullSecrets: 'name',
};

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJson(patch)) return clone(patch);
  const result: Json = isJson(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export function strategicMergePatch(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) {
    const mergeKey = STRATEGIC_MERGE_KEYS[field];
    if (!mergeKey || !Array.isArray(target)) return clone(patch);
    const merged: unknown[] = target.map((item) => clone(item));
    for (const item of patch) {
      const key = isJson(item) ? item[mergeKey] : undefined;
      const index = merged.findIndex((existing) => isJson(existing) && existing[mergeKey] === key);
      if (isJson(item) && item.$patch === 'delete') {
        if (index >= 0) merged.splice(index, 1);
      } else if (index >= 0) {
        merged[index] = strategicMergePatch(merged[index], item);
      } else {
        merged.push(clone(item));
      }
    }
    return merged;
  }
  if (!isJson(patch)) return clone(patch);
  const result: Json = isJson(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) delete result[key];
    else result[key] = strategicMergePatch(result[key], value, key);
  }
  return result;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`the JSON pointer "${path}" must start with "/"`);
  return path
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(
  document: unknown,
  tokens: string[],
  path: string,
): { parent: Json | unknown[]; last: string } {
  let node: unknown = document;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isJson(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw badRequest(`doc is missing path: "${path}": missing value`);
  }
  if (!Array.isArray(node) && !isJson(node))
    throw badRequest(`doc is missing path: "${path}": missing value`);
  return { parent: node, last: tokens[tokens.length - 1] ?? '' };
}

export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('the JSON patch must be an array of operations');
  let document = clone(target);
  for (const operation of operations) {
    if (!isJson(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw badRequest('every JSON patch operation needs "op" and "path"');
    }
    const tokens = pointer(operation.path);
    if (tokens.length === 0) {
      if (operation.op === 'replace' || operation.op === 'add') document = clone(operation.value);
      else throw badRequest(`unsupported JSON patch operation "${operation.op}" on the whole document`);
      continue;
    }
    const { parent, last } = parentOf(document, tokens, operation.path);
    const exists = Array.isArray(parent) ? Number(last) < parent.length : last in parent;
    switch (operation.op) {
      case 'add':
        if (Array.isArray(parent)) {
          parent.splice(last === '-' ? parent.length : Number(last), 0, clone(operation.value));
        } else parent[last] = clone(operation.value);
        break;
      case 'replace':
        if (!exists)
          throw badRequest(`replace operation does not apply: doc is missing key: ${operation.path}`);
        if (Array.isArray(parent)) parent[Number(last)] = clone(operation.value);
        else parent[last] = clone(operation.value);
        break;
      case 'remove':
        if (!exists)
          throw badRequest(`remove operation does not apply: doc is missing key: ${operation.path}`);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'test': {
        const actual = Array.isArray(parent) ? parent[Number(last)] : parent[last];
        if (JSON.stringify(actual) !== JSON.stringify(operation.value)) {
          throw new StatusTestFailed(operation.path);
        }
        break;
      }
      default:
        throw badRequest(`unsupported JSON patch operation "${operation.op}"`);
    }
  }
  return document;
}

class StatusTestFailed extends Error {
  constructor(path: string) {
    super(`testing value ${path} failed`);
  }
}

/** Applies a PATCH body according to its Content-Type. */
export function applyPatch(target: Json, contentType: string, body: unknown): unknown {
  switch (contentType) {
    case 'application/merge-patch+json':
      return mergePatch(target, body);
    case 'application/strategic-merge-patch+json':
      return strategicMergePatch(target, body);
    case 'application/json-patch+json':
      try {
        return jsonPatch(target, body);
      } catch (error) {
        if (error instanceof StatusTestFailed) throw badRequest(error.message);
        throw error;
      }
    case 'application/apply-patch+yaml':
      throw internalError('the Kubernetes fake does not implement server-side apply');
    default:
      throw unsupportedMediaType(contentType);
  }
}
