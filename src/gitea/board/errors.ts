/**
 * Failures of the Project board adapter's web session. Like the API client's errors they carry
 * `isRetryable`, so the queue can tell a Gitea hiccup (network, 5xx) from a setup problem that
 * needs a person (wrong password, 2FA, Projects disabled).
 */

export class BoardError extends Error {
  readonly isRetryable: boolean;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.isRetryable = options.retryable ?? false;
  }
}

/** Gitea refused the bot's password sign-in (wrong password, blocked or inactive account…). */
export class BoardLoginError extends BoardError {
  constructor(
    readonly login: string,
    reason: string,
  ) {
    super(
      `Gitea refused the web sign-in of "${login}": ${reason}. ` +
        'GITEA_BOT_PASSWORD must be the password of the bot account (the user of GITEA_TOKEN).',
    );
  }
}

/** The bot account has two-factor authentication, which a server-side sign-in cannot complete. */
export class BoardTwoFactorError extends BoardError {
  constructor(
    readonly login: string,
    readonly method: 'totp' | 'webauthn',
  ) {
    super(
      `the Gitea account "${login}" has two-factor authentication (${method === 'totp' ? 'a one-time passcode' : 'a security key'}) enabled, ` +
        'so AiWorker cannot sign in to the web UI that drives Project boards. Use a dedicated bot account ' +
        'without two-factor authentication, or unset GITEA_BOT_PASSWORD to show the board with the ai-status labels.',
    );
  }
}

/** A web request answered with something the adapter cannot use. */
export class BoardRequestError extends BoardError {
  constructor(
    readonly method: string,
    readonly path: string,
    /** HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    detail: string,
    cause?: unknown,
  ) {
    const shownStatus = status > 0 ? ` (${status})` : '';
    super(`Gitea web ${method} ${path} failed${shownStatus}: ${detail}`, {
      retryable: status === 0 || status === 429 || status >= 500,
      cause,
    });
  }
}
