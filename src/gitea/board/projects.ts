import { BOARD_COLUMNS, type BoardColumn, columnFor } from '../../domain/board.ts';
import type { TaskState } from '../../domain/lifecycle.ts';
import { BoardError, BoardRequestError } from './errors.ts';
import { type BoardColumnView, lastListPage, parseBoard, parseProjectLinks } from './gitea-html.ts';
import type { BoardAdapter, BoardIssue, BoardPreparation, BoardRef, BoardRepo } from './types.ts';
import type { GiteaWebSession, WebAnswer, WebRequest } from './web-session.ts';

/**
 * The board as a real Gitea Project, driven through Gitea's web routes (1.26 has no REST API
 * for projects; reference: gitea-project-web-routes.md). Ids: `{id}` is the project id and
 * `{columnID}` the column id (both global); cards and assignments use the internal issue id,
 * never the number.
 *
 * Every write is checked against the board page first, so repeating a call changes nothing:
 * `prepare` creates only what is missing, `place` writes only when the card is elsewhere.
 */

export const DEFAULT_PROJECT_NAME = 'AiWorker';

const BACKLOG: BoardColumn = 'Backlog';
/** The title Gitea gives the default column it creates (not translated). */
const UNCATEGORIZED = 'Uncategorized';

const PROJECT_DESCRIPTION =
  'Tasks managed by AiWorker. Cards move between the columns as the tasks progress.';
/** The list page is searched this far at most (20 projects a page). */
const MAX_LIST_PAGES = 50;

export interface ProjectsBoardOptions {
  /**
   * The project to recreate when `place` finds the board deleted before any `prepare` of this
   * instance named it. Default `AiWorker`.
   */
  defaultProjectName?: string;
}

type Attempt = { done: true; board: BoardRef } | { done: false; reason: string };

