import type { RepoConfig } from '../config/repo-config.ts';
import { getRepoById, type RepoRow, storeBoard } from '../db/repos.ts';
import type { TaskRow } from '../db/tasks.ts';
import type { BoardColumn } from '../domain/board.ts';
import type { TaskState } from '../domain/lifecycle.ts';
import { type BoardAdapter, type BoardRef, LabelsBoard } from '../gitea/board/index.ts';
import type { BotDeps } from './bot.ts';

/**
 * Moves a task's card when its state changes. The exclusive `ai-status/*` labels always follow
 * the state (they are part of the contract, and the board when no project board is set up);
 * with the Gitea Project board enabled the card moves there too. The board's ids are kept on
 * the repository row, so the board pages are read only when something is missing.
 */
export async function placeCard(
  deps: BotDeps,
  repo: RepoRow,
  task: TaskRow,
  config: RepoConfig | null,
): Promise<void> {
  const issue = { number: task.issueNumber, id: task.issueId ?? 0 };
  const state = task.state as TaskState;
  await new LabelsBoard(deps.gitea).place(
    { owner: repo.owner, name: repo.name },
    { kind: 'labels' },
    issue,
    state,
  );
  if (deps.board.kind !== 'projects' || !task.issueId) return;
  const fresh = await getRepoById(deps.db, repo.id);
  let board = storedBoard(fresh);
  if (!board) {
    const prepared = await deps.board.prepare(
      { owner: repo.owner, name: repo.name },
      { projectName: config?.board.project ?? 'AiWorker', known: null },
    );
    board = prepared.board;
    if (prepared.notes.length > 0)
      deps.log.info({ repo: repo.fullName, notes: prepared.notes }, 'project board prepared');
    await storeBoard(deps.db, repo.id, board);
  }
  const placed = await deps.board.place({ owner: repo.owner, name: repo.name }, board, issue, state);
  if (
    placed.projectId !== board.projectId ||
    JSON.stringify(placed.columns) !== JSON.stringify(board.columns)
  ) {
    await storeBoard(deps.db, repo.id, placed);
  }
}

function storedBoard(repo: RepoRow): BoardRef | null {
  if (repo.boardKind !== 'projects' || !repo.boardProjectId || !repo.boardColumns) return null;
  return {
    kind: 'projects',
    projectId: repo.boardProjectId,
    columns: repo.boardColumns as Partial<Record<BoardColumn, number>>,
  };
}

export type { BoardAdapter };
