import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/mysql-core';
import {
  isSubtaskState,
  nextSubtaskState,
  type SubtaskEvent,
  type SubtaskState,
} from '../domain/lifecycle.ts';
import type { DbOrTx, Tx } from './client.ts';
import { agentTokens, subtasks, tasks } from './schema.ts';
import { insertTaskOnce, lockTask, type TaskRow } from './tasks.ts';

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
  const { task } = await insertTaskOnce(db, { ...input, kind: 'subtask', stateVersion: 1 });
  return task.id;
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

/** Applies a subtask event in the caller's transaction; returns the task (moved or not). */
export async function applySubtaskEvent(
  tx: Tx,
  taskId: number,
  event: SubtaskEvent,
): Promise<{ task: TaskRow; moved: boolean }> {
  const task = await lockTask(tx, taskId);
  if (!task) throw new Error(`task ${taskId} does not exist`);
  const next = nextSubtaskState(task.state as SubtaskState, event);
  if (!next.ok) return { task, moved: false };
  return { task: await setSubtaskState(tx, task, next.next), moved: true };
}

/** Whether every dependency of a subtask is done. */
export async function dependenciesDone(
  db: DbOrTx,
  task: Pick<TaskRow, 'parentTaskId' | 'issueNumber'>,
): Promise<boolean> {
  if (task.parentTaskId === null) return true;
  const rows = await listSubtasks(db, task.parentTaskId);
  const states = new Map(
    (await listSubtaskTasks(db, task.parentTaskId)).map((t) => [t.issueNumber, t.state]),
  );
  const mine = rows.find((r) => r.issueNumber === task.issueNumber);
  if (!mine) return true;
  return mine.dependencies.every((key) => {
    const dep = rows.find((r) => r.key === key);
    return (
      dep?.issueNumber !== null && dep?.issueNumber !== undefined && states.get(dep.issueNumber) === 'done'
    );
  });
}

// ── a subtask as agents see it: plan, lifecycle row and feature ─────────────────────────────

/**
 * A subtask is two rows: its plan in `subtasks` (title, criteria, dependencies) and its
 * lifecycle in the `tasks` row of kind `subtask`, the one that moves. The feature is the parent.
 */
export interface SubtaskRecord {
  /** The plan: title, description, acceptance criteria, dependencies. */
  subtask: SubtaskRow;
  /** The subtask issue's lifecycle row: its `state` is the subtask's state. */
  task: TaskRow;
  feature: TaskRow;
}

const subtaskTask = alias(tasks, 'subtask_task');

/** A subtask's plan, lifecycle row and feature, joined from the lifecycle row (callers filter). */
function selectSubtaskRecords(db: DbOrTx) {
  return db
    .select({ subtask: subtasks, task: subtaskTask, feature: tasks })
    .from(subtaskTask)
    .innerJoin(subtasks, eq(subtasks.subtaskTaskId, subtaskTask.id))
    .innerJoin(tasks, eq(tasks.id, subtasks.taskId))
    .$dynamic();
}

/** The subtask with this issue number in the repository (of the newest decomposition). */
export async function findSubtaskByIssue(
  db: DbOrTx,
  repoId: number,
  issueNumber: number,
): Promise<SubtaskRecord | undefined> {
  const [row] = await selectSubtaskRecords(db)
    .where(
      and(
        eq(subtaskTask.repoId, repoId),
        eq(subtaskTask.issueNumber, issueNumber),
        eq(subtaskTask.kind, 'subtask'),
      ),
    )
    .orderBy(desc(subtasks.specVersion), desc(subtasks.id))
    .limit(1);
  return row;
}

async function subtaskRecordOfTask(tx: Tx, taskId: number): Promise<SubtaskRecord | undefined> {
  const [row] = await selectSubtaskRecords(tx)
    .where(eq(subtaskTask.id, taskId))
    .orderBy(desc(subtasks.specVersion), desc(subtasks.id))
    .limit(1);
  return row;
}

/** The feature an issue belongs to: the feature itself, or the parent of a subtask. */
export async function findFeatureOfIssue(
  db: DbOrTx,
  repoId: number,
  issueNumber: number,
): Promise<TaskRow | undefined> {
  const asSubtask = await findSubtaskByIssue(db, repoId, issueNumber);
  if (asSubtask) return asSubtask.feature;
  const [task] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.repoId, repoId), eq(tasks.issueNumber, issueNumber), eq(tasks.kind, 'feature')));
  return task;
}

