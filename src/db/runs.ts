import { and, asc, desc, eq, inArray, isNotNull, isNull, max, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/mysql-core';
import { nextSubtaskState, type SubtaskState } from '../domain/lifecycle.ts';
import type { DbOrTx, Tx } from './client.ts';
import { agentRuns, subtasks, tasks } from './schema.ts';
import { setSubtaskState } from './subtasks.ts';
import { lockTask, type TaskRow } from './tasks.ts';

/**
 * The `agent_runs` rows: one per attempt of an agent at a subtask. A run holds a concurrency
 * slot from the moment it is claimed until `finished_at` is set, whatever its status says.
 *
 * Statuses: `queued` (claimed, the runner has not started it yet), `running`, `paused` (the
 * agent asked people a question and stopped: report_blocker), and the final `succeeded`,
 * `failed`, `cancelled`. A paused run keeps `paused` when its process ends.
 */

export type RunRow = typeof agentRuns.$inferSelect;

export const RUN_STATUSES = ['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatusName = (typeof RUN_STATUSES)[number];

export async function getRunRow(db: DbOrTx, runId: number): Promise<RunRow | undefined> {
  const [row] = await db.select().from(agentRuns).where(eq(agentRuns.id, runId));
  return row;
}

/** Runs not finished yet (they hold a slot), oldest first; optionally of some subtasks only. */
export async function listActiveRuns(
  db: DbOrTx,
  filter: { taskIds?: readonly number[] } = {},
): Promise<RunRow[]> {
  if (filter.taskIds && filter.taskIds.length === 0) return [];
  const where = filter.taskIds
    ? and(isNull(agentRuns.finishedAt), inArray(agentRuns.taskId, [...filter.taskIds]))
    : isNull(agentRuns.finishedAt);
  return db.select().from(agentRuns).where(where).orderBy(asc(agentRuns.id));
}

export async function countActiveRuns(db: DbOrTx): Promise<ActiveRunCounts> {
  const rows = await db
    .select({ repoId: agentRuns.repoId, n: sql<number>`COUNT(*)` })
    .from(agentRuns)
    .where(isNull(agentRuns.finishedAt))
    .groupBy(agentRuns.repoId);
  const byRepo = new Map(rows.map((r) => [r.repoId, Number(r.n)]));
  return { total: [...byRepo.values()].reduce((a, b) => a + b, 0), byRepo };
}

/** Every attempt at some subtasks, oldest first (per subtask: by attempt). */
export async function listRunsOf(db: DbOrTx, taskIds: readonly number[]): Promise<RunRow[]> {
  if (taskIds.length === 0) return [];
  return db
    .select()
    .from(agentRuns)
    .where(inArray(agentRuns.taskId, [...taskIds]))
    .orderBy(asc(agentRuns.taskId), asc(agentRuns.attempt));
}

/** The newest attempt at a subtask. */
export async function latestRunOf(db: DbOrTx, taskId: number): Promise<RunRow | undefined> {
  const [row] = await db
    .select()
    .from(agentRuns)
    .where(eq(agentRuns.taskId, taskId))
    .orderBy(desc(agentRuns.attempt))
    .limit(1);
  return row;
}

/** The newest run that pushes `branch` in a repository. */
export async function findRunByBranch(
  db: DbOrTx,
  repoId: number,
  branch: string,
): Promise<RunRow | undefined> {
  const [row] = await db
    .select()
    .from(agentRuns)
    .where(and(eq(agentRuns.repoId, repoId), eq(agentRuns.branch, branch)))
    .orderBy(desc(agentRuns.id))
    .limit(1);
  return row;
}

/**
 * Ready subtasks whose feature is in progress, as dispatch candidates (oldest first): every
 * one, or those of one feature, or some subtasks by task id.
 */
export async function listReadyCandidates(
  db: DbOrTx,
  filter: { featureId?: number; taskIds?: readonly number[] } = {},
): Promise<DispatchCandidate[]> {
  if (filter.taskIds && filter.taskIds.length === 0) return [];
  const feature = alias(tasks, 'feature');
  const conditions = [
    eq(tasks.kind, 'subtask'),
    eq(tasks.state, 'ready'),
    eq(feature.state, 'in_progress'),
    ne(subtasks.status, 'superseded'),
  ];
  if (filter.featureId !== undefined) conditions.push(eq(feature.id, filter.featureId));
  if (filter.taskIds) conditions.push(inArray(tasks.id, [...filter.taskIds]));
  const rows = await db
    .select({
      taskId: tasks.id,
      repoId: tasks.repoId,
      featureId: feature.id,
      issueNumber: tasks.issueNumber,
      wave: subtasks.wave,
      order: subtasks.order,
    })
    .from(tasks)
    .innerJoin(feature, eq(feature.id, tasks.parentTaskId))
    .innerJoin(subtasks, and(eq(subtasks.subtaskTaskId, tasks.id), eq(subtasks.taskId, feature.id)))
    .where(and(...conditions))
    .orderBy(asc(tasks.id));
  return rows;
}

export type ClaimOutcome = { ok: true; run: RunRow; task: TaskRow } | { ok: false; reason: string };

/**
 * Claims a ready subtask for a new attempt inside the caller's transaction: the task row is
 * locked, moved to `running` (state version bumped) and the run row inserted together, so a
 * subtask is dispatched once however many workers try at the same moment.
 */
export async function claimSubtaskRun(
  tx: Tx,
  input: { taskId: number; runner: string; branch: (task: TaskRow) => string },
): Promise<ClaimOutcome> {
  const task = await lockTask(tx, input.taskId);
  if (task?.kind !== 'subtask') return { ok: false, reason: 'it is not a subtask' };
  const next = nextSubtaskState(task.state as SubtaskState, { type: 'dispatched' });
  if (!next.ok) return next;
  const [busy] = await tx
    .select({ id: agentRuns.id })
    .from(agentRuns)
    .where(and(eq(agentRuns.taskId, task.id), isNull(agentRuns.finishedAt)))
    .limit(1);
  if (busy) return { ok: false, reason: `run #${busy.id} is still going` };
  const [last] = await tx
    .select({ attempt: max(agentRuns.attempt) })
    .from(agentRuns)
    .where(eq(agentRuns.taskId, task.id));
  const moved = await setSubtaskState(tx, task, next.next);
  const [inserted] = await tx.insert(agentRuns).values({
    taskId: task.id,
    repoId: task.repoId,
    issueNumber: task.issueNumber,
    attempt: (last?.attempt ?? 0) + 1,
    runner: input.runner,
    status: 'queued',
    branch: input.branch(task),
  });
  const run = await getRunRow(tx, inserted.insertId);
  if (!run) throw new Error(`run ${inserted.insertId} vanished right after being created`);
  return { ok: true, run, task: moved };
}

/** Records that a launch is under way (before tokens are minted); only for a queued run. */
export async function markRunLaunching(db: DbOrTx, runId: number, at: Date): Promise<void> {
  await db
    .update(agentRuns)
    .set({ startedAt: at })
    .where(and(eq(agentRuns.id, runId), eq(agentRuns.status, 'queued')));
}

/** The runner took the run: its external id, deadline and `running`. */
export async function markRunStarted(
  db: DbOrTx,
  runId: number,
  input: { externalId: string; deadlineAt: Date; startedAt: Date },
): Promise<boolean> {
  const [result] = await db
    .update(agentRuns)
    .set({
      externalId: input.externalId,
      deadlineAt: input.deadlineAt,
      startedAt: input.startedAt,
      status: 'running',
    })
    .where(and(eq(agentRuns.id, runId), eq(agentRuns.status, 'queued'), isNull(agentRuns.finishedAt)));
  return result.affectedRows === 1;
}

/** Writes why a run is being stopped before the runner is asked to stop it (see stop notes). */
export async function recordStopNote(db: DbOrTx, runId: number, note: string): Promise<void> {
  await db
    .update(agentRuns)
    .set({ result: note })
    .where(and(eq(agentRuns.id, runId), isNull(agentRuns.finishedAt)));
}

export interface RunEnd {
  status: Exclude<RunStatusName, 'queued' | 'running'>;
  result: string;
  exitCode?: number | null;
  logTail?: string | null;
  prNumber?: number | null;
  finishedAt: Date;
}

/** Ends a run once: false when it had ended already (another worker got there first). */
export async function finishRun(db: DbOrTx, runId: number, end: RunEnd): Promise<boolean> {
  const [result] = await db
    .update(agentRuns)
    .set({
      status: end.status,
      result: end.result.slice(0, 60_000),
      exitCode: end.exitCode ?? null,
      logTail: end.logTail ?? null,
      ...(end.prNumber ? { prNumber: end.prNumber } : {}),
      finishedAt: end.finishedAt,
    })
    .where(and(eq(agentRuns.id, runId), isNull(agentRuns.finishedAt)));
  return result.affectedRows === 1;
}

export async function recordRunPullRequest(db: DbOrTx, runId: number, prNumber: number): Promise<void> {
  await db
    .update(agentRuns)
    .set({ prNumber })
    .where(and(eq(agentRuns.id, runId), isNull(agentRuns.prNumber)));
}

export interface DispatchCandidate {
  /** The subtask's task row. */
  taskId: number;
  repoId: number;
  /** The parent feature's task row (older features have smaller ids). */
  featureId: number;
  issueNumber: number;
  /** Topological level in the feature's dependency graph (0: no dependencies). */
  wave: number;
  /** Planned position within the feature. */
  order: number;
}

/** Runs that hold a slot (not finished yet), overall and per repository. */
export interface ActiveRunCounts {
  total: number;
  byRepo: ReadonlyMap<number, number>;
}

/** The runs of a repository that opened a pull request, with their cost (a feature's summary). */
export async function listRunsWithPullRequests(
  db: DbOrTx,
  repoId: number,
): Promise<Array<{ issueNumber: number; prNumber: number | null; cost: string | null }>> {
  return db
    .select({ issueNumber: agentRuns.issueNumber, prNumber: agentRuns.prNumber, cost: agentRuns.costUsd })
    .from(agentRuns)
    .where(and(eq(agentRuns.repoId, repoId), isNotNull(agentRuns.prNumber)));
}

/** A run that waits for a person: paused unless it already ended. Returns whether it changed. */
export async function pauseRun(db: DbOrTx, runId: number): Promise<boolean> {
  const [result] = await db
    .update(agentRuns)
    .set({ status: 'paused' })
    .where(and(eq(agentRuns.id, runId), inArray(agentRuns.status, ['queued', 'running'])));
  return result.affectedRows === 1;
}

export async function recordProgressComment(db: DbOrTx, runId: number, commentId: number): Promise<void> {
  await db.update(agentRuns).set({ progressCommentId: commentId }).where(eq(agentRuns.id, runId));
}

export async function recordPullRequest(db: DbOrTx, runId: number, prNumber: number): Promise<void> {
  await db.update(agentRuns).set({ prNumber }).where(eq(agentRuns.id, runId));
}

/** Any tool call shows the agent is alive (the watchdog reads `heartbeat_at`). */
export async function touchHeartbeat(db: DbOrTx, runId: number, now: Date): Promise<void> {
  await db.update(agentRuns).set({ heartbeatAt: now }).where(eq(agentRuns.id, runId));
}
