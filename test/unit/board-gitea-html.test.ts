import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CookieJar } from '../../src/gitea/board/cookie-jar.ts';
import {
  findCsrfToken,
  findFlashError,
  lastListPage,
  parseBoard,
  parseProjectLinks,
} from '../../src/gitea/board/gitea-html.ts';

/**
 * Reading Gitea's pages: the board pages Gitea 1.24.7, 1.25.4 and 1.26.3 render
 * (fixtures/gitea-pages/, from templates/projects/view.tmpl), the project list and sign-in page.
 */

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/gitea-pages');
const VERSIONS = ['1.24.7', '1.25.4', '1.26.3'] as const;

function renderedBoard(version: (typeof VERSIONS)[number]): string {
  return readFileSync(join(FIXTURES, `projects-view.v${version}.html`), 'utf8');
}

/** What every fixture shows: columns in page order (sorting, then id), the default not first. */
const FIXTURE_COLUMNS = [
  {
    id: 801,
    title: 'In Progress',
    isDefault: false,
    sorting: 0,
    color: '#fbca04',
    cards: [{ id: 1000, number: 1 }],
  },
  {
    id: 800,
    title: 'Backlog',
    isDefault: true,
    sorting: 1,
    color: '',
    cards: [
      { id: 1002, number: 3 },
      { id: 1003, number: 4 },
    ],
  },
  {
    id: 802,
    title: `R&D <ideas> + "misc" 'x'`,
    isDefault: false,
    sorting: 2,
    color: '',
    cards: [{ id: 1001, number: 2 }],
  },
];

describe('parseBoard on the pages Gitea renders', () => {
  it.each(VERSIONS)(
    'reads titles, ids, sorting, colour, the default column and the cards of %s',
    (version) => {
      expect(parseBoard(renderedBoard(version))).toEqual(FIXTURE_COLUMNS);
    },
  );

  it.each(VERSIONS)(
    'tells the default column of %s without the star or the tooltip in its title',
    (version) => {
      // 1.24 has neither; the column menu, which offers "Set Default" everywhere else, still tells.
      const page = renderedBoard(version)
        .replace(/<svg[^>]*octicon-star[\s\S]*?<\/svg>/g, '')
        .replace(/data-tooltip-content="New issues[^"]*"/g, '');
      expect(parseBoard(page)?.map((c) => [c.title, c.isDefault])).toEqual([
        ['In Progress', false],
        ['Backlog', true],
        [`R&D <ideas> + "misc" 'x'`, false],
      ]);
    },
  );

  it.each(VERSIONS)('reads the board of %s as a reader sees it (no column menus)', (version) => {
    const page = renderedBoard(version).replace(
      /<div class="ui dropdown tw-p-1">[\s\S]*?<div class="divider"/g,
      '</div><div class="divider"',
    );
    const columns = parseBoard(page) ?? [];
    expect(columns.map((c) => [c.id, c.title, c.cards.length])).toEqual([
      [801, 'In Progress', 1],
      [800, 'Backlog', 2],
      [802, `R&D <ideas> + "misc" 'x'`, 1],
    ]);
    // Only the star tells a reader which column is the default; 1.24 renders none.
    const expectedDefault = version === '1.24.7' ? [] : [800];
    expect(columns.filter((c) => c.isDefault).map((c) => c.id)).toEqual(expectedDefault);
    // Without the edit menu the colour comes from the column's style.
    expect(columns[0]?.color).toBe('#fbca04');
  });

  it('does not take the star of a "Set Default" menu item or of a card for the default mark', () => {
    const html = `<div id="project-board">
      <div class="project-column" data-id="40" data-sorting="0">
        <div class="project-column-header"><div class="project-column-title-text gt-ellipsis">Done</div>
          <div class="ui dropdown"><div class="menu">
            <a class="item" data-url="/a/b/projects/7/40/default"><svg class="svg octicon-star"></svg> Set Default</a>
          </div></div></div>
        <div class="ui cards"><div class="issue-card" data-issue="9"><svg class="svg octicon-star"></svg>
          <a class="issue-card-title" href="/a/b/issues/1">x</a></div></div>
      </div></div>`;
    expect(parseBoard(html)).toEqual([
      { id: 40, title: 'Done', isDefault: false, sorting: 0, color: '', cards: [{ id: 9, number: 1 }] },
    ]);
  });

  it('skips columns and cards without a numeric id and keeps a card whose link is missing', () => {
    const html = `<div id="project-board">
      <div class="project-column" data-id="x"><div class="project-column-title-text">Broken</div></div>
      <div class="project-column" data-id="41"><div class="project-column-title-text">Ready</div>
        <div class="issue-card" data-issue="abc"></div><div class="issue-card" data-issue="12"><a href="/a/b/issues/3">no title link</a></div>
      </div></div>`;
    expect(parseBoard(html)).toEqual([
      { id: 41, title: 'Ready', isDefault: false, sorting: 0, color: '', cards: [{ id: 12, number: null }] },
    ]);
  });

  it('tells a page without a board from an empty board', () => {
    expect(
      parseBoard(
        '<div class="project-column" data-id="3"><div class="project-column-title-text">x</div></div>',
      ),
    ).toBeNull();
    expect(parseBoard('<html><body><p>Service unavailable</p></body></html>')).toBeNull();
    expect(parseBoard('<div id="project-board" class="board sortable"></div>')).toEqual([]);
  });
});

