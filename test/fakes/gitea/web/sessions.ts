import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Web sessions as Gitea keeps them (`[session]` defaults): a cookie `i_like_gitea` holding a
 * session id, SameSite=Lax, regenerated at login. Visitors who are not signed in get a session
 * too. Until 1.25 each session also had a CSRF token (cookie `_csrf`, a hidden `_csrf` input and
 * `window.config.csrfToken`); 1.26 dropped it for Go's cross-origin protection.
 */

export const SESSION_COOKIE = 'i_like_gitea';
export const CSRF_COOKIE = '_csrf';
export const FLASH_COOKIE = '_flash';

export interface WebSession {
  id: string;
  /** The signed-in user; null for a visitor. */
  userId: number | null;
  /** Set between the password step and the second factor (`twofaUid` in Gitea). */
  twoFactorUserId: number | null;
  /** Gitea ≤ 1.25 only. */
  csrfToken: string;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export class SessionStore {
  private readonly sessions = new Map<string, WebSession>();

  /** The session of the request's cookie, or a new visitor session when it has none or an unknown one. */
  resolve(cookies: ReadonlyMap<string, string>): { session: WebSession; isNew: boolean } {
    const id = cookies.get(SESSION_COOKIE);
    const existing = id ? this.sessions.get(id) : undefined;
    if (existing) return { session: existing, isNew: false };
    return { session: this.create(null), isNew: true };
  }

  /** RegenerateSession: the old id stops working; the new session carries the user. */
  regenerate(old: WebSession, fields: Pick<WebSession, 'userId' | 'twoFactorUserId'>): WebSession {
    this.sessions.delete(old.id);
    const session = this.create(fields.userId);
    session.twoFactorUserId = fields.twoFactorUserId;
    return session;
  }

  /** Every session ends (SESSION_LIFE_TIME passed, or the store was flushed). */
  expireAll(): void {
    this.sessions.clear();
  }

  private create(userId: number | null): WebSession {
    const session: WebSession = {
      id: randomBytes(8).toString('hex'),
      userId,
      twoFactorUserId: null,
      csrfToken: randomBytes(16).toString('base64url'),
    };
    this.sessions.set(session.id, session);
    return session;
  }
}

export function sessionCookie(session: WebSession): string {
  return `${SESSION_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Lax`;
}

export function csrfCookie(session: WebSession): string {
  return `${CSRF_COOKIE}=${encodeURIComponent(session.csrfToken)}; Path=/; HttpOnly; SameSite=Lax`;
}

export function deleteCookie(name: string): string {
  return `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Go's `http.CrossOriginProtection.Check`, which Gitea 1.26 runs on every web route: safe
 * methods pass; `Sec-Fetch-Site` must be `same-origin` or `none` when present; without it, an
 * `Origin` must match `Host` when present. Returns the 403 message, or null when it passes.
 */
export function crossOriginRefusal(method: string, headers: IncomingHttpHeaders): string | null {
  if (SAFE_METHODS.has(method)) return null;
  const site = headerValue(headers['sec-fetch-site']);
  if (site !== '') {
    return site === 'same-origin' || site === 'none'
      ? null
      : 'cross-origin request detected from Sec-Fetch-Site header';
  }
  const origin = headerValue(headers.origin);
  if (origin === '') return null;
  const host = headerValue(headers.host);
  if (URL.canParse(origin) && new URL(origin).host === host) return null;
  return 'cross-origin request detected, and/or browser is out of date: Sec-Fetch-Site is missing, and Origin does not match Host';
}

/**
 * Gitea ≤ 1.25's CSRF check, on POST only: the token from the `X-Csrf-Token` header or the
 * `_csrf` form field must be the session's. Returns true when it passes.
 */
export function csrfAccepted(
  method: string,
  headers: IncomingHttpHeaders,
  formToken: string | undefined,
  session: WebSession,
): boolean {
  if (method !== 'POST') return true;
  const token = headerValue(headers['x-csrf-token']) || formToken || '';
  return token !== '' && token === session.csrfToken;
}

function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}