function sameTitle(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function describe(repo: BoardRepo): string {
  return `${repo.owner}/${repo.name}`;
}

/** The column new assignments land in (MustDefaultColumn): the newest marked default, else the first. */
function defaultColumnOf(columns: readonly BoardColumnView[]): BoardColumnView | undefined {
  const marked = columns.filter((c) => c.isDefault).sort((a, b) => b.id - a.id)[0];
  return marked ?? columns[0];
}

export class ProjectsBoard implements BoardAdapter {
  readonly kind = 'projects' as const;
  private readonly defaultProjectName: string;
  /** The name each repository's project was prepared under, for repairs during `place`. */
  private readonly projectNames = new Map<string, string>();

  constructor(
    private readonly session: GiteaWebSession,
    options: ProjectsBoardOptions = {},
  ) {
    this.defaultProjectName = options.defaultProjectName ?? DEFAULT_PROJECT_NAME;
  }

  async prepare(
    repo: BoardRepo,
    options: { projectName: string; known?: BoardRef | null },
  ): Promise<BoardPreparation> {
    const projectName = options.projectName.trim();
    if (!projectName) throw new Error('the board project name must not be empty');
    this.projectNames.set(this.repoKey(repo), projectName);
    const known = options.known?.kind === 'projects' ? options.known : null;
    const notes: string[] = [];

    const located = await this.locateProject(repo, projectName, known, notes);
    const { projectId, created } = located;
    let columns = located.columns;
    // Gitea ≤ 1.25 gives a column-less project its "Uncategorized" column while rendering the
    // board, after it read the columns for the page: only the next page shows it (reference:
    // gitea-project-web-routes.md §5, default column).
    if (columns.length === 0) columns = await this.mustReadBoard(repo, projectId);

    const knownColumns = known?.projectId === projectId ? (known.columns ?? {}) : {};
    const chosen = this.matchColumns(columns, knownColumns);
    let changed = false;
    const placeholder = chosen.Backlog === undefined ? this.placeholderColumn(columns, chosen) : undefined;
    if (placeholder) {
      // Gitea made this column as the project's default because the project had none. It is the column for cards nobody sorted yet, which is what Backlog
      // is: renaming it keeps its id, its cards, its place and its default mark, and deletes
      // nothing, which is the safest change on a project people may already use.
      await this.editColumn(repo, projectId, placeholder, BACKLOG);
      chosen.Backlog = placeholder.id;
      changed = true;
      if (!created)
        notes.push(`renamed the column "${placeholder.title}" that Gitea created to "${BACKLOG}"`);
    }
    const missing = BOARD_COLUMNS.filter((name) => chosen[name] === undefined);
    for (const name of missing) {
      await this.addColumn(repo, projectId, name);
      if (created) continue;
      notes.push(
        knownColumns[name] !== undefined
          ? `column "${name}" was missing and was recreated`
          : `added the column "${name}" to the project "${projectName}"`,
      );
    }
    if (changed || missing.length > 0) columns = await this.mustReadBoard(repo, projectId);
    if (missing.length > 0) {
      const taken = new Set(Object.values(chosen));
      for (const name of missing) {
        const column = columns.find((c) => sameTitle(c.title, name) && !taken.has(c.id));
        if (!column) {
          throw new BoardError(
            `the column "${name}" added to project #${projectId} of ${describe(repo)} is not on its board`,
            { retryable: true },
          );
        }
        chosen[name] = column.id;
        taken.add(column.id);
      }
      if (!created) columns = await this.restoreColumnOrder(repo, projectId, columns, chosen, missing);
    }

    await this.makeBacklogDefault(repo, projectId, columns, chosen, created, notes);
    return { board: { kind: 'projects', projectId, columns: { ...chosen } }, notes };
  }

  /**
   * The "Uncategorized" column Gitea creates as the default of a project without columns (on
   * viewing the board up to 1.25, and on adding an issue in every version; reference:
   * gitea-project-web-routes.md §5). Only while it is still the default: once it is not, it is a
   * column like any other.
   */
  private placeholderColumn(
    columns: readonly BoardColumnView[],
    chosen: Partial<Record<BoardColumn, number>>,
  ): BoardColumnView | undefined {
    const taken = new Set(Object.values(chosen));
    return columns.find((c) => c.isDefault && !taken.has(c.id) && c.title.trim() === UNCATEGORIZED);
  }

  /**
   * New cards land in the default column before `place` moves them, so Backlog must be it. A
   * default elsewhere is usually Gitea's own pick (the first column, or "Uncategorized", when none
   * was marked), so Backlog takes it over. When the old default was Gitea's "Uncategorized" (and
   * could not become Backlog because the project has one), it is deleted: Gitea moves its cards to
   * the end of the default column (reference: gitea-project-web-routes.md §2, delete a column),
   * now Backlog, the column with the same meaning, so no card is lost and none is left in
   * "Uncategorized".
   */
  private async makeBacklogDefault(
    repo: BoardRepo,
    projectId: number,
    columns: BoardColumnView[],
    chosen: Partial<Record<BoardColumn, number>>,
    created: boolean,
    notes: string[],
  ): Promise<void> {
    const backlog = chosen.Backlog;
    if (backlog === undefined || columns.find((c) => c.id === backlog)?.isDefault) return;
    const previous = columns.find((c) => c.isDefault);
    this.expectOk(
      await this.session.send({
        method: 'POST',
        path: `${this.projectPath(repo, projectId)}/${backlog}/default`,
        accept: 'json',
      }),
      'set the default column',
    );
    if (!created) {
      notes.push(
        previous
          ? `made "${BACKLOG}" the default column instead of "${previous.title}"`
          : `made "${BACKLOG}" the default column`,
      );
    }
    const placeholder = previous && this.placeholderColumn([previous], chosen);
    if (!placeholder) return;
    await this.deleteColumn(repo, projectId, placeholder);
    if (created) return;
    const moved = placeholder.cards.length;
    notes.push(
      moved > 0
        ? `deleted the column "${placeholder.title}" that Gitea created; its ${moved} card(s) moved to "${BACKLOG}"`
        : `deleted the empty column "${placeholder.title}" that Gitea created`,
    );
  }

  /** The stored project when it still exists, else the oldest one with the name, else a new one. */
  private async locateProject(
    repo: BoardRepo,
    projectName: string,
    known: BoardRef | null,
    notes: string[],
  ): Promise<{ projectId: number; columns: BoardColumnView[]; created: boolean }> {
    if (known?.projectId !== undefined) {
      const columns = await this.readBoard(repo, known.projectId);
      if (columns) return { projectId: known.projectId, columns, created: false };
      notes.push(`project #${known.projectId} no longer exists`);
    }
    const found = await this.findProject(repo, projectName);
    if (found) {
      notes.push(`using the existing project "${projectName}" (#${found.id})`);
      if (found.closed)
        notes.push(`the project "${projectName}" is closed; reopen it to see it among open projects`);
      return { projectId: found.id, columns: await this.mustReadBoard(repo, found.id), created: false };
    }
    const projectId = await this.createProject(repo, projectName);
    notes.push(
      `created the project "${projectName}" (#${projectId}) with the columns ${BOARD_COLUMNS.join(', ')}`,
    );
    return { projectId, columns: await this.mustReadBoard(repo, projectId), created: true };
  }

  async place(repo: BoardRepo, board: BoardRef, issue: BoardIssue, state: TaskState): Promise<BoardRef> {
    const target = columnFor(state);
    let current = board;
    let attempt = await this.tryPlace(repo, current, issue, target);
    if (attempt.done) return attempt.board;
    // The project or a column went away (or the ref was never prepared): repair once, then retry.
    const projectName = this.projectNames.get(this.repoKey(repo)) ?? this.defaultProjectName;
    current = (await this.prepare(repo, { projectName, known: current })).board;
    attempt = await this.tryPlace(repo, current, issue, target);
    if (attempt.done) return attempt.board;
    throw new BoardError(
      `cannot place #${issue.number} of ${describe(repo)} in "${target}": ${attempt.reason} (even after repairing the board)`,
      { retryable: true },
    );
  }

  private async tryPlace(
    repo: BoardRepo,
    board: BoardRef,
    issue: BoardIssue,
    target: BoardColumn,
  ): Promise<Attempt> {
    const projectId = board.kind === 'projects' ? board.projectId : undefined;
    const columnId = board.columns?.[target];
    if (projectId === undefined || columnId === undefined)
      return { done: false, reason: 'the board is not prepared' };
    const columns = await this.readBoard(repo, projectId);
    if (!columns) return { done: false, reason: `project #${projectId} does not exist` };
    const targetColumn = columns.find((c) => c.id === columnId);
    if (!targetColumn) return { done: false, reason: `column "${target}" (#${columnId}) does not exist` };
    this.checkIdentity(repo, columns, issue);

    const holding = columns.find((c) => c.cards.some((card) => card.id === issue.id));
    if (holding?.id === columnId) return { done: true, board };
    const projectPath = this.projectPath(repo, projectId);
    if (!holding) {
      // New assignments land in the default column (or take the issue from another project).
      const assigned = await this.session.send({
        method: 'POST',
        path: `${this.repoPath(repo)}/issues/projects`,
        query: { issue_ids: String(issue.id) },
        form: { id: String(projectId) },
        accept: 'json',
      });
      if (assigned.status === 404) return { done: false, reason: `project #${projectId} does not exist` };
      this.expectOk(assigned, `add #${issue.number} to project #${projectId}`);
      if (defaultColumnOf(columns)?.id === columnId) {
        await this.confirmCard(repo, projectId, issue, columnId);
        return { done: true, board };
      }
    }
    const moved = await this.session.send({
      method: 'POST',
      path: `${projectPath}/${columnId}/move`,
      json: { issues: [{ issueID: issue.id, sorting: targetColumn.cards.length }] },
      accept: 'json',
    });
    if (moved.status === 404)
      return { done: false, reason: `column "${target}" (#${columnId}) does not exist` };
    if (moved.status >= 500) await this.confirmCard(repo, projectId, issue, null);
    this.expectOk(moved, `move #${issue.number} to "${target}"`);
    return { done: true, board };
  }

  /** The card of an issue number must carry the caller's internal id: a mix-up would move the wrong card. */
  private checkIdentity(repo: BoardRepo, columns: readonly BoardColumnView[], issue: BoardIssue): void {
    for (const column of columns) {
      for (const card of column.cards) {
        if (card.number === issue.number && card.id !== issue.id) {
          throw new BoardError(
            `#${issue.number} of ${describe(repo)} has the internal id ${card.id} on the board, not ${issue.id}: ` +
              'board routes take the `id` field of the issue, not its number',
          );
        }
      }
    }
  }

  /**
   * After an assignment (or a failed move), the card must be on the board — in `columnId` when
   * given. An assignment Gitea answered `ok` but did not make means the id is not an issue of
   * this repository (Gitea silently skips unknown ids).
   */
  private async confirmCard(
    repo: BoardRepo,
    projectId: number,
    issue: BoardIssue,
    columnId: number | null,
  ): Promise<void> {
    const columns = await this.mustReadBoard(repo, projectId);
    const holding = columns.find((c) => c.cards.some((card) => card.id === issue.id));
    if (!holding) {
      throw new BoardError(
        `#${issue.number} (internal id ${issue.id}) is not on project #${projectId} of ${describe(repo)} after adding it: ` +
          `is ${issue.id} the internal id of #${issue.number}?`,
      );
    }
    if (columnId !== null && holding.id !== columnId) {
      throw new BoardError(
        `#${issue.number} landed in "${holding.title}" instead of the default column of project #${projectId}`,
        { retryable: true },
      );
    }
  }

  /** Known column ids that still exist first (people may rename columns), then titles. */
  private matchColumns(
    columns: readonly BoardColumnView[],
    known: Partial<Record<BoardColumn, number>>,
  ): Partial<Record<BoardColumn, number>> {
    const chosen: Partial<Record<BoardColumn, number>> = {};
    const taken = new Set<number>();
    for (const name of BOARD_COLUMNS) {
      const id = known[name];
      if (id !== undefined && columns.some((c) => c.id === id) && !taken.has(id)) {
        chosen[name] = id;
        taken.add(id);
      }
    }
    for (const name of BOARD_COLUMNS) {
      if (chosen[name] !== undefined) continue;
      const column = columns.find((c) => sameTitle(c.title, name) && !taken.has(c.id));
      if (column) {
        chosen[name] = column.id;
        taken.add(column.id);
      }
    }
    return chosen;
  }

  /**
   * New columns are appended at the end; each one added is moved right after the column that
   * precedes it in Backlog → Done, so a recreated "Review" sits between "In Progress" and "Done".
   */
  private async restoreColumnOrder(
    repo: BoardRepo,
    projectId: number,
    columns: BoardColumnView[],
    chosen: Partial<Record<BoardColumn, number>>,
    added: readonly BoardColumn[],
  ): Promise<BoardColumnView[]> {
    const order = columns.map((c) => c.id);
    for (const name of added) {
      const id = chosen[name];
      if (id === undefined) continue;
      order.splice(order.indexOf(id), 1);
      const before = BOARD_COLUMNS.slice(0, BOARD_COLUMNS.indexOf(name))
        .map((n) => chosen[n])
        .filter((n): n is number => n !== undefined && order.includes(n));
      const anchor = before.at(-1);
      order.splice(anchor === undefined ? 0 : order.indexOf(anchor) + 1, 0, id);
    }
    if (order.every((id, i) => id === columns[i]?.id)) return columns;
    this.expectOk(
      await this.session.send({
        method: 'POST',
        path: `${this.projectPath(repo, projectId)}/move`,
        json: { columns: order.map((columnID, sorting) => ({ columnID, sorting })) },
        accept: 'json',
      }),
      'reorder the columns',
    );
    return this.mustReadBoard(repo, projectId);
  }

  /** The oldest project with this title (open first, then closed), or null. */
  private async findProject(repo: BoardRepo, title: string): Promise<{ id: number; closed: boolean } | null> {
    for (const state of ['open', 'closed'] as const) {
      const matches: number[] = [];
      for (let page = 1; page <= MAX_LIST_PAGES; page++) {
        const answer = await this.session.send({
          method: 'GET',
          path: `${this.repoPath(repo)}/projects`,
          query: { state, q: title, page: String(page) },
          accept: 'html',
        });
        if (answer.status === 404) {
          throw new BoardError(
            `the projects of ${describe(repo)} are not reachable (404): enable Projects in the repository's settings ` +
              `(or PATCH /api/v1/repos/${describe(repo)} with {"has_projects": true}) and give "${this.session.login}" write access`,
          );
        }
        this.expectPage(answer, 'GET', `${this.repoPath(repo)}/projects`);
        const links = parseProjectLinks(answer.text, this.session.sitePath(this.repoPath(repo)));
        for (const link of links) if (sameTitle(link.title, title)) matches.push(link.id);
        if (links.length === 0 || page >= lastListPage(answer.text)) break;
      }
      // Titles are not unique: the oldest (lowest id) wins, so every run picks the same one.
      if (matches.length > 0) return { id: Math.min(...matches), closed: state === 'closed' };
    }
    return null;
  }

  /** Creates an empty project (template none); Gitea answers 303 without the id, so it is looked up. */
  private async createProject(repo: BoardRepo, title: string): Promise<number> {
    const path = `${this.repoPath(repo)}/projects/new`;
    const answer = await this.session.send({
      method: 'POST',
      path,
      form: { title, content: PROJECT_DESCRIPTION, template_type: '0', card_type: '0' },
      accept: 'html',
    });
    if (answer.status !== 303 && answer.status !== 302) {
      throw new BoardRequestError(
        'POST',
        path,
        answer.status,
        answer.text.trim().slice(0, 200) || 'no redirect',
      );
    }
    const found = await this.findProject(repo, title);
    if (!found) {
      throw new BoardError(
        `created the project "${title}" in ${describe(repo)}, but it is not on the project list`,
        {
          retryable: true,
        },
      );
    }
    return found.id;
  }

  /** Renames a column; Gitea overwrites the colour on every edit, so the column's own is sent back. */
  private async editColumn(
    repo: BoardRepo,
    projectId: number,
    column: BoardColumnView,
    title: string,
  ): Promise<void> {
    this.expectOk(
      await this.session.send({
        method: 'PUT',
        path: `${this.projectPath(repo, projectId)}/${column.id}`,
        form: { title, color: column.color },
        accept: 'json',
      }),
      `rename the column "${column.title}" to "${title}"`,
    );
  }

  /** Deletes a column; Gitea moves its cards to the end of the default column. */
  private async deleteColumn(repo: BoardRepo, projectId: number, column: BoardColumnView): Promise<void> {
    this.expectOk(
      await this.session.send({
        method: 'DELETE',
        path: `${this.projectPath(repo, projectId)}/${column.id}`,
        accept: 'json',
      }),
      `delete the column "${column.title}"`,
    );
  }

  private async addColumn(repo: BoardRepo, projectId: number, title: string): Promise<void> {
    const answer = await this.session.send({
      method: 'POST',
      path: `${this.projectPath(repo, projectId)}/columns/new`,
      form: { title, color: '' },
      accept: 'json',
    });
    if (answer.status >= 500) {
      throw new BoardRequestError(
        'POST',
        `${this.projectPath(repo, projectId)}/columns/new`,
        answer.status,
        `Gitea refused to add the column "${title}" (a project holds at most 20 columns)`,
      );
    }
    this.expectOk(answer, `add the column "${title}"`);
  }

  /** The columns of a project's board, or null when the project does not exist (in this repository). */
  private async readBoard(repo: BoardRepo, projectId: number): Promise<BoardColumnView[] | null> {
    const path = this.projectPath(repo, projectId);
    const answer = await this.session.send({ method: 'GET', path, accept: 'html' });
    if (answer.status === 404) return null;
    this.expectPage(answer, 'GET', path);
    const columns = parseBoard(answer.text);
    // Taking another page for an empty board would add the five columns again on every run.
    if (!columns) throw new BoardRequestError('GET', path, answer.status, 'the page shows no project board');
    return columns;
  }

  private async mustReadBoard(repo: BoardRepo, projectId: number): Promise<BoardColumnView[]> {
    const columns = await this.readBoard(repo, projectId);
    if (columns) return columns;
    throw new BoardError(
      `project #${projectId} of ${describe(repo)} disappeared while it was being prepared`,
      {
        retryable: true,
      },
    );
  }

  private expectPage(answer: WebAnswer, method: WebRequest['method'], path: string): void {
    if (answer.status === 200) return;
    throw new BoardRequestError(
      method,
      path,
      answer.status,
      answer.text.trim().slice(0, 200) || 'unexpected answer',
    );
  }

  /** Gitea's `{"ok":true}` (JSONOK); anything else is an error naming what was attempted. */
  private expectOk(answer: WebAnswer, what: string): void {
    if (answer.status === 200) {
      try {
        const body = JSON.parse(answer.text) as { ok?: unknown };
        if (body.ok === true) return;
      } catch {
        // reported below
      }
    }
    throw new BoardError(
      `could not ${what}: Gitea answered ${answer.status} ${answer.text.trim().slice(0, 200)}`.trim(),
      { retryable: answer.status === 0 || answer.status === 429 || answer.status >= 500 },
    );
  }

  private repoPath(repo: BoardRepo): string {
    return `/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
  }

  private projectPath(repo: BoardRepo, projectId: number): string {
    return `${this.repoPath(repo)}/projects/${projectId}`;
  }

  private repoKey(repo: BoardRepo): string {
    return describe(repo).toLowerCase();
  }
}
