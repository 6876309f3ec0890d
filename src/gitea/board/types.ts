import type { BoardColumn } from '../../domain/board.ts';
import type { TaskState } from '../../domain/lifecycle.ts';

/**
 * Where a task's card sits (docs/architecture.md §1 step 5). Two implementations: `projects` drives a real
 * Gitea Project board through Gitea's web routes (there is no REST API for boards), `labels`
 * uses the exclusive `ai-status/*` labels as the columns and works everywhere.
 */

export interface BoardRepo {
  owner: string;
  name: string;
}

/** What `prepare` found or made; stored on the repo row (repos.board_*) so later calls skip the lookup. */
export interface BoardRef {
  kind: 'projects' | 'labels';
  /** Gitea project id (global), for `projects`. */
  projectId?: number;
  /** Column ids by column name, for `projects`. */
  columns?: Partial<Record<BoardColumn, number>>;
}

export interface BoardPreparation {
  board: BoardRef;
  /** What happened, for `setup` output and for telling users (e.g. "column Review was missing and was recreated"). */
  notes: string[];
}

export interface BoardIssue {
  number: number;
  /** Gitea's internal issue id (board routes take it, not the number). */
  id: number;
}

export interface BoardAdapter {
  readonly kind: 'projects' | 'labels';
  /**
   * Creates or adopts the repository's board (`projectName`, default `AiWorker`) with the five
   * columns; repairs a deleted column or project. Idempotent: a second call changes nothing.
   */
  prepare(
    repo: BoardRepo,
    options: { projectName: string; known?: BoardRef | null },
  ): Promise<BoardPreparation>;
  /**
   * Puts the issue's card in the column for `state` (adding it to the board first if needed).
   * Idempotent. Returns a possibly updated BoardRef when the board had to be repaired.
   */
  place(repo: BoardRepo, board: BoardRef, issue: BoardIssue, state: TaskState): Promise<BoardRef>;
}