describe('parseProjectLinks', () => {
  const LIST = `
    <a class="item" href="/acme/shop/projects?state=closed&amp;q=">0 Closed</a>
    <li class="milestone-card"><h3><svg></svg>
      <a class="muted tw-break-anywhere" href="/acme/shop/projects/12">AiWorker</a></h3>
      <a class="flex-text-inline" href="/acme/shop/projects/12/edit">Edit</a>
      <a class="delete-button" href="#" data-url="/acme/shop/projects/12/delete">Delete</a></li>
    <li class="milestone-card"><h3>
      <a href="https://gitea.example.com/Acme/Shop/projects/9" class="muted">Road &amp; <em>map</em></a></h3></li>
    <a href="/acme/shop-old/projects/3">Other repository</a>
    <div class="ui borderless pagination menu"><a class="item" href="/acme/shop/projects?page=2&amp;state=open">2</a>
    <a class="item" href="/acme/shop/projects?page=3&amp;state=open">3</a></div>`;

  it('reads each project link once with its title, ignoring edit/delete links and other repositories', () => {
    expect(parseProjectLinks(LIST, '/acme/shop')).toEqual([
      { id: 12, title: 'AiWorker' },
      { id: 9, title: 'Road & map' },
    ]);
  });

  it('follows the site sub-path in links', () => {
    const html =
      '<a class="muted" href="/gitea/acme/shop/projects/4">Board</a><a href="/acme/shop/projects/5">x</a>';
    expect(parseProjectLinks(html, '/gitea/acme/shop')).toEqual([{ id: 4, title: 'Board' }]);
  });

  it('reads the last page of the pagination', () => {
    expect(lastListPage(LIST)).toBe(3);
    expect(lastListPage('<div class="milestone-list"></div>')).toBe(1);
  });
});

describe('page details', () => {
  it('finds the ≤ 1.25 CSRF token in window.config or the hidden input, and none in 1.26 pages', () => {
    expect(findCsrfToken("window.config = {\n appSubUrl: '',\n csrfToken: 'abc\\/d=',\n};")).toBe('abc/d=');
    expect(findCsrfToken('<form><input type="hidden" name="_csrf" value="tok&#43;1"></form>')).toBe('tok+1');
    expect(findCsrfToken("window.config = { appSubUrl: '' };")).toBeNull();
  });

  it('reads the error flash of the sign-in page', () => {
    const html =
      '<div class="ui negative message flash-message flash-error"><p>Username or password is incorrect.</p></div>';
    expect(findFlashError(html)).toBe('Username or password is incorrect.');
    expect(findFlashError('<div class="flash-message flash-success"><p>ok</p></div>')).toBeNull();
  });
});

describe('CookieJar', () => {
  it('keeps the latest value per cookie and drops expired ones', () => {
    const jar = new CookieJar();
    jar.store(['i_like_gitea=one; Path=/; HttpOnly; SameSite=Lax', '_csrf=tok%2B; Path=/']);
    jar.store(['i_like_gitea=two; Path=/']);
    expect(jar.header()).toBe('i_like_gitea=two; _csrf=tok%2B');
    jar.store(['_csrf=; Path=/; Max-Age=0']);
    jar.store(['redirect_to=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(jar.header()).toBe('i_like_gitea=two');
    jar.clear();
    expect(jar.header()).toBeUndefined();
  });
});
