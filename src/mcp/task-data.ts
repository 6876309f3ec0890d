import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/mysql-core';
import type { Database } from '../db/client.ts';
import { agentRuns, agentTokens, repos, subtasks, taskSpecifications, tasks } from '../db/schema.ts';
import type { RepoRow, SpecRow, TaskRow, Tx } from '../db/tasks.ts';
import { nextSubtaskState, SUBTASK_STATES, type SubtaskState } from '../domain/lifecycle.ts';

/**
 * The rows the MCP tools read and the few they write. A subtask is two rows: its plan in
 * `subtasks` (title, criteria, dependencies; `subtasks.status` is only the plan's status) and
 * its lifecycle in the `tasks` row of kind `subtask` (`state`, `state_version`), which is the
 * one the tools read and move. The feature is the parent task; the spec an agent works from is
 * the feature's latest approved version.
 */

export type SubtaskRow = typeof subtasks.$inferSelect;
export type AgentRunRow = typeof agentRuns.$inferSelect;

export interface SubtaskRecord {
  /** The plan: title, description, acceptance criteria, dependencies. */
  subtask: SubtaskRow;
  /** The subtask issue's lifecycle row: its `state` is the subtask's state. */
  task: TaskRow;
  feature: TaskRow;
}

export async function getRepo(db: Database, repoId: number): Promise<RepoRow | undefined> {
  const [row] = await db.select().from(repos).where(eq(repos.id, repoId));
  return row;
}

export async function getRun(db: Database, runId: number): Promise<AgentRunRow | undefined> {
  const [row] = await db.select().from(agentRuns).where(eq(agentRuns.id, runId));
  return row;
}

const subtaskTask = alias(tasks, 'subtask_task');

/** A subtask's plan, lifecycle row and feature, joined from the lifecycle row (callers filter). */
function selectSubtaskRecords(db: Database | Tx) {
  return db
    .select({ subtask: subtasks, task: subtaskTask, feature: tasks })
    .from(subtaskTask)
    .innerJoin(subtasks, eq(subtasks.subtaskTaskId, subtaskTask.id))
    .innerJoin(tasks, eq(tasks.id, subtasks.taskId))
    .$dynamic();
}

/** The subtask with this issue number in the repository (of the newest decomposition). */
export async function findSubtaskByIssue(
  db: Database,
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
  db: Database,
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
  db: Database,
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

/** The newest approved spec version of a feature. */
export async function approvedSpec(db: Database, featureTaskId: number): Promise<SpecRow | undefined> {
  const [row] = await db
    .select()
    .from(taskSpecifications)
    .where(and(eq(taskSpecifications.taskId, featureTaskId), isNotNull(taskSpecifications.approvedAt)))
    .orderBy(desc(taskSpecifications.version))
    .limit(1);
  return row;
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
  db: Database,
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
  const [task] = await tx.select().from(tasks).where(eq(tasks.id, taskId)).for('update');
  if (task?.kind !== 'subtask') throw new Error(`task ${taskId} is not a subtask`);
  if (!isSubtaskState(task.state))
    throw new Error(`subtask task ${taskId} has no subtask state: ${task.state}`);
  return { ...task, state: task.state };
}

export function isSubtaskState(value: string): value is SubtaskState {
  return (SUBTASK_STATES as readonly string[]).includes(value);
}

/** A run that waits for a person: paused unless it already ended. Returns whether it changed. */
export async function pauseRun(db: Database, runId: number): Promise<boolean> {
  const [result] = await db
    .update(agentRuns)
    .set({ status: 'paused' })
    .where(and(eq(agentRuns.id, runId), inArray(agentRuns.status, ['queued', 'running'])));
  return result.affectedRows === 1;
}

export async function recordProgressComment(db: Database, runId: number, commentId: number): Promise<void> {
  await db.update(agentRuns).set({ progressCommentId: commentId }).where(eq(agentRuns.id, runId));
}

export async function recordPullRequest(db: Database, runId: number, prNumber: number): Promise<void> {
  await db.update(agentRuns).set({ prNumber }).where(eq(agentRuns.id, runId));
}

/** Any tool call shows the agent is alive (the watchdog reads `heartbeat_at`). */
export async function touchHeartbeat(db: Database, runId: number, now: Date): Promise<void> {
  await db.update(agentRuns).set({ heartbeatAt: now }).where(eq(agentRuns.id, runId));
}
