import type { IssueRecord, UserRecord } from '../state.ts';
import { escapeHtml } from './html.ts';
import { svg } from './octicons.ts';
import type { ColumnRecord, ProjectRecord } from './projects.ts';
import type { WebVersion } from './version.ts';

/**
 * The project board page as each supported Gitea renders it: `templates/repo/projects/view.tmpl`
 * around `templates/projects/view.tmpl` (vendored as `reference/templates/projects-view.v*.tmpl`),
 * with `templates/repo/issue/card.tmpl` and `templates/shared/issueicon.tmpl` for the cards and
 * the filter and colour partials it includes, at tags v1.24.7, v1.25.4 and v1.26.3. The
 * differences between the versions are marked where they are rendered. Whitespace is not kept
 * byte for byte; elements, attributes, their order and the escaping are. The rendered pages of
 * `fixtures/gitea-pages/` are the reference (test/integration/board-web-fake.test.ts compares).
 *
 * Not modelled: the label, assignee and milestone filter entries (rendered as for a repository
 * with none: the fake does not list labels, assignable users or milestones there), labels,
 * assignees, milestones, task counts, linked pull requests and images on cards, emoji in titles.
 */

export interface BoardPageColumn {
  column: ColumnRecord;
  issues: IssueRecord[];
}

export interface BoardPage {
  version: WebVersion;
  repoLink: string;
  project: ProjectRecord;
  /** As read before the issues were loaded (so a default set while loading is not shown). */
  columns: BoardPageColumn[];
  canWrite: boolean;
  posterOf(issue: IssueRecord): UserRecord;
}

/** Go's template.HTMLEscapeString: what RenderIssueSimpleTitle and Locale.Tr arguments get (no `+`). */
function htmlEscapeString(text: string): string {
  return text.replace(/[&<>"'\0]/g, (ch) => {
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
      default:
        return '\uFFFD';
    }
  });
}

/** modules/templates/util_render.go RenderIssueSimpleTitle: escaped, `code` spans highlighted. */
function issueTitle(title: string): string {
  return htmlEscapeString(title).replace(/`([^`]+)`/g, '<code class="inline-code-block">$1</code>');
}

/** modules/util/color.go ContrastColor. */
function contrastColor(color: string): string {
  const hex = /^#?([0-9a-f]{6})$/i.exec(color)?.[1] ?? '000000';
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [
    number,
    number,
    number,
  ];
  return (0.2126729 * r + 0.7151522 * g + 0.072175 * b) / 255 < 0.453 ? '#fff' : '#000';
}

/** modules/templates/util_date.go timeSinceTo (the server's zone is UTC). */
function timeSince(then: Date, now: Date): string {
  const iso = then.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const friendly = `${iso.slice(0, 10)} ${iso.slice(11, 19)} +00:00`;
  const tense = now.getTime() < then.getTime() ? 'future' : 'past';
  return `<relative-time prefix="" tense="${tense}" datetime="${iso}" data-tooltip-content data-tooltip-interactive="true">${friendly}</relative-time>`;
}

/** setting.Repository.PullRequest.WorkInProgressPrefixes (default `WIP:`, `[WIP]`). */
function isWorkInProgress(title: string): boolean {
  const upper = title.toUpperCase();
  return upper.startsWith('WIP:') || upper.startsWith('[WIP]');
}

/** templates/shared/issueicon.tmpl (1.26 switched the colour classes to tw-text-*). */
function issueIcon(issue: IssueRecord, version: WebVersion): string {
  const legacy = version !== '1.26';
  const color = (name: 'purple' | 'red' | 'green' | 'grey') =>
    legacy ? `text ${name}` : name === 'grey' ? 'tw-text-text-light' : `tw-text-${name}`;
  if (issue.pull) {
    if (issue.isClosed) {
      return issue.pull.merged
        ? svg('git-merge', 16, color('purple'))
        : svg('git-pull-request-closed', 16, color('red'));
    }
    return isWorkInProgress(issue.title)
      ? svg('git-pull-request-draft', 16, color('grey'))
      : svg('git-pull-request', 16, color('green'));
  }
  return issue.isClosed ? svg('issue-closed', 16, color('red')) : svg('issue-opened', 16, color('green'));
}

/** templates/repo/issue/card.tmpl 12–36 (1.24 and 1.25: `text light grey` for the meta line). */
function card(page: BoardPage, issue: IssueRecord, now: Date): string {
  const kind = issue.pull ? 'pulls' : 'issues';
  const poster = page.posterOf(issue);
  const posterLink = `<a href="/${encodeURIComponent(poster.login)}">${htmlEscapeString(poster.login)}</a>`;
  const closedAt = issue.closedAt ?? issue.updatedAt;
  const event = !issue.isClosed
    ? `opened ${timeSince(issue.createdAt, now)} by ${posterLink}`
    : issue.pull?.merged
      ? `by ${posterLink} was merged ${timeSince(closedAt, now)}`
      : `by ${posterLink} was closed ${timeSince(closedAt, now)}`;
  const metaClass =
    page.version === '1.26' ? 'tw-text-grey-light muted-links' : 'text light grey muted-links';
  return `
	<div class="content tw-w-full">
		<div class="tw-flex tw-items-start tw-gap-[5px]">
			<div class="issue-card-icon">
				${issueIcon(issue, page.version)}
			</div>
			<a class="issue-card-title muted issue-title tw-break-anywhere" href="${page.repoLink}/${kind}/${issue.index}">${issueTitle(issue.title)}</a>
		</div>
		<div class="meta">
			<span class="${metaClass}">
				#${issue.index}
					${event}
			</span>
		</div>
	</div>
