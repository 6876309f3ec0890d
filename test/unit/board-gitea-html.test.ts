import { describe, expect, it } from 'vitest';
import { CookieJar } from '../../src/gitea/board/cookie-jar.ts';
import {
  decodeHtml,
  findCsrfToken,
  findFlashError,
  lastListPage,
  parseBoard,
  parseProjectLinks,
} from '../../src/gitea/board/gitea-html.ts';

/** Reading Gitea's pages: the markup of templates/projects/{list,view}.tmpl, and its variations. */

const BOARD = `
<div id="project-board" class="board sortable" data-url="/acme/shop/projects/12/move">
  <div class="project-column" data-id="31" data-sorting="0" data-url="/acme/shop/projects/12/31">
    <div class="project-column-header tw-cursor-grab">
      <div class="ui circular label project-column-issue-count">2</div>
      <div class="project-column-title-label gt-ellipsis">
        <span data-tooltip-content="This column is used as the default"><svg viewBox="0 0 16 16" class="svg octicon-star" width="16" height="16"></svg></span>
        <span class="project-column-title-text">Backlog</span>
      </div>
    </div>
    <div class="ui cards" data-url="/acme/shop/projects/12/31" data-project="12" data-board="31" id="board_31">
      <div class="issue-card tw-break-anywhere tw-cursor-grab" data-issue="1004">
        <div class="content tw-w-full"><div class="tw-flex">
          <div class="issue-card-icon"><svg class="svg octicon-issue-opened"></svg></div>
          <a class="issue-card-title muted issue-title tw-break-anywhere" href="/acme/shop/issues/5">Checkout &amp; &lt;pay&gt;</a>
        </div><div class="meta"><span>#5</span></div></div>
      </div>
      <div class="issue-card tw-break-anywhere" data-issue="1007">
        <a class="issue-card-title muted" href="/acme/shop/pulls/8">Add &#34;Stripe&#34;</a>
      </div>
    </div>
  </div>
  <div data-sorting='1' class='project-column extra' data-url='/acme/shop/projects/12/32' data-id='32'>
    <div class="project-column-header">
      <div class="project-column-title-label"><span class="project-column-title-text">
        In &#43; Progress
      </span></div>
    </div>
    <div class="ui cards" id="board_32"></div>
  </div>
  <div class="project-column-header"></div>
</div>`;

describe('parseBoard', () => {
  it('reads columns, titles, the default star, sorting and cards with their numbers', () => {
    expect(parseBoard(BOARD)).toEqual([
      {
        id: 31,
        title: 'Backlog',
        isDefault: true,
        sorting: 0,
        cards: [
          { id: 1004, number: 5 },
          { id: 1007, number: 8 },
        ],
      },
      { id: 32, title: 'In + Progress', isDefault: false, sorting: 1, cards: [] },
    ]);
  });

  it('does not take a star inside a card for the column’s default mark', () => {
    const html = `<div class="project-column" data-id="40"><div class="project-column-header">
      <span class="project-column-title-text">Done</span></div>
      <div class="issue-card" data-issue="9"><svg class="svg octicon-star"></svg><a class="issue-card-title" href="/a/b/issues/1">x</a></div></div>`;
    expect(parseBoard(html)).toEqual([
      { id: 40, title: 'Done', isDefault: false, sorting: 0, cards: [{ id: 9, number: 1 }] },
    ]);
  });

  it('finds no columns on a page without a board', () => {
    expect(parseBoard('<div class="project-column-header" data-id="3"></div>')).toEqual([]);
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

  it('decodes named and numeric character references, leaving unknown ones', () => {
    expect(decodeHtml('a &amp; b &lt;c&gt; &#34;d&#34; &#x27;e&#39; &nbsp;&bogus;')).toBe(
      'a & b <c> "d" \'e\' \u00a0&bogus;',
    );
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
