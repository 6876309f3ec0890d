import { CookieJar } from './cookie-jar.ts';
import { BoardLoginError, BoardRequestError, BoardTwoFactorError } from './errors.ts';
import { findCsrfToken, findFlashError } from './gitea-html.ts';

/**
 * A signed-in session with Gitea's web UI, for the routes that have no REST API (project
 * boards). Gitea's web routes take only the session cookie: API tokens are ignored there and
 * the request runs as a visitor (reference: gitea-project-web-routes.md §3).
 *
 * - Sign-in: `POST /user/login` with `user_name` and `password` as a form; 303 with the
 *   `i_like_gitea` cookie is success, 200 (the page again, with an error flash) is a refusal,
 *   303 to `/user/two_factor` or `/user/webauthn` means the account has 2FA.
 * - An expired session is a visitor: sign-in-only routes answer 303 to `/user/login`, project
 *   routes 404. On either, the session checks whether it is still signed in (`/user/settings`
 *   redirects visitors to the sign-in page), signs in again once, and repeats the request.
 * - CSRF: Gitea 1.26 has no token; it refuses cross-origin requests (`Origin`,
 *   `Sec-Fetch-Site`), and a server-side client sends neither. Gitea ≤ 1.25 wants the token of
 *   the page (or the `_csrf` cookie) in `X-Csrf-Token` on POST: sent whenever one is known.
 * - Redirects are never followed: where a 303 points is the answer.
 */

export interface WebSessionOptions {
  /** Gitea's root URL, e.g. `https://gitea.example.com` (a sub-path like `/gitea` is fine). */
  giteaUrl: string;
  login: string;
  password: string;
  /** Per request. Default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface WebRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below Gitea's root, starting with `/`. */
  path: string;
  query?: Record<string, string>;
  /** Sent as `application/x-www-form-urlencoded` (what `web.Bind` routes read). */
  form?: Record<string, string>;
  /** Sent as `application/json` (what the move routes decode). */
  json?: unknown;
  /** What the answer should be: an HTML page, or JSON (`ok`, `redirect`, errors). */
  accept: 'html' | 'json';
}

export interface WebAnswer {
  status: number;
  /** The `Location` of a redirect, resolved to a path below Gitea's root; null otherwise. */
  location: string | null;
  contentType: string;
  text: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const ACCEPT = { html: 'text/html,application/xhtml+xml', json: 'application/json' } as const;

export class GiteaWebSession {
  readonly login: string;
  private readonly root: string;
  private readonly rootPath: string;
  private readonly password: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly jar = new CookieJar();
  /** The CSRF token of the last page read since signing in (Gitea ≤ 1.25 only). */
  private pageCsrfToken: string | null = null;
  private signedIn = false;
  private signingIn: Promise<void> | null = null;

  constructor(options: WebSessionOptions) {
    if (!URL.canParse(options.giteaUrl)) {
      throw new Error(
        `Gitea URL "${options.giteaUrl}" is not a URL (expected e.g. https://gitea.example.com)`,
      );
    }
    this.root = options.giteaUrl.replace(/\/+$/, '');
    this.rootPath = new URL(this.root).pathname.replace(/\/+$/, '');
    this.login = options.login;
    this.password = options.password;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** A path as it appears in Gitea's links (with the site's sub-path), e.g. `/gitea/alice/shop`. */
  sitePath(path: string): string {
    return `${this.rootPath}${path}`;
  }

  /**
   * Sends a request in the signed-in session (signing in first when needed). An answer that
   * looks like an expired session leads to one sign-in and one repeat.
   */
  async send(request: WebRequest): Promise<WebAnswer> {
    if (!this.signedIn) await this.signIn();
    let answer = await this.sendWithCsrf(request);
    if (this.isSignInRedirect(answer) || [401, 403, 404].includes(answer.status)) {
      if (this.isSignInRedirect(answer) || !(await this.stillSignedIn())) {
        this.signedIn = false;
        await this.signIn();
        answer = await this.sendWithCsrf(request);
        if (this.isSignInRedirect(answer)) {
          throw new BoardRequestError(
            request.method,
            request.path,
            answer.status,
            `Gitea sends "${this.login}" to the sign-in page right after signing in`,
          );
        }
      }
    }
    return answer;
  }

  /** Signs in with the password (concurrent callers share one attempt). */
  async signIn(): Promise<void> {
    if (!this.signingIn) {
      this.signingIn = this.signInOnce().finally(() => {
        this.signingIn = null;
      });
    }
    return this.signingIn;
  }