`;
}

/** templates/projects/view.tmpl 1.26.3 lines 82–130 (1.25.4 76–124, 1.24.7 74–120). */
function column(page: BoardPage, { column, issues }: BoardPageColumn, now: Date): string {
  const link = `${page.repoLink}/projects/${page.project.id}`;
  const style = column.color
    ? `style="background: ${column.color} !important; color: ${contrastColor(column.color)} !important"`
    : '';
  const title = escapeHtml(column.title);
  // 1.24.7 line 79 has the bare title; 1.25.4 81–83 and 1.26.3 87–89 add the star and tooltip.
  const titleHtml =
    page.version === '1.24'
      ? `<div class="project-column-title-text gt-ellipsis">${title}</div>`
      : `<div class="project-column-title-text flex-text-inline gt-ellipsis" ${column.isDefault ? 'data-tooltip-content="New issues added to this project will be added to this column"' : ''}>
						${column.isDefault ? `${svg('star')} ` : ''}${title}
					</div>`;
  // The "Set Default" item is not offered on the default column; 1.24 shows a pin, later a star.
  const setDefault = column.isDefault
    ? ''
    : `
									<a class="item button link-action" data-url="${link}/${column.id}/default"
										data-modal-confirm-header="Set Default"
										data-modal-confirm-content="Set this column as default for uncategorized issues and pulls"
									>
										${svg(page.version === '1.24' ? 'pin' : 'star')} Set Default
									</a>
									<a class="item button link-action" data-url="${link}/${column.id}" data-link-action-method="DELETE"
										data-modal-confirm-header="Delete Column"
										data-modal-confirm-content="Deleting a project column moves all related issues to the default column. Continue?"
									>
										${svg('trash')} Delete Column
									</a>`;
  const menu = page.canWrite
    ? `
						<div class="ui dropdown tw-p-1">
							${svg('kebab-horizontal')}
							<div class="menu">
								<a class="item button show-modal show-project-column-modal-edit" data-modal="#project-column-modal-edit"
									data-modal-header="Edit Column"
									data-modal-project-column-title-label="Name"
									data-modal-project-column-button-save="Edit Column"
									data-modal-project-column-id="${column.id}"
									data-modal-project-column-title-input="${title}"
									data-modal-project-column-color-input="${escapeHtml(column.color)}"
								>
									${svg('pencil')} Edit Column
								</a>${setDefault}
							</div>
						</div>`
    : '';
  const cards = issues
    .map(
      (issue) => `
						<div class="issue-card tw-break-anywhere ${page.canWrite ? 'tw-cursor-grab' : ''}" data-issue="${issue.id}">${card(page, issue, now)}</div>`,
    )
    .join('');
  return `
			<div class="project-column" ${style} data-id="${column.id}" data-sorting="${column.sorting}" data-url="${link}/${column.id}">
				<div class="project-column-header${page.canWrite ? ' tw-cursor-grab' : ''}">
					<div class="ui circular label project-column-issue-count">
						${issues.length}
					</div>
					${titleHtml}${menu}
				</div>
				<div class="divider"${column.color ? ` style="color: ${contrastColor(column.color)} !important"` : ''}></div>
				<div class="ui cards" data-url="${link}/${column.id}" data-project="${page.project.id}" data-board="${column.id}" id="board_${column.id}">${cards}
				</div>
			</div>`;
}

/** templates/repo/issue/filter_item_label.tmpl for a repository without labels. */
function labelFilter(): string {
  return `<div class="item ui dropdown jump disabled label-filter">
	<span class="text">Label</span>
	${svg('triangle-down', 14, 'dropdown icon')}
	<div class="menu flex-items-menu">
		<div class="ui icon search input">
			<i class="icon">${svg('search', 16)}</i>
			<input type="text" placeholder="Label">
		</div>
		<label class="label-filter-archived-toggle flex-text-block">
			<input type="checkbox"> Show archived labels
			<span data-tooltip-content=Archived&#32;labels&#32;are&#32;excluded&#32;by&#32;default&#32;from&#32;the&#32;suggestions&#32;when&#32;searching&#32;by&#32;label.>${svg('info')}</span>
		</label>
		<span class="label-filter-exclude-info">Use <code>alt</code> + <code>click/enter</code> to exclude labels</span>
		<div class="divider"></div>
		<a class="item label-filter-query-default" href="?">All labels</a>
		<a class="item label-filter-query-not-set" href="?labels=0">No label</a>
	</div>
