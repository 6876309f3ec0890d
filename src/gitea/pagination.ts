/**
 * Reading a whole Gitea list page by page (`page`, `limit`). Gitea caps `limit` at its
 * MAX_RESPONSE_ITEMS (50 by default) without saying so, so a short page only ends the list
 * when Gitea sent no `x-total-count`; when it did, the count decides.
 */

export interface Page<T> {
  items: T[];
  /** `x-total-count` (or a `total_count` in the body), when Gitea sent one. */
  totalCount: number | undefined;
}

export interface CollectOptions {
  /** Page size asked for. */
  limit: number;
  /** Stop after this many items (the result says it is incomplete). */
  maxItems?: number;
  /** Guard against a server that never ends a list. */
  maxPages?: number;
}

export interface Collected<T> {
  items: T[];
  /** False when `maxItems` or `maxPages` stopped the reading before the end of the list. */
  complete: boolean;
}

export const DEFAULT_PAGE_LIMIT = 50;

export async function collectPages<T>(
  fetchPage: (page: number, limit: number) => Promise<Page<T>>,
  options: CollectOptions,
): Promise<Collected<T>> {
  const { limit, maxItems } = options;
  const maxPages = options.maxPages ?? 10_000;
  const items: T[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const result = await fetchPage(page, limit);
    items.push(...result.items);
    if (maxItems !== undefined && items.length >= maxItems) {
      const complete = items.length === maxItems && isLastPage(result, items.length, limit);
      return { items: items.slice(0, maxItems), complete };
    }
    if (isLastPage(result, items.length, limit)) return { items, complete: true };
  }
  return { items, complete: false };
}

function isLastPage<T>(page: Page<T>, seen: number, limit: number): boolean {
  if (page.items.length === 0) return true;
  if (page.totalCount !== undefined) return seen >= page.totalCount;
  return page.items.length < limit;
}
