import type { FakeState, IssueRecord, RepoRecord, UserRecord } from '../state.ts';

/**
 * Gitea's project tables and the model functions the web handlers call (the same in 1.24.7,
 * 1.25.4 and 1.26.3 except where noted)
 * (`models/project/*.go`, `models/issues/issue_project.go`, `services/projects/issue.go`).
 * Ids are global autoincrements like Gitea's, started far from issue ids and numbers so a client
 * that confuses a project id, a column id, an issue id and an issue number fails loudly.
 */

export const TemplateType = { None: 0, BasicKanban: 1, BugTriage: 2 } as const;
export const CardType = { TextOnly: 0, ImagesAndText: 1 } as const;

/** `models/project/column.go`: at most this many columns per project. */
export const MAX_COLUMNS = 20;

export interface ProjectRecord {
  id: number;
  repoId: number;
  title: string;
  description: string;
  templateType: number;
  cardType: number;
  isClosed: boolean;
  creatorId: number;
  createdAt: Date;
}

export interface ColumnRecord {
  id: number;
  projectId: number;
  title: string;
  isDefault: boolean;
  /** int8 in Gitea. */
  sorting: number;
  /** `#RRGGBB` or empty. */
  color: string;
  creatorId: number;
  createdAt: Date;
}

/** A `project_issue` row. In 1.26 an issue belongs to at most one project. */
export interface ProjectIssueRecord {
  issueId: number;
  projectId: number;
  /** 0: shown in the default column. */
  columnId: number;
  sorting: number;
}

