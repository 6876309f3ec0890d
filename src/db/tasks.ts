import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { FeatureEvent, FeatureState, TaskState } from '../domain/lifecycle.ts';
import { nextFeatureState } from '../domain/lifecycle.ts';
import type { Database } from './client.ts';
import { auditLog, clarificationQuestions, repos, taskSpecifications, tasks } from './schema.ts';

/**
 * Data access for managed issues. Every transition runs in one short transaction that locks
 * the task row (SELECT … FOR UPDATE) and bumps `state_version`, so two events racing for the
 * same issue serialise, and a job started for an older version can tell it is stale.
 */

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type DbOrTx = Database | Tx;
export type TaskRow = typeof tasks.$inferSelect;
export type RepoRow = typeof repos.$inferSelect;
export type QuestionRow = typeof clarificationQuestions.$inferSelect;
export type SpecRow = typeof taskSpecifications.$inferSelect;

export async function upsertRepo(
  db: DbOrTx,
  repo: { owner: string; name: string; giteaId?: number | null; defaultBranch?: string | null },
): Promise<RepoRow> {
  const fullName = `${repo.owner}/${repo.name}`;
  await db
    .insert(repos)
    .values({
      owner: repo.owner,
      name: repo.name,
      fullName,
      giteaId: repo.giteaId ?? null,
      defaultBranch: repo.defaultBranch ?? 'main',
    })
    .onDuplicateKeyUpdate({
      set: {
        giteaId: sql`COALESCE(VALUES(${repos.giteaId}), ${repos.giteaId})`,
        defaultBranch: repo.defaultBranch ? repo.defaultBranch : sql`${repos.defaultBranch}`,
      },
    });
  const [row] = await db.select().from(repos).where(eq(repos.fullName, fullName));
  if (!row) throw new Error(`repository ${fullName} vanished right after being recorded`);
  return row;
}

export async function getRepoById(db: DbOrTx, repoId: number): Promise<RepoRow> {
  const [row] = await db.select().from(repos).where(eq(repos.id, repoId));
  if (!row) throw new Error(`repository ${repoId} does not exist`);
  return row;
}

export async function findRepo(db: DbOrTx, fullName: string): Promise<RepoRow | undefined> {
  const [row] = await db.select().from(repos).where(eq(repos.fullName, fullName));
  return row;
}

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

/** Creates the feature task for an issue once; a second call returns the existing row. */
export async function createFeatureTask(
  db: Database,
  input: { repoId: number; issueNumber: number; issueId: number | null; title: string; author: string },
): Promise<{ task: TaskRow; created: boolean }> {
  const result = await db
    .insert(tasks)
    .ignore()
    .values({
      repoId: input.repoId,
      issueNumber: input.issueNumber,
      issueId: input.issueId,
      kind: 'feature',
      state: 'questioning',
      stateVersion: 1,
      triggerLabelPresent: true,
      title: input.title.slice(0, 512),
      author: input.author,
    });
  const created = (result[0] as { affectedRows?: number }).affectedRows === 1;
  const task = await findTask(db, input.repoId, input.issueNumber);
  if (!task) throw new Error(`task for issue #${input.issueNumber} vanished right after being created`);
  return { task, created };
}

/** Runs `fn` in a transaction holding the task's row lock. */
export async function withLockedTask<T>(
  db: Database,
  taskId: number,
  fn: (tx: Tx, task: TaskRow) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, taskId)).for('update');
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

export function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: string; errno?: number; cause?: { code?: string; errno?: number } };
  return (
    e?.code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    e?.cause?.code === 'ER_DUP_ENTRY' ||
    e?.cause?.errno === 1062
  );
}

/**
 * Claims a cause (e.g. `comment:4711:0`) inside the caller's transaction. Returns false when
 * it was claimed before: the event is a replay (Gitea's Redeliver sends a new delivery id) and
 * its DB effects must not be applied again.
 */
export async function claimCause(
  tx: DbOrTx,
  entry: {
    causeKey: string;
    deliveryId: string | null;
    repoFullName: string;
    issueNumber: number | null;
    actor: string | null;
    command: string;
    args?: string | null;
    result: string;
    detail?: string | null;
  },
): Promise<boolean> {
  try {
    await tx.insert(auditLog).values({ ...entry, args: entry.args?.slice(0, 60_000) ?? null });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** An audit entry without a cause key (refusals, status queries, ignored commands). */
export async function audit(
  db: DbOrTx,
  entry: Omit<Parameters<typeof claimCause>[1], 'causeKey'> & { causeKey?: undefined },
): Promise<void> {
  await db.insert(auditLog).values({ ...entry, args: entry.args?.slice(0, 60_000) ?? null, causeKey: null });
}

export async function insertQuestions(
  tx: DbOrTx,
  taskId: number,
  round: number,
  questions: Array<{ question: string; why: string; options: string[]; assumption: string }>,
): Promise<void> {
  if (questions.length === 0) return;
  await tx
    .insert(clarificationQuestions)
    .ignore()
    .values(questions.map((q, i) => ({ taskId, round, ordinal: i + 1, ...q })));
}

export async function listQuestions(db: DbOrTx, taskId: number, round?: number): Promise<QuestionRow[]> {
  const where =
    round === undefined
      ? eq(clarificationQuestions.taskId, taskId)
      : and(eq(clarificationQuestions.taskId, taskId), eq(clarificationQuestions.round, round));
  return db
    .select()
    .from(clarificationQuestions)
    .where(where)
    .orderBy(asc(clarificationQuestions.round), asc(clarificationQuestions.ordinal));
}

export async function recordAnswer(
  tx: DbOrTx,
  questionId: number,
  answer: { text: string; by: string; commentId: number; at: Date },
): Promise<void> {
  await tx
    .update(clarificationQuestions)
    .set({
      answer: answer.text,
      answeredBy: answer.by,
      answerCommentId: answer.commentId,
      answeredAt: answer.at,
    })
    .where(eq(clarificationQuestions.id, questionId));
}

export async function latestSpec(db: DbOrTx, taskId: number): Promise<SpecRow | undefined> {
  const [row] = await db
    .select()
    .from(taskSpecifications)
    .where(eq(taskSpecifications.taskId, taskId))
    .orderBy(desc(taskSpecifications.version))
    .limit(1);
  return row;
}

export async function listSpecs(db: DbOrTx, taskId: number): Promise<SpecRow[]> {
  return db
    .select()
    .from(taskSpecifications)
    .where(eq(taskSpecifications.taskId, taskId))
    .orderBy(asc(taskSpecifications.version));
}

export async function insertSpec(tx: DbOrTx, row: typeof taskSpecifications.$inferInsert): Promise<void> {
  await tx.insert(taskSpecifications).values(row);
}

export async function markSpecApproved(tx: DbOrTx, specId: number, by: string, at: Date): Promise<void> {
  await tx
    .update(taskSpecifications)
    .set({ approvedBy: by, approvedAt: at })
    .where(eq(taskSpecifications.id, specId));
}

export type { TaskState };
