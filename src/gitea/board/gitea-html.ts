import { type HTMLElement, parse } from 'node-html-parser';

/**
 * Reading Gitea's HTML pages: the only place the board adapter looks at markup. Gitea (up to
 * 1.26) has no JSON for project lists or boards, so these read the elements its templates
 * render with an HTML parser, and ignore everything else. The board templates of the supported
 * versions are vendored in `test/fakes/gitea/reference/templates/projects-view.v*.tmpl`, and
 * pages rendered from them in `fixtures/gitea-pages/`.
 *
 * - project list: links `a[href="/{owner}/{repo}/projects/{id}"]` whose text is the project
 *   title; pagination links carry `page=N`.
 * - board (projects-view.v1.24.7.tmpl lines 72–122, v1.25.4 74–126, v1.26.3 80–132):
 *   `#project-board .project-column[data-id][data-sorting]`; its title is the text of the
 *   `<div class="project-column-title-text …">` (v1.24.7 line 79, v1.25.4 81–83, v1.26.3
 *   87–89); cards `.issue-card[data-issue=<internal issue id>]` with
 *   `a.issue-card-title[href=…/issues/<number>]` (or `/pulls/`).
 * - the default column: 1.25 and 1.26 put an `octicon-star` svg inside its title; 1.24 marks it
 *   nowhere but in the column menu, which offers "Set Default" (`data-url=…/{columnID}/default`)
 *   on every column except the default one (v1.24.7 line 94, v1.25.4 98, v1.26.3 104). The menu
 *   is rendered for people who can write the project, which the board adapter always can.
 * - sign-in page: the error flash `.flash-error`; Gitea ≤ 1.25 also renders the CSRF token in
 *   `window.config.csrfToken` and a hidden `_csrf` input (reference: gitea-project-web-routes.md §3).
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
  /** `#RRGGBB`, or empty when the column has no colour (Gitea overwrites it on every edit). */
  color: string;
  cards: BoardCard[];
}

function parsePage(html: string): HTMLElement {
  return parse(html, { comment: false, voidTag: { closingSlash: false } });
}

/** Visible text: references decoded, whitespace collapsed. */
function textOf(element: HTMLElement): string {
  return element.text.replace(/\s+/g, ' ').trim();
}

function intAttribute(element: HTMLElement, name: string): number | null {
  const value = element.getAttribute(name)?.trim() ?? '';
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
  for (const anchor of parsePage(html).querySelectorAll('a[href]')) {
    const path = hrefPath(anchor.getAttribute('href') ?? '');
    if (!path.toLowerCase().startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    if (!/^\d+$/.test(rest)) continue;
    const id = Number.parseInt(rest, 10);
    if (seen.has(id)) continue;
    seen.add(id);
    links.push({ id, title: textOf(anchor) });
  }
  return links;
}

/** The highest page number the list page's pagination links to (1 when there is none). */
export function lastListPage(html: string): number {
  let last = 1;
  for (const anchor of parsePage(html).querySelectorAll('a[href]')) {
    const href = anchor.getAttribute('href') ?? '';
    const query = href.includes('?') ? href.slice(href.indexOf('?') + 1).replace(/#.*$/, '') : '';
    const page = new URLSearchParams(query).get('page') ?? '';
    if (/^\d+$/.test(page)) last = Math.max(last, Number(page));
  }
  return last;
}

/**
 * The columns of a board page in page order (Gitea's `sorting, id`), with their cards; null when
 * the page has no `#project-board` (it is not a board page, whatever its status said).
 */
export function parseBoard(html: string): BoardColumnView[] | null {
  const board = parsePage(html).querySelector('#project-board');
  if (!board) return null;
  const columns: BoardColumnView[] = [];
  for (const column of board.querySelectorAll('.project-column')) {
    const id = intAttribute(column, 'data-id');
    if (id === null) continue;
    const title = column.querySelector('.project-column-title-text');
    columns.push({
      id,
      title: title ? textOf(title) : '',
      isDefault: isDefaultColumn(column, title, id),
      sorting: intAttribute(column, 'data-sorting') ?? 0,
      color: columnColor(column),
      cards: parseCards(column),
    });
  }
  return columns;
}

/** The star in the title (1.25+), or a column menu without "Set Default" (every version). */
function isDefaultColumn(column: HTMLElement, title: HTMLElement | null, id: number): boolean {
  if (title?.querySelector('svg.octicon-star')) return true;
  const menu = column.querySelector('.project-column-header .menu');
  if (!menu) return false;
  const setDefault = `/${id}/default`;
  return !menu
    .querySelectorAll('[data-url]')
    .some((item) => hrefPath(item.getAttribute('data-url') ?? '').endsWith(setDefault));
}

/** The colour the edit menu offers (the column's own), else the one in its `style`. */
function columnColor(column: HTMLElement): string {
  const edit = column.querySelector('[data-modal-project-column-color-input]');
  const fromMenu = edit?.getAttribute('data-modal-project-column-color-input')?.trim();
  if (fromMenu !== undefined) return fromMenu;
  return /background:\s*(#[0-9a-f]{6})\b/i.exec(column.getAttribute('style') ?? '')?.[1] ?? '';
}

function parseCards(column: HTMLElement): BoardCard[] {
  return column.querySelectorAll('.issue-card[data-issue]').flatMap((card) => {
    const id = intAttribute(card, 'data-issue');
    if (id === null) return [];
    const href = card.querySelector('a.issue-card-title')?.getAttribute('href') ?? '';
    const numberMatch = /\/(?:issues|pulls)\/(\d+)$/.exec(hrefPath(href));
    return [{ id, number: numberMatch ? Number(numberMatch[1]) : null }];
  });
}

/** Gitea ≤ 1.25's CSRF token on a page, or null (1.26 renders none). */
export function findCsrfToken(html: string): string | null {
  // `csrfToken: '…',` in the window.config script (not markup, so no parser helps).
  const config = /csrfToken:\s*'((?:[^'\\]|\\.)*)'/.exec(html);
  if (config?.[1]) return config[1].replace(/\\(.)/g, '$1');
  const input = parsePage(html).querySelector('input[name="_csrf"]');
  return input?.getAttribute('value') || null;
}

/** The text of the page's error flash (e.g. "Username or password is incorrect."), or null. */
export function findFlashError(html: string): string | null {
  const flash = parsePage(html).querySelector('.flash-error');
  if (!flash) return null;
  const text = textOf(flash);
  return text === '' ? null : text;
}
