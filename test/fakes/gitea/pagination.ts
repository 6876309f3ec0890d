/**
 * Gitea's list options and pagination headers: `page` (1-based) and `limit` (default 30,
 * at most 50), `X-Total-Count`, and a `Link` header with next/last/first/prev.
 */
export const DEFAULT_PAGING_NUM = 30;
export const MAX_RESPONSE_ITEMS = 50;

export interface ListOptions {
  page: number;
  limit: number;
}

function positiveInt(value: string | null): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function listOptions(query: URLSearchParams): ListOptions {
  const page = Math.max(positiveInt(query.get('page')), 1);
  const asked = positiveInt(query.get('limit')) || positiveInt(query.get('page_size'));
  const limit = asked === 0 ? DEFAULT_PAGING_NUM : Math.min(asked, MAX_RESPONSE_ITEMS);
  return { page, limit };
}

export function pageOf<T>(items: readonly T[], opts: ListOptions): T[] {
  return items.slice((opts.page - 1) * opts.limit, opts.page * opts.limit);
}

export function paginationHeaders(
  url: URL,
  baseUrl: string,
  total: number,
  opts: ListOptions,
): Record<string, string> {
  const lastPage = Math.max(Math.ceil(total / opts.limit), 1);
  const link = (page: number, rel: string) => {
    const u = new URL(url.toString());
    u.searchParams.set('page', String(page));
    return `<${baseUrl}${u.pathname}${u.search}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (opts.page < lastPage) links.push(link(opts.page + 1, 'next'));
  if (opts.page !== lastPage) links.push(link(lastPage, 'last'));
  if (opts.page !== 1) links.push(link(1, 'first'));
  if (opts.page > 1) links.push(link(opts.page - 1, 'prev'));
  const headers: Record<string, string> = {
    'X-Total-Count': String(total),
    'Access-Control-Expose-Headers': links.length > 0 ? 'X-Total-Count, Link' : 'X-Total-Count',
  };
  if (links.length > 0) headers.Link = links.join(',');
  return headers;
}
