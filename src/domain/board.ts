import type { TaskState } from './lifecycle.ts';

/**
 * The columns of the board (docs/architecture.md §1 step 5) and which one a task's state
 * belongs in. The board adapters (labels or a Gitea Project) show the same columns.
 */

export const BOARD_COLUMNS = ['Backlog', 'Ready', 'In Progress', 'Review', 'Done'] as const;
export type BoardColumn = (typeof BOARD_COLUMNS)[number];

/** The column a task in a given state belongs to. */
export function columnFor(state: TaskState): BoardColumn {
  switch (state) {
    case 'ready':
      return 'Ready';
    case 'running':
    case 'in_progress':
    case 'decomposing':
      return 'In Progress';
    case 'review':
      return 'Review';
    case 'done':
      return 'Done';
    default:
      return 'Backlog';
  }
}
