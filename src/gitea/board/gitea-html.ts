/**
 * Reading Gitea's HTML pages: the only place the board adapter looks at markup. Gitea 1.26 has
 * no JSON for project lists or boards, so these read the elements its templates render, and are
 * lenient about everything else (attribute order, extra classes, whitespace, quoting):
 *
 * - project list (`templates/projects/list.tmpl`): links `a[href="/{owner}/{repo}/projects/{id}"]`
 *   whose text is the project title; pagination links carry `page=N`.
 * - board (`templates/projects/view.tmpl` 80–131):
 *   `#project-board .project-column[data-id=<columnID>][data-sorting=<n>]`, its title in
 *   `.project-column-title-text`, an `octicon-star` svg in the header of the default column,
 *   and cards `.issue-card[data-issue=<internal issue id>]` with `a.issue-card-title[href=…/issues/<number>]`.
 * - sign-in page: the error flash `.flash-error`; Gitea ≤ 1.25 also renders the CSRF token in
 *   `window.config.csrfToken` and a hidden `_csrf` input.
 */

export interface ProjectLink {
  id: number;
  title: string;
}

export interface BoardCard {
  /** Internal issue id (`data-issue`). */
  id: number;
  /** Issue or pull request number, from the card's link; null when the link is not found. */
  number: number | null;
}

export interface BoardColumnView {
  id: number;
  title: string;
  isDefault: boolean;
  sorting: number;
  cards: BoardCard[];
}

interface Tag {
  name: string;
  start: number;
  end: number;
  attributes: Map<string, string>;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

/** Decodes the character references Go's html/template and Gitea's renderers produce. */
export function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X'))
      return codePoint(Number.parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return codePoint(Number.parseInt(ref.slice(1), 10), whole);
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function codePoint(value: number, fallback: string): string {
  return Number.isInteger(value) && value >= 0 && value <= 0x10ffff ? String.fromCodePoint(value) : fallback;
}

/** The visible text of an HTML fragment: tags dropped, references decoded, whitespace collapsed. */
function textOf(fragment: string): string {
  return decodeHtml(fragment.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

function* openingTags(html: string, name: string): Generator<Tag> {
  const pattern = new RegExp(`<${name}\\b((?:[^>"']|"[^"]*"|'[^']*')*)>`, 'gi');
  for (const match of html.matchAll(pattern)) {
    const start = match.index ?? 0;
    yield { name, start, end: start + match[0].length, attributes: parseAttributes(match[1] ?? '') };
  }
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  for (const match of source.matchAll(pattern)) {
    const name = (match[1] ?? '').toLowerCase();
    if (!attributes.has(name)) attributes.set(name, decodeHtml(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

function hasClass(tag: Tag, className: string): boolean {
  return (tag.attributes.get('class') ?? '').split(/\s+/).includes(className);
}

function intAttribute(tag: Tag, name: string): number | null {
  const value = tag.attributes.get(name)?.trim() ?? '';
  return /^-?\d+$/.test(value) ? Number.parseInt(value, 10) : null;
}

/** The path part of an href (absolute URLs are reduced to their path), without query or fragment. */
function hrefPath(href: string): string {
  const path = URL.canParse(href) ? new URL(href).pathname : href;
  return path.replace(/[?#].*$/, '');
}

/**
 * Project links of a list page. `repoPath` is the repository's path on the site, e.g.
 * `/alice/shop` (with Gitea's sub-path, if it has one); owner and name compare case-insensitively.
 */
export function parseProjectLinks(html: string, repoPath: string): ProjectLink[] {
  const prefix = `${repoPath.replace(/\/+$/, '')}/projects/`.toLowerCase();
  const links: ProjectLink[] = [];
  const seen = new Set<number>();
  for (const tag of openingTags(html, 'a')) {
    const path = hrefPath(tag.attributes.get('href') ?? '');
    if (!path.toLowerCase().startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    if (!/^\d+$/.test(rest)) continue;
    const id = Number.parseInt(rest, 10);
    if (seen.has(id)) continue;
    const close = html.indexOf('</a>', tag.end);
    if (close < 0) continue;
    seen.add(id);
    links.push({ id, title: textOf(html.slice(tag.end, close)) });
  }
  return links;
}

/** The highest page number the list page's pagination links to (1 when there is none). */
export function lastListPage(html: string): number {
  let last = 1;
  for (const match of html.matchAll(/[?&;]page=(\d+)/g)) last = Math.max(last, Number(match[1]));
  return last;
}

/** The columns of a board page in page order, with their cards. */
export function parseBoard(html: string): BoardColumnView[] {
  const columnTags = [...openingTags(html, 'div')].filter((tag) => hasClass(tag, 'project-column'));
  const columns: BoardColumnView[] = [];
  for (const [i, tag] of columnTags.entries()) {
    const id = intAttribute(tag, 'data-id');
    if (id === null) continue;
    const chunk = html.slice(tag.end, columnTags[i + 1]?.start ?? html.length);
    const titleTag = [...openingTags(chunk, 'span')].find((t) => hasClass(t, 'project-column-title-text'));
    const titleEnd = titleTag ? chunk.indexOf('</span>', titleTag.end) : -1;
    const title = titleTag && titleEnd >= 0 ? textOf(chunk.slice(titleTag.end, titleEnd)) : '';
    // The star of the default column sits in the header, before the title.
    const header = chunk.slice(0, titleTag ? titleTag.start : 0);
    columns.push({
      id,
      title,
      isDefault: /\bocticon-star\b/.test(header),
      sorting: intAttribute(tag, 'data-sorting') ?? 0,
      cards: parseCards(chunk),
    });
  }
  return columns;
}

function parseCards(columnHtml: string): BoardCard[] {
  const cardTags = [...openingTags(columnHtml, 'div')].filter(
    (tag) => hasClass(tag, 'issue-card') && tag.attributes.has('data-issue'),
  );
  return cardTags.flatMap((tag, i) => {
    const id = intAttribute(tag, 'data-issue');
    if (id === null) return [];
    const body = columnHtml.slice(tag.end, cardTags[i + 1]?.start ?? columnHtml.length);
    const titleLink = [...openingTags(body, 'a')].find((t) => hasClass(t, 'issue-card-title'));
    const numberMatch = /\/(?:issues|pulls)\/(\d+)$/.exec(hrefPath(titleLink?.attributes.get('href') ?? ''));
    return [{ id, number: numberMatch ? Number(numberMatch[1]) : null }];
  });
}

/** Gitea ≤ 1.25's CSRF token on a page, or null (1.26 renders none). */
export function findCsrfToken(html: string): string | null {
  const config = /csrfToken:\s*'((?:[^'\\]|\\.)*)'/.exec(html);
  if (config?.[1]) return config[1].replace(/\\(.)/g, '$1');
  for (const tag of openingTags(html, 'input')) {
    if (tag.attributes.get('name') === '_csrf') return tag.attributes.get('value') || null;
  }
  return null;
}

/** The text of the page's error flash (e.g. "Username or password is incorrect."), or null. */
export function findFlashError(html: string): string | null {
  const tag = [...openingTags(html, 'div')].find((t) => hasClass(t, 'flash-error'));
  if (!tag) return null;
  const end = html.indexOf('</div>', tag.end);
  const text = textOf(html.slice(tag.end, end < 0 ? undefined : end));
  return text === '' ? null : text;
}