</div>`;
}

/** templates/repo/issue/filter_item_user_assign.tmpl without users (1.26: `flex-items-menu`). */
function assigneeFilter(version: WebVersion): string {
  const check = svg('check', 14, 'tw-invisible');
  return `<div class="item ui dropdown jump disabled">
	Assignee ${svg('triangle-down', 14, 'dropdown icon')}
	<div class="menu${version === '1.26' ? ' flex-items-menu' : ''}">
		<div class="ui icon search input">
			<i class="icon">${svg('search', 16)}</i>
			<input type="text" placeholder="Search users">
		</div>
			<a class="item" href="?assignee=%28none%29">
				${check} Assigned to nobody
			</a>
			<a class="item" href="?assignee=%28any%29">
				${check} Assigned to anybody
			</a>
		<div class="divider"></div>
	</div>
</div>`;
}

/** templates/repo/issue/filter_item_milestone.tmpl (1.26 only) without milestones. */
function milestoneFilter(): string {
  return `<div class="item ui dropdown jump disabled">
	<span class="text">
		Milestone
	</span>
	${svg('triangle-down', 14, 'dropdown icon')}
	<div class="menu">
		<div class="ui icon search input">
			<i class="icon">${svg('search', 16)}</i>
			<input type="text" placeholder="Milestone">
		</div>
		<div class="divider"></div>
		<a class="active selected item" href="?">All milestones</a>
		<a class="item" href="?milestone=-1">No milestones</a>
	</div>
</div>`;
}

/** templates/repo/issue/label_precolors.tmpl (1.25 added the random-colour button). */
function precolors(version: WebVersion): string {
  const rows = [
    ['#e11d21', '#eb6420', '#fbca04', '#009800', '#006b75', '#207de5', '#0052cc', '#5319e7'],
    ['#f6c6c7', '#fad8c7', '#fef2c0', '#bfe5bf', '#bfdadc', '#c7def8', '#bfd4f2', '#d4c5f9'],
  ].map(
    (colors) =>
      `<div class="tw-flex">${colors
        .map((c) => `<a class="color" style="background-color:${c}" data-color-hex="${c}"></a>`)
        .join('')}</div>`,
  );
  if (version === '1.24') return `<div class="precolors">${rows.join('')}</div>`;
  return `<div class="precolors">
	<button type="button" class="ui button generate-random-color">
		${svg('sync')}
	</button>
	<div>${rows.join('')}</div>
</div>`;
}

/** templates/projects/view.tmpl 1.26.3 lines 135–159 (1.25.4 129–153, 1.24.7 125–149). */
function columnModal(page: BoardPage, link: string): string {
  const legacy = page.version === '1.24';
  // 1.24.7 fills the inputs from the page's own Title (the project's) and Color (unset).
  const titleValue = legacy ? ` value="${escapeHtml(page.project.title)}"` : '';
  const colorPicker = legacy
    ? `<div class="js-color-picker-input column">
					<input maxlength="7" placeholder="#c320f6" id="project-column-color-input" name="color" value="">`
    : `<div class="color-picker-combo" data-global-init="initColorPicker">
					<input maxlength="7" placeholder="#c320f6" id="project-column-color-input" name="color">`;
  return `
