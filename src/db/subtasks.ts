import { and, asc, eq, ne } from 'drizzle-orm';
import type { SubtaskState } from '../domain/lifecycle.ts';
import { subtasks, tasks } from './schema.ts';
import type { DbOrTx, TaskRow } from './tasks.ts';

/**
 * The decomposition of a feature: one `subtasks` row per planned subtask (its plan), and once
 * its Gitea issue exists, a `tasks` row of kind `subtask` (its lifecycle state).
 * `subtasks.status` is only about the plan: `planned` (no issue yet), `created`, `superseded`
 * (replaced by a `/decompose`).
 */

export type SubtaskRow = typeof subtasks.$inferSelect;

export async function listSubtasks(
  db: DbOrTx,
  featureTaskId: number,
  options: { includeSuperseded?: boolean } = {},
): Promise<SubtaskRow[]> {
  const where = options.includeSuperseded
    ? eq(subtasks.taskId, featureTaskId)
    : and(eq(subtasks.taskId, featureTaskId), ne(subtasks.status, 'superseded'));
  return db.select().from(subtasks).where(where).orderBy(asc(subtasks.wave), asc(subtasks.order));
}

export async function insertSubtasks(db: DbOrTx, rows: Array<typeof subtasks.$inferInsert>): Promise<void> {
  if (rows.length > 0) await db.insert(subtasks).ignore().values(rows);
}

export async function recordSubtaskIssue(
  db: DbOrTx,
  subtaskId: number,
  issue: { number: number; id: number; subtaskTaskId: number },
): Promise<void> {
  await db
    .update(subtasks)
    .set({
      issueNumber: issue.number,
      issueId: issue.id,
      subtaskTaskId: issue.subtaskTaskId,
      status: 'created',
    })
    .where(eq(subtasks.id, subtaskId));
}

/** The subtask task rows of a feature, keyed by issue number. */
export async function listSubtaskTasks(db: DbOrTx, featureTaskId: number): Promise<TaskRow[]> {
  return db
    .select()
    .from(tasks)
    .where(and(eq(tasks.parentTaskId, featureTaskId), eq(tasks.kind, 'subtask')));
}

/** Creates the lifecycle row of a subtask issue once; returns its id. */
export async function ensureSubtaskTask(
  db: DbOrTx,
  input: {
    repoId: number;
    issueNumber: number;
    issueId: number;
    parentTaskId: number;
    title: string;
    state: SubtaskState;
  },
): Promise<number> {
  await db
    .insert(tasks)
    .ignore()
    .values({
      repoId: input.repoId,
      issueNumber: input.issueNumber,
      issueId: input.issueId,
      kind: 'subtask',
      parentTaskId: input.parentTaskId,
      state: input.state,
      stateVersion: 1,
      title: input.title.slice(0, 512),
    });
  const [row] = await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.repoId, input.repoId), eq(tasks.issueNumber, input.issueNumber)));
  if (!row) throw new Error(`subtask task for #${input.issueNumber} vanished right after being created`);
  return row.id;
}

export async function setSubtaskState(db: DbOrTx, task: TaskRow, state: SubtaskState): Promise<TaskRow> {
  const next = { ...task, state, stateVersion: task.stateVersion + 1 };
  await db.update(tasks).set({ state, stateVersion: next.stateVersion }).where(eq(tasks.id, task.id));
  return next;
}

export async function markSuperseded(db: DbOrTx, featureTaskId: number): Promise<void> {
  await db.update(subtasks).set({ status: 'superseded' }).where(eq(subtasks.taskId, featureTaskId));
}

export async function deleteSuperseded(db: DbOrTx, featureTaskId: number): Promise<void> {
  await db.delete(subtasks).where(and(eq(subtasks.taskId, featureTaskId), eq(subtasks.status, 'superseded')));
}

/** Removes the lifecycle rows of a feature's subtasks (their plan was superseded). */
export async function deleteSubtaskTasks(db: DbOrTx, featureTaskId: number): Promise<void> {
  await db.delete(tasks).where(and(eq(tasks.parentTaskId, featureTaskId), eq(tasks.kind, 'subtask')));
}
