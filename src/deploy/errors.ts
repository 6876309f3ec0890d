import { apiStatusCode, describeApiError } from '../kubernetes/api-errors.ts';

/** A cluster call of a deployer failed; says what it was doing and what the API server said. */
export class DeployError extends Error {
  readonly statusCode: number | undefined;

  constructor(action: string, cause: unknown) {
    super(`could not ${action}: ${describeApiError(cause)}`, { cause });
    this.name = 'DeployError';
    this.statusCode = apiStatusCode(cause);
  }
}

/**
 * The preview's name is taken by something the bot must not touch: another repository's
 * preview (same repository name under another owner), or a namespace or Application the bot
 * did not make. Nothing was written.
 */
export class PreviewNameTakenError extends Error {
  constructor(
    readonly previewName: string,
    readonly holder: string,
  ) {
    super(`${previewName} is taken by ${holder}; the preview was not deployed`);
    this.name = 'PreviewNameTakenError';
  }
}

/** The previous preview under this name is still being deleted; deploying again later will work. */
export class PreviewTerminatingError extends Error {
  constructor(readonly previewName: string) {
    super(`the previous preview ${previewName} is still being torn down; try again in a moment`);
    this.name = 'PreviewTerminatingError';
  }
}
