import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import { type DbOrTx, isDuplicateKey } from './client.ts';
import { auditLog } from './schema.ts';

/**
 * The `audit_log`: who ran which command with which arguments, and the result. An entry with a
 * cause key also claims that cause (e.g. `c4711.0`, the first command of comment 4711): the
 * unique key makes a replayed event — Gitea's Redeliver sends a new delivery id — find its cause
 * taken, so its database effects are applied once.
 */

export type AuditRow = typeof auditLog.$inferSelect;

export interface CauseEntry {
  causeKey: string;
  deliveryId: string | null;
  repoFullName: string;
  issueNumber: number | null;
  actor: string | null;
  command: string;
  args?: string | null;
  result: string;
  detail?: string | null;
}

/**
 * Claims a cause inside the caller's transaction. Returns false when it was claimed before: the
 * event is a replay and its effects must not be applied again.
 */
export async function claimCause(tx: DbOrTx, entry: CauseEntry): Promise<boolean> {
  try {
    await tx.insert(auditLog).values({ ...entry, args: entry.args?.slice(0, 60_000) ?? null });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** The entry that claimed a cause, if any (a replay repeats its first answer). */
export async function claimOf(tx: DbOrTx, causeKey: string): Promise<AuditRow | undefined> {
  const [row] = await tx.select().from(auditLog).where(eq(auditLog.causeKey, causeKey));
  return row;
}

/** The claimed cause was refused: it stays claimed, so a replay is refused the same way. */
export async function markCauseRefused(tx: DbOrTx, causeKey: string, reason: string): Promise<void> {
  await tx.update(auditLog).set({ result: 'refused', detail: reason }).where(eq(auditLog.causeKey, causeKey));
}

/** An audit entry without a cause key (refusals, status queries, ignored commands). */
export async function audit(
  db: DbOrTx,
  entry: Omit<CauseEntry, 'causeKey'> & { causeKey?: undefined },
): Promise<void> {
  await db.insert(auditLog).values({ ...entry, args: entry.args?.slice(0, 60_000) ?? null, causeKey: null });
}

/**
 * Whether automatic dispatch of a feature is held: the last agent command on the feature's
 * issue was `/cancel` (a later `/dispatch` or `/retry` there lifts the hold).
 */
export async function isDispatchHeld(
  db: DbOrTx,
  repoFullName: string,
  featureIssue: number,
): Promise<boolean> {
  const [last] = await db
    .select({ command: auditLog.command })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.repoFullName, repoFullName),
        eq(auditLog.issueNumber, featureIssue),
        inArray(auditLog.command, ['cancel', 'dispatch', 'retry']),
        eq(auditLog.result, 'applied'),
        isNotNull(auditLog.causeKey),
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(1);
  return last?.command === 'cancel';
}
