import type { ResourceType } from './types.ts';

/**
 * Error answers in the API server's own form: a `v1 Status` object whose `reason`, `code`
 * and `message` match what kube-apiserver sends, so clients parse them as in production.
 */

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

export class StatusError extends Error {
  constructor(readonly status: ApiStatus) {
    super(status.message);
  }
}

function failure(code: number, reason: string, message: string, details?: ApiStatus['details']): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

export const notFound = (type: ResourceType, name: string) =>
  failure(404, 'NotFound', `${type.qualified} "${name}" not found`, {
    name,
    ...(type.group ? { group: type.group } : {}),
    kind: type.resource,
  });

export const namespaceNotFound = (namespace: string) =>
  failure(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });

export const routeNotFound = () =>
  failure(404, 'NotFound', 'the server could not find the requested resource');

export const alreadyExists = (type: ResourceType, name: string) =>
  failure(409, 'AlreadyExists', `${type.qualified} "${name}" already exists`, {
    name,
    ...(type.group ? { group: type.group } : {}),
    kind: type.resource,
  });

export const invalid = (type: ResourceType, name: string, causes: StatusCause[]) =>
  failure(
    422,
    'Invalid',
    `${type.qualifiedKind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
    { name, ...(type.group ? { group: type.group } : {}), kind: type.kind, causes },
  );

export const badRequest = (message: string) => failure(400, 'BadRequest', message);

/** An admission plugin's refusal (apiserver/pkg/admission/errors.go NewForbidden). */
export const forbidden = (type: ResourceType, name: string, reason: string) =>
  failure(403, 'Forbidden', `${type.qualified} "${name}" is forbidden: ${reason}`, {
    name,
    ...(type.group ? { group: type.group } : {}),
    kind: type.resource,
    causes: [],
  });

export const unauthorized = () => failure(401, 'Unauthorized', 'Unauthorized');

export const methodNotAllowed = () =>
  failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export const unsupportedMediaType = (contentType: string) =>
  failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${contentType || 'no content type'}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
  );

export const expired = (requested: number, oldest: number) =>
  failure(410, 'Expired', `too old resource version: ${requested} (${oldest})`);

export const internalError = (message: string) => failure(500, 'InternalError', message);

export const injected = (code: number, reason: string, message: string) => failure(code, reason, message);
