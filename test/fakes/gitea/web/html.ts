import type { ProjectRecord } from './projects.ts';

/**
 * The HTML Gitea renders for the pages a board client reads besides the board itself
 * (`board-page.ts`), reduced to the elements and attributes that carry data, with Gitea's class
 * names, attribute order and link shapes (`templates/user/auth/signin_inner.tmpl`,
 * `templates/projects/list.tmpl`). Text is escaped the way Go's html/template escapes it.
 */

/** html/template's text escaper. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'+\0]/g, (ch) => {
    switch (ch) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '+':
        return '&#43;';
      default:
        return '\uFFFD';
    }
  });
}

export interface PageFrame {
  title: string;
  appUrl: string;
  /** Rendered into `window.config` and forms only by Gitea ≤ 1.25. */
  csrfToken: string | null;
  signedInAs: string | null;
  /** The path a "Sign In" link returns to. */
  path: string;
}

const PROJECT_SVG =
  '<svg viewBox="0 0 16 16" class="svg octicon-project-symlink" width="16" height="16" aria-hidden="true"><path d="M2.5 0h11A2.5 2.5 0 0 1 16 2.5v11a2.5 2.5 0 0 1-2.5 2.5h-11A2.5 2.5 0 0 1 0 13.5v-11A2.5 2.5 0 0 1 2.5 0Z"/></svg>';

function jsString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\//g, '\\/');
}

export function layout(frame: PageFrame, main: string): string {
  const csrf = frame.csrfToken === null ? '' : `,\n\t\tcsrfToken: '${jsString(frame.csrfToken)}'`;
  const nav = frame.signedInAs
    ? `<a class="item" href="/user/settings" data-tooltip-content="Profile and Settings…"><span class="text">${escapeHtml(frame.signedInAs)}</span></a>`
    : `<a class="item" rel="nofollow" href="/user/login?redirect_to=${encodeURIComponent(frame.path)}">Sign In</a>`;
  return `<!DOCTYPE html>
<html lang="en-US" data-theme="gitea-auto">
<head>
	<meta name="viewport" content="width=device-width, initial-scale=1">
	<title>${escapeHtml(frame.title)} - Gitea: Git with a cup of tea</title>
	<script>
	window.config = {
		appUrl: '${jsString(frame.appUrl)}',
		appSubUrl: ''${csrf},
		pageData: {},
	};
	</script>
</head>
<body hx-swap="outerHTML" hx-push-url="false">
	<div class="full height">
		<nav id="navbar" aria-label="Navigation Bar">
			<div class="navbar-right">${nav}</div>
		</nav>
${main}
	</div>
</body>
</html>
`;
}

export function flashError(message: string | null): string {
  return message === null
    ? ''
    : `<div class="ui negative message flash-message flash-error"><p>${escapeHtml(message)}</p></div>`;
}