  private async signInOnce(): Promise<void> {
    this.jar.clear();
    this.pageCsrfToken = null;
    const answer = await this.exchange({
      method: 'POST',
      path: '/user/login',
      form: { user_name: this.login, password: this.password },
      accept: 'html',
    });
    if (answer.status === 302 || answer.status === 303) {
      const target = answer.location ?? '';
      if (target.startsWith('/user/two_factor')) throw new BoardTwoFactorError(this.login, 'totp');
      if (target.startsWith('/user/webauthn')) throw new BoardTwoFactorError(this.login, 'webauthn');
      if (target.startsWith('/user/settings/change_password')) {
        throw new BoardLoginError(
          this.login,
          'Gitea requires a password change first; sign in once in a browser and change it',
        );
      }
      if (target.startsWith('/user/login')) {
        throw new BoardLoginError(this.login, 'Gitea sent the sign-in page back');
      }
      this.signedIn = true;
      return;
    }
    if (answer.status === 200) {
      throw new BoardLoginError(
        this.login,
        findFlashError(answer.text) ??
          'Gitea showed the sign-in page again (wrong password, inactive or blocked account)',
      );
    }
    if (answer.status === 403) {
      throw new BoardLoginError(
        this.login,
        `sign-in with a password is disabled or refused (403: ${answer.text.trim().slice(0, 200)})`,
      );
    }
    throw new BoardRequestError('POST', '/user/login', answer.status, answer.text.trim().slice(0, 200));
  }

  /** Whether the session is still signed in: `/user/settings` sends visitors to the sign-in page. */
  private async stillSignedIn(): Promise<boolean> {
    const answer = await this.exchange({ method: 'GET', path: '/user/settings', accept: 'html' });
    return !this.isSignInRedirect(answer);
  }

  private isSignInRedirect(answer: WebAnswer): boolean {
    return (
      (answer.status === 302 || answer.status === 303) &&
      answer.location !== null &&
      /^\/user\/login(?:[?#]|$)/.test(answer.location)
    );
  }

  /** Gitea ≤ 1.25 refuses a POST without the session's CSRF token: fetch a fresh one and repeat once. */
  private async sendWithCsrf(request: WebRequest): Promise<WebAnswer> {
    const answer = await this.exchange(request);
    if (answer.status !== 400 || !/csrf/i.test(answer.text)) return answer;
    this.pageCsrfToken = null;
    await this.exchange({ method: 'GET', path: '/user/settings', accept: 'html' });
    return this.exchange(request);
  }

  private csrfToken(): string | null {
    const cookie = this.jar.get('_csrf');
    return this.pageCsrfToken ?? (cookie === undefined ? null : decodeURIComponent(cookie));
  }

  /** One HTTP exchange: cookies in and out, no redirect following, typed network failures. */
  private async exchange(request: WebRequest): Promise<WebAnswer> {
    const url = new URL(`${this.root}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    const headers = new Headers({ Accept: ACCEPT[request.accept] });
    const cookie = this.jar.header();
    if (cookie) headers.set('Cookie', cookie);
    const token = request.method === 'GET' ? null : this.csrfToken();
    if (token) headers.set('X-Csrf-Token', token);
    let body: string | undefined;
    if (request.form) {
      headers.set('Content-Type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(request.form).toString();
    } else if (request.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(request.json);
    }
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method: request.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const what =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : String(error);
      throw new BoardRequestError(request.method, request.path, 0, what, error);
    }
    this.jar.store(response.headers.getSetCookie());
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.includes('text/html')) {
      const pageToken = findCsrfToken(text);
      if (pageToken) this.pageCsrfToken = pageToken;
    }
    return { status: response.status, location: this.locationOf(response, url), contentType, text };
  }

  /** A redirect target as a path below Gitea's root (`/user/login?…`), or the full URL when off-site. */
  private locationOf(response: Response, requestUrl: URL): string | null {
    const location = response.headers.get('location');
    if (location === null) return null;
    const target = new URL(location, requestUrl);
    const root = new URL(this.root);
    const relative = target.pathname.startsWith(`${this.rootPath}/`)
      ? target.pathname.slice(this.rootPath.length)
      : target.pathname;
    if (target.origin !== root.origin) return target.toString();
    return `${relative}${target.search}`;
  }
}
