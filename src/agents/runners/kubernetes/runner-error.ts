import { apiStatusCode, describeApiError } from '../../../kubernetes/api-errors.ts';

/** A Kubernetes call of the runner failed; says what it was doing and what the API said. */
export class KubernetesRunnerError extends Error {
  readonly statusCode: number | undefined;

  constructor(action: string, cause: unknown) {
    super(`Kubernetes runner could not ${action}: ${describeApiError(cause)}`, { cause });
    this.name = 'KubernetesRunnerError';
    this.statusCode = apiStatusCode(cause);
  }
}
