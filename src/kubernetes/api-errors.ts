import { ApiException } from '@kubernetes/client-node';

/**
 * The Kubernetes API answers errors with a `Status` object (`reason`, `message`, `code`);
 * the generated client hands it over as the raw response text. These helpers read it back,
 * so callers can branch on 404/409 and users read the API server's own words. Shared by the
 * agents runner and the preview deployer.
 */

interface StatusBody {
  reason?: string;
  message?: string;
}

export function apiStatusCode(error: unknown): number | undefined {
  if (error instanceof ApiException && typeof error.code === 'number') return error.code;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => apiStatusCode(error) === 404;
export const isAlreadyExists = (error: unknown): boolean => apiStatusCode(error) === 409;

function statusBody(error: ApiException<unknown>): StatusBody | undefined {
  const body = error.body;
  if (typeof body === 'object' && body !== null) return body as StatusBody;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as StatusBody) : undefined;
  } catch {
    return { message: body.slice(0, 500) };
  }
}

/** `422 Invalid: Job.batch "x" is invalid: …`, or the error's own message for non-API errors. */
export function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const status = statusBody(error);
    const reason = status?.reason ? ` ${status.reason}` : '';
    return `${error.code}${reason}: ${status?.message ?? error.message.split('\n')[0]}`;
  }
  return error instanceof Error ? error.message : String(error);
}
