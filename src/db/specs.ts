import { and, asc, desc, eq, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import { taskSpecifications } from './schema.ts';

/** The `task_specifications` rows: every version of a feature's spec; the approved one is frozen. */

export type SpecRow = typeof taskSpecifications.$inferSelect;

export async function latestSpec(db: DbOrTx, taskId: number): Promise<SpecRow | undefined> {
  const [row] = await db
    .select()
    .from(taskSpecifications)
    .where(eq(taskSpecifications.taskId, taskId))
    .orderBy(desc(taskSpecifications.version))
    .limit(1);
  return row;
}

/** The newest approved spec version of a feature. */
export async function approvedSpec(db: DbOrTx, taskId: number): Promise<SpecRow | undefined> {
  const [row] = await db
    .select()
    .from(taskSpecifications)
    .where(and(eq(taskSpecifications.taskId, taskId), isNotNull(taskSpecifications.approvedAt)))
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