export function hiddenCsrf(token: string | null): string {
  return token === null ? '' : `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
}

export function loginMain(opts: {
  csrfToken: string | null;
  error: string | null;
  userName: string;
}): string {
  return `<div role="main" aria-label="Sign In" class="page-content user signin">
	<div class="ui middle very relaxed page grid">
		<div class="ui container column fluid">
			<h4 class="ui top attached header center">Sign In</h4>
			<div class="ui attached segment">
				${flashError(opts.error)}
				<form class="ui form" action="/user/login" method="post">
					${hiddenCsrf(opts.csrfToken)}
					<div class="required field">
						<label for="user_name">Username or Email Address</label>
						<input id="user_name" type="text" name="user_name" value="${escapeHtml(opts.userName)}" autofocus required>
					</div>
					<div class="required field">
						<label for="password">Password</label>
						<input id="password" name="password" type="password" value="" autocomplete="current-password" required>
					</div>
					<div class="inline field">
						<div class="ui checkbox"><input name="remember" type="checkbox"><label>Remember This Device</label></div>
					</div>
					<div class="field"><button class="ui primary button tw-w-full">Sign In</button></div>
				</form>
			</div>
		</div>
	</div>
</div>`;
}

export function twoFactorMain(opts: { csrfToken: string | null; error: string | null }): string {
  return `<div role="main" aria-label="Two-Factor Authentication" class="page-content user signin twofa">
	<div class="ui middle very relaxed page grid">
		<div class="column">
			<form class="ui form" action="/user/two_factor" method="post">
				${hiddenCsrf(opts.csrfToken)}
				<h3 class="ui top attached header">Two-Factor Authentication</h3>
				<div class="ui attached segment">
					${flashError(opts.error)}
					<div class="required field">
						<label for="passcode">Passcode</label>
						<input id="passcode" name="passcode" type="text" autocomplete="one-time-code" autofocus required>
					</div>
					<button class="ui primary button">Verify</button>
				</div>
			</form>
		</div>
	</div>
</div>`;
}

export function settingsMain(login: string): string {
  return `<div role="main" aria-label="Profile" class="page-content user settings profile">
	<div class="ui container">
		<h4 class="ui top attached header">Profile</h4>
		<div class="ui attached segment"><input id="username" name="name" value="${escapeHtml(login)}" disabled></div>
	</div>
</div>`;
}

export interface ProjectListEntry {
  project: ProjectRecord;
  openIssues: number;
  closedIssues: number;
}

export function projectListMain(opts: {
  repoLink: string;
  state: 'open' | 'closed';
  query: string;
  openCount: number;
  closedCount: number;
  entries: ProjectListEntry[];
  canWrite: boolean;
  page: number;
  pages: number;
}): string {
  const q = encodeURIComponent(opts.query);
  const cards = opts.entries
    .map(({ project, openIssues, closedIssues }) => {
      const link = `${opts.repoLink}/projects/${project.id}`;
      const actions = opts.canWrite
        ? `
				<div class="group">
					<a class="flex-text-inline" href="${link}/edit">Edit</a>
					<a class="link-action flex-text-inline" data-url="${link}/${project.isClosed ? 'open' : 'close'}">${project.isClosed ? 'Open' : 'Close'}</a>
					<a class="delete-button flex-text-inline" href="#" data-url="${link}/delete">Delete</a>
				</div>`
        : '';
      const description = project.description
        ? `\n\t\t\t\t<div class="content markup">${escapeHtml(project.description)}</div>`
        : '';
      return `
			<li class="milestone-card">
				<h3 class="flex-text-block tw-m-0">
					${PROJECT_SVG}
					<a class="muted tw-break-anywhere" href="${link}">${escapeHtml(project.title)}</a>
				</h3>
				<div class="flex-text-block tw-justify-between tw-flex-wrap tw-gap-2">
					<div class="flex-text-block">${openIssues} Open · ${closedIssues} Closed</div>${actions}
				</div>${description}
			</li>`;
    })
    .join('');
  const newButton = opts.canWrite
    ? `<a class="ui small primary button" href="${opts.repoLink}/projects/new">New Project</a>`
    : '';
  const pager =
    opts.pages > 1
      ? `
		<div class="center page buttons"><div class="ui borderless pagination menu">${Array.from(
      { length: opts.pages },
      (_, i) =>
        `<a class="${i + 1 === opts.page ? 'active ' : ''}item" href="${opts.repoLink}/projects?page=${i + 1}&amp;state=${opts.state}&amp;q=${q}">${i + 1}</a>`,
    ).join('')}</div></div>`
      : '';
  return `<div role="main" aria-label="Projects" class="page-content repository projects">
	<div class="ui container">
		<div class="flex-text-block tw-justify-end">${newButton}</div>
		<div class="list-header">
			<div class="small-menu-items ui compact tiny menu list-header-toggle">
				<a class="item${opts.state === 'open' ? ' active' : ''}" href="${opts.repoLink}/projects?state=open&amp;q=${q}">${opts.openCount} Open</a>
				<a class="item${opts.state === 'closed' ? ' active' : ''}" href="${opts.repoLink}/projects?state=closed&amp;q=${q}">${opts.closedCount} Closed</a>
			</div>
			<form class="list-header-search ui form ignore-dirty">
				<input type="hidden" name="state" value="${opts.state}">
				<input type="search" name="q" value="${escapeHtml(opts.query)}" placeholder="Search projects…">
			</form>
		</div>
		<div class="milestone-list">${cards}
		</div>${pager}
	</div>
</div>`;
}

export function notFoundMain(): string {
  return `<div role="main" aria-label="Page Not Found" class="page-content ui container center status-page-404">
	<p>The page you are trying to reach either <strong>does not exist</strong> or <strong>you are not authorized</strong> to view it.</p>
</div>`;
}