/** A model error the handlers turn into a status, as Gitea's `ServerError`/`NotFound` do. */
export class ModelError extends Error {
  constructor(
    readonly kind: 'not-exist' | 'server',
    message: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

const TEMPLATE_COLUMNS: Record<number, string[]> = {
  [TemplateType.None]: [],
  [TemplateType.BasicKanban]: ['Backlog', 'To Do', 'In Progress', 'Done'],
  [TemplateType.BugTriage]: ['Backlog', 'Needs Triage', 'High Priority', 'Low Priority', 'Closed'],
};

const COLOR = /^#[0-9a-fA-F]{6}$/;

export class ProjectStore {
  readonly projects = new Map<number, ProjectRecord>();
  readonly columns = new Map<number, ColumnRecord>();
  /** By issue id. */
  readonly projectIssues = new Map<number, ProjectIssueRecord>();
  /** Repositories whose Projects unit is disabled (`has_projects: false`). */
  readonly projectsDisabled = new Set<number>();
  private nextProjectId = 600;
  private nextColumnId = 800;

  constructor(private readonly state: FakeState) {}

  projectsOf(repo: RepoRecord): ProjectRecord[] {
    return [...this.projects.values()].filter((p) => p.repoId === repo.id);
  }

  /** Columns ordered as Gitea lists them: by sorting, then id. */
  columnsOf(project: ProjectRecord): ColumnRecord[] {
    return [...this.columns.values()]
      .filter((c) => c.projectId === project.id)
      .sort((a, b) => a.sorting - b.sorting || a.id - b.id);
  }

  /** NewProject: invalid template or card types fall back to 0; the template's columns are added. */
  createProject(
    repo: RepoRecord,
    doer: UserRecord,
    input: { title: string; description: string; templateType: number; cardType: number },
  ): ProjectRecord {
    const templateType = Object.values(TemplateType).includes(input.templateType as 0)
      ? input.templateType
      : TemplateType.None;
    const cardType = Object.values(CardType).includes(input.cardType as 0)
      ? input.cardType
      : CardType.TextOnly;
    const project: ProjectRecord = {
      id: this.nextProjectId++,
      repoId: repo.id,
      title: input.title,
      description: input.description,
      templateType,
      cardType,
      isClosed: false,
      creatorId: doer.id,
      createdAt: this.state.now(),
    };
    this.projects.set(project.id, project);
    // Template columns all have sorting 0: their order comes from the id. Backlog is the default.
    for (const [i, title] of (TEMPLATE_COLUMNS[templateType] ?? []).entries()) {
      this.insertColumn(project, doer, { title, color: '', sorting: 0, isDefault: i === 0 });
    }
    return project;
  }

  /** NewColumn: sorting max+1; more than 20 columns or a bad colour is an error (→ 500). */
  addColumn(project: ProjectRecord, doer: UserRecord, input: { title: string; color: string }): ColumnRecord {
    const existing = this.columnsOf(project);
    if (existing.length >= MAX_COLUMNS) {
      throw new ModelError('server', `NewBoard: maximum number of columns reached (${MAX_COLUMNS})`);
    }
    if (input.color !== '' && !COLOR.test(input.color)) {
      throw new ModelError('server', `bad color code: ${input.color}`);
    }
    const sorting = existing.reduce((max, c) => Math.max(max, c.sorting), -1) + 1;
    return this.insertColumn(project, doer, {
      title: input.title,
      color: input.color,
      sorting,
      isDefault: false,
    });
  }

  /** UpdateColumn: the title only when non-empty, sorting only when non-zero, colour always. */
  editColumn(column: ColumnRecord, input: { title: string; color: string; sorting: number }): void {
    if (input.color !== '' && !COLOR.test(input.color)) {
      throw new ModelError('server', `bad color code: ${input.color}`);
    }
    if (input.title !== '') column.title = input.title;
    if (input.sorting !== 0) column.sorting = input.sorting;
    column.color = input.color;
  }

  /** DeleteColumnByID: the default column cannot go; its issues move to the end of the default column. */
  deleteColumn(column: ColumnRecord): void {
    if (column.isDefault) throw new ModelError('server', 'deleteColumnByID: cannot delete default column');
    const project = this.projects.get(column.projectId);
    if (!project) throw new ModelError('not-exist', `project does not exist [id: ${column.projectId}]`);
    const target = this.mustDefaultColumn(project);
    let sorting = this.maxSortingIn(project, target.id);
    for (const row of this.rowsIn(project, column.id)) {
      sorting++;
      row.columnId = target.id;
      row.sorting = sorting;
    }
    this.columns.delete(column.id);
  }

  /** SetDefaultColumn: clears `default` on every column of the project, then sets it on this one. */
  setDefaultColumn(column: ColumnRecord): void {
    for (const other of this.columns.values()) {
      if (other.projectId === column.projectId) other.isDefault = false;
    }
    column.isDefault = true;
  }

  /**
   * MustDefaultColumn (models/project/column.go, v1.24.7 267–300, v1.25.4 279–312, v1.26.3
   * 297–317; the same rules in all three): the newest column marked default; else the first by
   * (sorting, id), promoted and saved; else a new default column "Uncategorized" (sorting 0, the
   * project's creator as creator). Which callers run it differs: see `loadIssues`.
   */
  mustDefaultColumn(project: ProjectRecord): ColumnRecord {
    const columns = this.columnsOf(project);
    const marked = columns.filter((c) => c.isDefault).sort((a, b) => b.id - a.id)[0];
    if (marked) return marked;
    const first = columns[0];
    if (first) {
      first.isDefault = true;
      return first;
    }
    return this.insertColumn(project, this.state.userById(project.creatorId), {
      title: 'Uncategorized',
      color: '',
      sorting: 0,
      isDefault: true,
    });
  }

  /** DeleteProjectByID: its columns and `project_issue` rows go with it. */
  deleteProject(project: ProjectRecord): void {
    for (const column of this.columnsOf(project)) this.columns.delete(column.id);
    for (const row of [...this.projectIssues.values()]) {
      if (row.projectId === project.id) this.projectIssues.delete(row.issueId);
    }
    this.projects.delete(project.id);
  }

  /**
   * IssueAssignOrRemoveProject: removes the issue from its project; with a project id > 0, adds
   * it to that project's default column at max(sorting)+1. A project of another repository is
   * a permission error (the handler skips it); a missing project is a not-exist error (→ 404).
   */
  assignIssue(issue: IssueRecord, projectId: number): 'assigned' | 'removed' | 'denied' {
    if (projectId > 0) {
      const project = this.projects.get(projectId);
      if (!project) throw new ModelError('not-exist', `project does not exist [id: ${projectId}]`);
      if (project.repoId !== issue.repoId) return 'denied';
      const column = this.mustDefaultColumn(project);
      const sorting = this.maxSortingIn(project, column.id) + 1;
      this.projectIssues.set(issue.id, { issueId: issue.id, projectId, columnId: column.id, sorting });
      return 'assigned';
    }
    this.projectIssues.delete(issue.id);
    return 'removed';
  }

  /**
   * MoveIssuesOnProjectColumn: `sortedIssueIDs` maps sorting → issue id (so duplicate sortings
   * already dropped issues). Every issue must already be in the column's project.
   */
  moveIssues(column: ColumnRecord, sortedIssueIds: ReadonlyMap<number, number>): void {
    for (const issueId of sortedIssueIds.values()) {
      if (this.projectIssues.get(issueId)?.projectId !== column.projectId) {
        throw new ModelError('server', 'all issues have to be added to a project first');
      }
    }
    for (const [sorting, issueId] of sortedIssueIds) {
      const row = this.projectIssues.get(issueId);
      if (row) {
        row.columnId = column.id;
        row.sorting = sorting;
      }
    }
  }

  /** Issue ids in a column as the board shows them; rows with column 0 show in the default column. */
  issuesInColumn(project: ProjectRecord, column: ColumnRecord): IssueRecord[] {
    const rows = [...this.projectIssues.values()].filter(
      (row) =>
        row.projectId === project.id &&
        (row.columnId === column.id || (row.columnId === 0 && column.isDefault)),
    );
    const issues = rows
      .map((row) => ({ row, issue: this.state.issuesById.get(row.issueId) }))
      .filter((x): x is { row: ProjectIssueRecord; issue: IssueRecord } => x.issue !== undefined);
    // project_issue.sorting ascending, then newest issue first, then highest id first.
    issues.sort(
      (a, b) =>
        a.row.sorting - b.row.sorting ||
        b.issue.createdAt.getTime() - a.issue.createdAt.getTime() ||
        b.issue.id - a.issue.id,
    );
    return issues.map((x) => x.issue);
  }

  /**
   * LoadIssuesFromProject (services/projects/issue.go): the project's cards by column id, a card
   * without a column under the default column. MustDefaultColumn runs first when
   * `ensureDefault` (Gitea ≤ 1.25) or when the project has cards (1.26 returns early without).
   */
  loadIssues(project: ProjectRecord, ensureDefault: boolean): Map<number, IssueRecord[]> {
    const cards = new Map<number, IssueRecord[]>();
    if (!ensureDefault && !this.hasIssues(project)) return cards;
    // LoadProjectIssueColumnMap puts column 0 under the default; issuesInColumn does the same.
    this.mustDefaultColumn(project);
    for (const column of this.columnsOf(project)) cards.set(column.id, this.issuesInColumn(project, column));
    return cards;
  }

  hasIssues(project: ProjectRecord): boolean {
    for (const row of this.projectIssues.values()) if (row.projectId === project.id) return true;
    return false;
  }

  private rowsIn(project: ProjectRecord, columnId: number): ProjectIssueRecord[] {
    return [...this.projectIssues.values()].filter(
      (row) => row.projectId === project.id && row.columnId === columnId,
    );
  }

  private maxSortingIn(project: ProjectRecord, columnId: number): number {
    return this.rowsIn(project, columnId).reduce((max, row) => Math.max(max, row.sorting), 0);
  }

  private insertColumn(
    project: ProjectRecord,
    doer: UserRecord,
    input: { title: string; color: string; sorting: number; isDefault: boolean },
  ): ColumnRecord {
    const column: ColumnRecord = {
      id: this.nextColumnId++,
      projectId: project.id,
      title: input.title,
      isDefault: input.isDefault,
      sorting: input.sorting,
      color: input.color,
      creatorId: doer.id,
      createdAt: this.state.now(),
    };
    this.columns.set(column.id, column);
    return column;
  }
}