<div class="ui small modal" id="project-column-modal-edit">
	<div class="header">edit</div>
	<div class="content">
		<form class="ui form ignore-dirty" method="post" data-action-base-link="${link}">
			<input class="project-column-id" type="hidden" name="id">
			<div class="required field">
				<label class="project-column-title-label" for="project-column-title-input">title</label>
				<input id="project-column-title-input" name="title"${titleValue} required>
			</div>
			<div class="field">
				<label class="project-column-color-label" for="project-column-color-input">color</label>
				${colorPicker}
					${precolors(page.version)}
				</div>
			</div>
			<div class="actions">
				<button class="ui cancel button">Cancel</button>
				<button type="submit" class="ui primary button project-column-button-save">save</button>
			</div>
		</form>
	</div>
</div>`;
}

/** templates/projects/view.tmpl of the page's version. */
export function projectView(page: BoardPage, now: Date): string {
  const { version, project } = page;
  const link = `${page.repoLink}/projects/${project.id}`;
  const canWrite = page.canWrite;
  const actions = canWrite
    ? `
			<div class="ui compact mini menu">
				<a class="item screen-full">
					${svg('screen-full')}
					Fullscreen
				</a>
				<a class="item screen-normal tw-hidden">
					${svg('screen-normal')}
					Exit Fullscreen
				</a>
				<a class="item" href="${link}/edit?redirect=project">
					${svg('pencil')}
					Edit
				</a>
					<button class="item btn link-action" data-url="${link}/${project.isClosed ? 'open' : 'close'}">
						${svg(project.isClosed ? 'check' : 'skip')}
						${project.isClosed ? 'Open' : 'Close'}
					</button>
				<button class="item btn link-action" data-url="${link}/delete?id=${project.id}"
								data-modal-confirm-header="Delete Project"
								data-modal-confirm-content="Deleting a project removes it from all related issues. Continue?"
				>
					${svg('trash')}
					Delete
				</button>
				<button class="item btn show-modal show-project-column-modal-edit" data-modal="#project-column-modal-edit"
								data-modal-header="New Column"
								data-modal-project-column-title-label="Name"
								data-modal-project-column-button-save="Create Column"
								data-modal-project-column-id=""
								data-modal-project-column-title-input=""
								data-modal-project-column-color-input=""
				>
					${svg('plus')}
					New Column
				</button>
			</div>`
    : '';
  // The description is Markdown; the fake renders it as one paragraph.
  const content = project.description ? `<p>${escapeHtml(project.description)}</p>\n` : '';
  const description =
    version === '1.24'
      ? content
      : `<div class="render-content markup">
			${content}
		</div>`;
  // 1.24 and 1.25 misspell the writable attribute ("borad"); 1.26 fixed it.
  const writable = version === '1.26' ? 'data-project-board-writable' : 'data-project-borad-writable';
  const filters = `${labelFilter()}
${assigneeFilter(version)}${version === '1.26' ? `\n${milestoneFilter()}` : ''}`;
  return `<div class="ui container fluid padded projects-view"${version === '1.26' ? ' data-global-init="initRepoProjectsView"' : ''}>
	<div class="ui container flex-text-block project-header">
		<h2>${escapeHtml(project.title)}</h2>
		<div class="tw-flex-1"></div>
		<div class="${version === '1.26' ? 'list-header-filters ' : ''}ui secondary menu tw-m-0">
${filters}
		</div>${actions}
	</div>

	<div class="ui container project-description">
		${description}
		<div class="divider"></div>
	</div>

	<div id="project-board" class="board ${canWrite ? 'sortable' : ''}" ${writable}="${canWrite}" ${canWrite ? `data-url="${link}/move"` : ''}>${page.columns
    .map((c) => column(page, c, now))
    .join('')}
	</div>
</div>
${canWrite ? columnModal(page, link) : ''}`;
}

/** templates/repo/projects/view.tmpl (the same in the three versions), without the repository header. */
export function projectViewMain(page: BoardPage, now: Date): string {
  return `<div role="main" aria-label="${escapeHtml(page.project.title)}" class="page-content repository projects view-project">
	<div class="ui container padded">
		<div class="flex-text-block tw-justify-end tw-mb-4">
			<a class="ui small button" href="${page.repoLink}/labels">Labels</a>
			<a class="ui small button" href="${page.repoLink}/milestones">Milestones</a>
			<a class="ui small primary button" href="${page.repoLink}/issues/new/choose?project=${page.project.id}">New Issue</a>
		</div>
	</div>
	${projectView(page, now)}
</div>`;
}
