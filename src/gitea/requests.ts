import type { HttpResponse, RequestParams } from 'gitea-js';
import { GiteaError } from './errors.ts';
import { collectPages, DEFAULT_PAGE_LIMIT, type Page } from './pagination.ts';
import { type GiteaTransport, totalCountOf } from './transport.ts';
import { UnexpectedGiteaResponseError } from './types.ts';

/** What every resource of the client shares: path segments, reading bodies and whole lists. */

export interface ListOptions {
  /** Stop after this many items. Default: every page. */
  maxItems?: number;
}

export const seg = (value: string | number): string => encodeURIComponent(String(value));

/** A path whose `/` separators Gitea's route expects unescaped (file paths, branch names). */
export const segs = (value: string): string => value.split('/').map(seg).join('/');

/** Cache and comparison key of a repository: Gitea's names are case-insensitive. */
export function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

/** Logins compare case-insensitively, like Gitea's. */
export function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function basicAuth(username: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

/** Converts a response body; a body Gitea should have sent but did not is a GiteaError. */
export function readBody<Data, Result>(
  t: GiteaTransport,
  response: HttpResponse<Data, unknown>,
  convert: (data: Data) => Result,
): Result {
  try {
    if (response.data === null || response.data === undefined) {
      throw new UnexpectedGiteaResponseError('Gitea response has no JSON body');
    }
    return convert(response.data);
  } catch (error) {
    if (!(error instanceof UnexpectedGiteaResponseError)) throw error;
    const { method, path } = t.requestOf(response);
    throw new GiteaError(
      { status: response.status, method, path, giteaMessage: error.message },
      'unexpected response',
    );
  }
}

/** Every page of a list endpoint, converted. */
export async function readAllPages<Raw, Item>(
  t: GiteaTransport,
  request: (page: number, limit: number, params: RequestParams) => Promise<HttpResponse<Raw[], unknown>>,
  convert: (raw: Raw) => Item,
  options: ListOptions = {},
): Promise<Item[]> {
  const { items } = await collectPages(
    async (page, limit): Promise<Page<Item>> => {
      const response = await t.call('idempotent', (p) => request(page, limit, p));
      return {
        items: readBody(t, response, (data) => data.map(convert)),
        totalCount: totalCountOf(response),
      };
    },
    { limit: DEFAULT_PAGE_LIMIT, maxItems: options.maxItems },
  );
  return items;
}
