/**
 * The cookies of one web session with one Gitea host: the session (`i_like_gitea`) and, on
 * Gitea ≤ 1.25, the CSRF token (`_csrf`). Path and domain attributes are ignored: every request
 * goes to the same site, and Gitea scopes its cookies to the whole of it.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Applies a response's `Set-Cookie` headers; an expired or `Max-Age=0` cookie is removed. */
  store(setCookieHeaders: readonly string[], now: number = Date.now()): void {
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || isExpired(attributes, now)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** The `Cookie` request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  clear(): void {
    this.cookies.clear();
  }
}

function isExpired(attributes: readonly string[], now: number): boolean {
  for (const attribute of attributes) {
    const eq = attribute.indexOf('=');
    const key = (eq < 0 ? attribute : attribute.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : attribute.slice(eq + 1).trim();
    if (key === 'max-age' && /^-?\d+$/.test(value) && Number(value) <= 0) return true;
    if (key === 'expires') {
      const when = Date.parse(value);
      if (!Number.isNaN(when) && when <= now) return true;
    }
  }
  return false;
}