export interface PlannedSubtask {
  subtask: SubtaskRow;
  /** Its lifecycle state; null while its issue does not exist. */
  state: string | null;
}

/** The subtasks of one decomposition of a feature with their states, in their planned order. */
export async function subtasksOfFeature(
  db: DbOrTx,
  featureTaskId: number,
  specVersion: number,
): Promise<PlannedSubtask[]> {
  return db
    .select({ subtask: subtasks, state: tasks.state })
    .from(subtasks)
    .leftJoin(tasks, eq(tasks.id, subtasks.subtaskTaskId))
    .where(and(eq(subtasks.taskId, featureTaskId), eq(subtasks.specVersion, specVersion)))
    .orderBy(asc(subtasks.order), asc(subtasks.id));
}

/** Where a claim takes a subtask: what `dispatched` moves a `ready` subtask to. */
function claimTransition(): { from: SubtaskState; to: SubtaskState } {
  const from: SubtaskState = 'ready';
  const moved = nextSubtaskState(from, { type: 'dispatched' });
  if (!moved.ok)
    throw new Error(`the lifecycle no longer lets a ready subtask be dispatched: ${moved.reason}`);
  return { from, to: moved.next };
}

/**
 * Claims one ready subtask of the feature for a pull-mode run, atomically: a single
 * `UPDATE tasks … WHERE state = 'ready' ORDER BY wave, order LIMIT 1` moves the subtask's
 * lifecycle row to `running` (the `dispatched` transition, state version bumped) and reports
 * its id through LAST_INSERT_ID. Two agents asking at once lock the same rows in the same order,
 * so the second sees the first's row as running and takes the next one. In the same
 * transaction the token moves to the claimed issue. Returns undefined when nothing is ready.
 */
export async function claimReadySubtask(
  db: DbOrTx,
  input: { featureTaskId: number; tokenId: number },
): Promise<SubtaskRecord | undefined> {
  const { from, to } = claimTransition();
  // The current plan row of the task being looked at (the correlated `tasks` is the outer row).
  const plan = sql`FROM ${subtasks} WHERE ${subtasks.subtaskTaskId} = ${tasks.id} AND ${subtasks.taskId} = ${input.featureTaskId} AND ${subtasks.status} <> 'superseded'`;
  const newestPlan = sql`${plan} ORDER BY ${subtasks.specVersion} DESC, ${subtasks.id} DESC LIMIT 1`;
  return db.transaction(async (tx) => {
    const [claim] = await tx
      .update(tasks)
      .set({
        state: to,
        stateVersion: sql`${tasks.stateVersion} + 1`,
        id: sql`LAST_INSERT_ID(${tasks.id})`,
      })
      .where(
        and(
          eq(tasks.parentTaskId, input.featureTaskId),
          eq(tasks.kind, 'subtask'),
          eq(tasks.state, from),
          sql`EXISTS (SELECT 1 ${plan})`,
        ),
      )
      .orderBy(
        sql`(SELECT ${subtasks.wave} ${newestPlan})`,
        sql`(SELECT ${subtasks.order} ${newestPlan})`,
        asc(tasks.id),
      )
      .limit(1);
    if (claim.affectedRows !== 1) return undefined;
    const claimed = await subtaskRecordOfTask(tx, claim.insertId);
    if (!claimed) throw new Error(`claimed subtask task ${claim.insertId} has no plan row`);
    await tx
      .update(agentTokens)
      .set({ issueNumber: claimed.task.issueNumber })
      .where(eq(agentTokens.id, input.tokenId));
    return claimed;
  });
}

/**
 * Locks a subtask's lifecycle row for a transition in the caller's transaction (the caller
 * moves it with `setSubtaskState`, which bumps the state version).
 */
export async function lockSubtaskTask(tx: Tx, taskId: number): Promise<TaskRow & { state: SubtaskState }> {
  const task = await lockTask(tx, taskId);
  if (task?.kind !== 'subtask') throw new Error(`task ${taskId} is not a subtask`);
  if (!isSubtaskState(task.state))
    throw new Error(`subtask task ${taskId} has no subtask state: ${task.state}`);
  return { ...task, state: task.state };
}
