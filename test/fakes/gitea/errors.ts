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

/** Gitea's generic not-found message (locale key error.not_found). */
export const NOT_FOUND_MESSAGE = "The target couldn't be found.";

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

export function errorBody(error: ApiError, swaggerUrl: string): Record<string, unknown> {
  if (error.errors !== undefined) return { errors: error.errors, message: error.message, url: swaggerUrl };
  return { message: error.message, url: swaggerUrl };
}
