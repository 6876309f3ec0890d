import type { WebVersion } from './version.ts';

/** Public shapes of the Gitea fake's web UI routes (project boards): what tests read and pass in. */

export interface FakeProject {
  /** Global project id (the `{id}` of `/{owner}/{repo}/projects/{id}`). */
  id: number;
  title: string;
  description: string;
  state: 'open' | 'closed';
  templateType: 'none' | 'basic-kanban' | 'bug-triage';
}

export interface FakeBoardColumn {
  /** Global column id (`data-id` on the board page). */
  id: number;
  title: string;
  default: boolean;
  sorting: number;
  color: string;
  /** Issue (and pull request) numbers of the cards, in the order the board shows them. */
  issues: number[];
}

export interface FakeWebCall {
  method: string;
  /** Path without the query, e.g. `/alice/shop/projects/600/801/move`. */
  path: string;
  query: Record<string, string>;
  status: number;
  /** Login of the signed-in user, or null for a visitor (or an expired session). */
  user: string | null;
  contentType: string;
  /** The raw request body, or undefined when empty. */
  body: string | undefined;
}

/** A column by its title (first match in board order) or by its id. */
export type ColumnSelector = string | number;

export interface GiteaWebFake {
  /** The Gitea whose web UI the fake imitates (from `startGiteaFake({ version })`, default 1.26). */
  readonly version: WebVersion;
  /** Every web request, in order. */
  calls: FakeWebCall[];
  resetCalls(): void;
  /** The repository's projects, oldest first. */
  projects(repoFullName: string): FakeProject[];
  /** The board as its page shows it: columns by (sorting, id) with their cards. */
  board(repoFullName: string, projectId: number): FakeBoardColumn[];
  /** A person creates a project in the UI (default template: none). */
  createProject(
    repoFullName: string,
    opts: { title: string; description?: string; template?: FakeProject['templateType']; by?: string },
  ): FakeProject;
  /** A person adds a column; returns its id. */
  addColumn(repoFullName: string, projectId: number, title: string): number;
  /** A person deletes a column (its cards move to the default column; the default column cannot go). */
  deleteColumn(repoFullName: string, projectId: number, column: ColumnSelector): void;
  setDefaultColumn(repoFullName: string, projectId: number, column: ColumnSelector): void;
  renameColumn(repoFullName: string, projectId: number, column: ColumnSelector, title: string): void;
  /** A person drags a card (already on the board) to the end of a column. */
  moveCard(repoFullName: string, projectId: number, number: number, column: ColumnSelector): void;
  /** A person deletes a project (its columns and card rows go with it). */
  deleteProject(repoFullName: string, projectId: number): void;
  closeProject(repoFullName: string, projectId: number): void;
  /** A person adds an issue to a project from the issue sidebar (it lands in the default column). */
  addIssueToProject(repoFullName: string, number: number, projectId: number): void;
  /** The user's sign-in now asks for a TOTP passcode (303 to `/user/two_factor`). */
  enableTwoFactor(login: string): void;
  /** Every web session ends; requests with an old cookie are a visitor's. */
  expireSessions(): void;
  /** Turns the repository's Projects unit on or off (`has_projects`). */
  setProjectsEnabled(repoFullName: string, enabled: boolean): void;
}
