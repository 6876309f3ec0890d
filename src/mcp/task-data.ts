import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { agentRuns, agentTokens, repos, subtasks, taskSpecifications, tasks } from '../db/schema.ts';
import type { RepoRow, SpecRow, TaskRow } from '../db/tasks.ts';

/**
 * The rows the MCP tools read and the few they write. A subtask is found by its issue number
 * within the token's repository; the feature is its parent task; the spec an agent works from
 * is the feature's latest approved version.
 */

export type SubtaskRow = typeof subtasks.$inferSelect;
export type AgentRunRow = typeof agentRuns.$inferSelect;

export interface SubtaskRecord {
  subtask: SubtaskRow;
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

/** The subtask with this issue number in the repository (of the newest decomposition). */
export async function findSubtaskByIssue(
  db: Database,
  repoId: number,
  issueNumber: number,
): Promise<SubtaskRecord | undefined> {
  const [row] = await db
    .select({ subtask: subtasks, feature: tasks })
    .from(subtasks)
    .innerJoin(tasks, eq(subtasks.taskId, tasks.id))
    .where(and(eq(tasks.repoId, repoId), eq(subtasks.issueNumber, issueNumber)))
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

/** The subtasks of one decomposition of a feature, in their planned order. */
export async function subtasksOfFeature(
  db: Database,
  featureTaskId: number,
  specVersion: number,
): Promise<SubtaskRow[]> {
  return db
    .select()
    .from(subtasks)
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

/**
 * Claims one `ready` subtask of the feature for a pull-mode run, atomically: a single
 * `UPDATE … WHERE status = 'ready' ORDER BY … LIMIT 1` takes the row (and reports its id through
 * LAST_INSERT_ID), so two agents asking at once can never get the same subtask. In the same
 * transaction the subtask's task row moves to `running` and the token moves to the claimed
 * issue. Returns undefined when nothing is ready.
 */
export async function claimReadySubtask(
  db: Database,
  input: { featureTaskId: number; tokenId: number },
): Promise<SubtaskRow | undefined> {
  return db.transaction(async (tx) => {
    const [claim] = await tx
      .update(subtasks)
      .set({ status: 'running', id: sql`LAST_INSERT_ID(${subtasks.id})` })
      .where(
        and(
          eq(subtasks.taskId, input.featureTaskId),
          eq(subtasks.status, 'ready'),
          isNotNull(subtasks.issueNumber),
        ),
      )
      .orderBy(asc(subtasks.wave), asc(subtasks.order), asc(subtasks.id))
      .limit(1);
    if (claim.affectedRows !== 1) return undefined;
    const [claimed] = await tx.select().from(subtasks).where(eq(subtasks.id, claim.insertId));
    if (!claimed?.issueNumber) throw new Error(`claimed subtask ${claim.insertId} vanished or has no issue`);
    if (claimed.subtaskTaskId !== null) {
      await tx
        .update(tasks)
        .set({ state: 'running', stateVersion: sql`${tasks.stateVersion} + 1` })
        .where(eq(tasks.id, claimed.subtaskTaskId));
    }
    await tx
      .update(agentTokens)
      .set({ issueNumber: claimed.issueNumber })
      .where(eq(agentTokens.id, input.tokenId));
    return claimed;
  });
}

/**
 * Sets a subtask's status (and its task row's state, as one transition: the state version
 * moves). Returns the status it had before.
 */
export async function setSubtaskStatus(db: Database, subtaskId: number, status: string): Promise<string> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(subtasks).where(eq(subtasks.id, subtaskId)).for('update');
    if (!row) throw new Error(`subtask ${subtaskId} does not exist`);
    if (row.status !== status) await tx.update(subtasks).set({ status }).where(eq(subtasks.id, subtaskId));
    if (row.subtaskTaskId !== null) {
      await tx
        .update(tasks)
        .set({ state: status, stateVersion: sql`${tasks.stateVersion} + 1` })
        .where(and(eq(tasks.id, row.subtaskTaskId), sql`${tasks.state} <> ${status}`));
    }
    return row.status;
  });
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
