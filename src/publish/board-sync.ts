import type { Logger } from '../config/logger.ts';
import type { RepoConfig } from '../config/repo-config.ts';
import type { Database } from '../db/client.ts';
import { getRepoById, type RepoRow, storeBoard } from '../db/repos.ts';
import type { TaskRow } from '../db/tasks.ts';
import type { BoardColumn } from '../domain/board.ts';
import { statusLabelFor, type TaskState } from '../domain/lifecycle.ts';
import type { IssueRef } from '../domain/payloads.ts';
import { placeStatusLabel, type StatusLabelClient } from '../gitea/board/labels.ts';
import type { BoardAdapter, BoardRef } from '../gitea/board/types.ts';

/**
 * Where a task shows its state: the exclusive `ai-status/*` label always follows the state (the
 * labels are part of the contract, and the board when no project board is set up); with the
 * Gitea Project board enabled the card moves there too. The board's ids are kept on the
 * repository row, so the board pages are read only when something is missing.
 */

export interface BoardSyncDeps {
  db: Database;
  gitea: StatusLabelClient;
  /** The Gitea Project board when GITEA_BOT_PASSWORD is set; otherwise the labels board. */
  board: BoardAdapter;
  log: Logger;
}

export class BoardSync {
  constructor(private readonly deps: BoardSyncDeps) {}

  /** Shows the task's state on its issue: the status label, and its card on the project board. */
  async place(repo: RepoRow, task: TaskRow, config: RepoConfig | null): Promise<void> {
    const { db, gitea, board, log } = this.deps;
    const state = task.state as TaskState;
    const where = { owner: repo.owner, name: repo.name };
    await placeStatusLabel(gitea, where, task.issueNumber, statusLabelFor(state));
    if (board.kind !== 'projects' || !task.issueId) return;
    const issue = { number: task.issueNumber, id: task.issueId };
    let stored = storedBoard(await getRepoById(db, repo.id));
    if (!stored) {
      const prepared = await board.prepare(where, {
        projectName: config?.board.project ?? 'AiWorker',
        known: null,
      });
      stored = prepared.board;
      if (prepared.notes.length > 0)
        log.info({ repo: repo.fullName, notes: prepared.notes }, 'project board prepared');
      await storeBoard(db, repo.id, stored);
    }
    const placed = await board.place(where, stored, issue, state);
    if (
      placed.projectId !== stored.projectId ||
      JSON.stringify(placed.columns) !== JSON.stringify(stored.columns)
    ) {
      await storeBoard(db, repo.id, placed);
    }
  }
}

/**
 * Shows a state on an issue by its status label only (an agent's report: the state it shows is
 * not always the task's state). Returns the label shown.
 */
export async function showStatusLabel(
  gitea: StatusLabelClient,
  issue: IssueRef,
  state: TaskState,
): Promise<string> {
  const wanted = statusLabelFor(state);
  if (wanted === null) throw new Error(`the state "${state}" has no ai-status label`);
  await placeStatusLabel(gitea, { owner: issue.owner, name: issue.repo }, issue.number, wanted);
  return wanted;
}

function storedBoard(repo: RepoRow): BoardRef | null {
  if (repo.boardKind !== 'projects' || !repo.boardProjectId || !repo.boardColumns) return null;
  return {
    kind: 'projects',
    projectId: repo.boardProjectId,
    columns: repo.boardColumns as Partial<Record<BoardColumn, number>>,
  };
}
