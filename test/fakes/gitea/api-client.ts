/** A bare REST client for tests of the fake itself: status, parsed JSON, raw text, headers. */

export interface ApiAnswer {
  status: number;
  json: unknown;
  text: string;
  headers: Headers;
}

export type ApiCall = (
  path: string,
  init?: { method?: string; body?: unknown; token?: string | null },
) => Promise<ApiAnswer>;

/** Calls `${baseUrl}/api/v1${path}` with `token X` (default `token`; null: anonymous) and a JSON body. */
export function apiClient(baseUrl: () => string, token: () => string | null): ApiCall {
  return async (path, init = {}) => {
    const headers: Record<string, string> = {};
    const auth = init.token === undefined ? token() : init.token;
    if (auth) headers.Authorization = `token ${auth}`;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${baseUrl()}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
}
