import { versionAtLeast } from './version.ts';

/**
 * Errors the fake answers with, shaped like Gitea's API errors: `{"message", "url"}` for
 * APIError, plus `errors` for not-found answers (Gitea's APIErrorNotFound).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Gitea answers some refusals with an empty body (ctx.Status). */
    readonly emptyBody = false,
    /** Not-found answers carry an `errors` list. */
    readonly errors: string[] | null | undefined = undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Gitea's generic not-found message (services/context/api.go `APIErrorNotFound` without a
 * message): the locale's error.not_found in 1.24, plain `not found` from 1.25 on.
 */
export const NOT_FOUND_MESSAGE = "The target couldn't be found.";

export function genericNotFoundMessage(version: string): string {
  return versionAtLeast(version, 1, 25) ? 'not found' : NOT_FOUND_MESSAGE;
}

export function notFound(detail?: string): ApiError {
  return new ApiError(404, NOT_FOUND_MESSAGE, false, detail ? [detail] : null);
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, message);
}

/** `ctx.Status(403)`: a refusal without a body. */
export function forbiddenEmpty(): ApiError {
  return new ApiError(403, 'forbidden', true);
}

export function unprocessable(message: string): ApiError {
  return new ApiError(422, message);
}

export function errorBody(error: ApiError, swaggerUrl: string, version: string): Record<string, unknown> {
  if (error.errors !== undefined) {
    const message = error.message === NOT_FOUND_MESSAGE ? genericNotFoundMessage(version) : error.message;
    return { errors: error.errors, message, url: swaggerUrl };
  }
  return { message: error.message, url: swaggerUrl };
}
