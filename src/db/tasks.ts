import { and, eq, inArray } from 'drizzle-orm';
import type { FeatureEvent, FeatureState } from '../domain/lifecycle.ts';
import { nextFeatureState } from '../domain/lifecycle.ts';
import type { Database, DbOrTx, Tx } from './client.ts';
import { tasks } from './schema.ts';

/**
 * The `tasks` rows: one per managed issue, a feature or a subtask, with its lifecycle state.
 * Every transition runs in one short transaction that locks the task row (SELECT … FOR UPDATE)
 * and bumps `state_version`, so two events racing for the same issue serialise, and a job
 * started for an older version can tell it is stale.
 */

export type TaskRow = typeof tasks.$inferSelect;

export async function findTask(
  db: DbOrTx,
  repoId: number,
  issueNumber: number,
): Promise<TaskRow | undefined> {
  const [row] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.repoId, repoId), eq(tasks.issueNumber, issueNumber)));
  return row;
}

export async function getTask(db: DbOrTx, taskId: number): Promise<TaskRow> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, taskId));
  if (!row) throw new Error(`task ${taskId} does not exist`);
  return row;
}

/** Tasks in any of these states (e.g. the features waiting for a job). */
export async function listTasksInStates(db: DbOrTx, states: readonly string[]): Promise<TaskRow[]> {
  return db
    .select()
    .from(tasks)
    .where(inArray(tasks.state, [...states]));
}

/**
 * Inserts the task row of an issue unless the issue has one (the unique key on repo and issue
 * decides); returns the row that exists afterwards and whether this call created it.
 */
export async function insertTaskOnce(
  db: DbOrTx,
  row: typeof tasks.$inferInsert,
): Promise<{ task: TaskRow; created: boolean }> {
  const [result] = await db
    .insert(tasks)
    .ignore()
    .values({ ...row, title: row.title?.slice(0, 512) });
  const task = await findTask(db, row.repoId, row.issueNumber);
  if (!task) throw new Error(`task for issue #${row.issueNumber} vanished right after being created`);
  return { task, created: result.affectedRows === 1 };
}

/** Creates the feature task for an issue once; a second call returns the existing row. */
export async function createFeatureTask(
  db: DbOrTx,
  input: { repoId: number; issueNumber: number; issueId: number | null; title: string; author: string },
): Promise<{ task: TaskRow; created: boolean }> {
  return insertTaskOnce(db, {
    ...input,
    kind: 'feature',
    state: 'questioning',
    stateVersion: 1,
    triggerLabelPresent: true,
  });
}

/** The task row, locked for the rest of the caller's transaction; undefined when it is gone. */
export async function lockTask(tx: Tx, taskId: number): Promise<TaskRow | undefined> {
  const [task] = await tx.select().from(tasks).where(eq(tasks.id, taskId)).for('update');
  return task;
}

/** Runs `fn` in a transaction holding the task's row lock. */
export async function withLockedTask<T>(
  db: Database,
  taskId: number,
  fn: (tx: Tx, task: TaskRow) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const task = await lockTask(tx, taskId);
    if (!task) throw new Error(`task ${taskId} does not exist`);
    return fn(tx, task);
  });
}

/** Moves a feature along the state machine; returns the refused reason when it cannot. */
export async function applyFeatureEvent(
  tx: Tx,
  task: TaskRow,
  event: FeatureEvent,
  extra: Partial<
    Pick<
      TaskRow,
      | 'questionRound'
      | 'specVersion'
      | 'featureType'
      | 'stackSummary'
      | 'triggerLabelPresent'
      | 'pendingFeedback'
    >
  > = {},
): Promise<{ ok: true; task: TaskRow } | { ok: false; reason: string }> {
  const result = nextFeatureState(task.state as FeatureState, event);
  if (!result.ok) return result;
  const next: TaskRow = {
    ...task,
    ...extra,
    state: result.next,
    pausedState: result.next === 'stopped' ? task.state : null,
    stateVersion: task.stateVersion + 1,
  };
  await tx
    .update(tasks)
    .set({
      ...extra,
      state: next.state,
      pausedState: next.pausedState,
      stateVersion: next.stateVersion,
    })
    .where(eq(tasks.id, task.id));
  return { ok: true, task: next };
}

/** Sets fields that are not a transition (e.g. the trigger label flag) without bumping the version. */
export async function updateTaskFields(
  tx: DbOrTx,
  taskId: number,
  fields: Partial<Pick<TaskRow, 'triggerLabelPresent' | 'title' | 'featureType' | 'state'>>,
): Promise<void> {
  await tx.update(tasks).set(fields).where(eq(tasks.id, taskId));
}
