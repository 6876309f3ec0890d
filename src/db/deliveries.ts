import { eq, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { auditLog, deliveries } from './schema.ts';

/**
 * The `deliveries` audit trail and its `audit_log` line. A delivery row is written when a
 * worker starts on it (outcome `received`, attempts + 1), and settled when it ends:
 *
 * - `handled`  a handler ran and succeeded;
 * - `ignored`  dropped on purpose (the bot's own event, a marked comment, no handler);
 * - `retrying` failed with a retryable error, another attempt is scheduled;
 * - `failed`   failed for good (permanent error or attempts exhausted), with the reason.
 *
 * A row left at `received` means a worker died on it; the job comes back through BullMQ's
 * stalled-job handling.
 */

export type FinalOutcome = 'handled' | 'ignored' | 'failed';
export type RecordedOutcome = FinalOutcome | 'retrying';

export interface DeliveryRecord {
  deliveryId: string;
  event: string;
  eventType: string;
  action: string | null;
  repoFullName: string | null;
  issueNumber: number | null;
  sender: string | null;
  receivedAt: Date;
}

export interface DeliveryStore {
  /** `handled` or `ignored` when this delivery already ran to its end, else null. */
  settledOutcome(deliveryId: string): Promise<'handled' | 'ignored' | null>;
  start(record: DeliveryRecord): Promise<void>;
  settle(
    record: DeliveryRecord,
    result: { outcome: RecordedOutcome; reason: string | null; durationMs: number },
  ): Promise<void>;
}

const MAX_REASON = 8_000;
const AUDIT_COMMAND = 'delivery';

export function createDeliveryStore(db: Database): DeliveryStore {
  return {
    async settledOutcome(deliveryId) {
      const rows = await db
        .select({ outcome: deliveries.outcome })
        .from(deliveries)
        .where(eq(deliveries.id, deliveryId))
        .limit(1);
      const outcome = rows[0]?.outcome;
      return outcome === 'handled' || outcome === 'ignored' ? outcome : null;
    },

    async start(record) {
      await db
        .insert(deliveries)
        .values({ ...columns(record), outcome: 'received', attempts: 1 })
        .onDuplicateKeyUpdate({
          set: { ...columns(record), attempts: sql`${deliveries.attempts} + 1` },
        });
    },

    async settle(record, { outcome, reason, durationMs }) {
      const trimmedReason = reason === null ? null : reason.slice(0, MAX_REASON);
      const settled = {
        ...columns(record),
        outcome,
        reason: trimmedReason,
        processedAt: new Date(),
        durationMs: Math.round(durationMs),
      };
      await db.transaction(async (tx) => {
        await tx
          .insert(deliveries)
          .values({ ...settled, attempts: 1 })
          .onDuplicateKeyUpdate({ set: settled });
        if (outcome === 'retrying') return;
        // One audit line per delivery: its cause key makes a retried settle update it in place.
        const audit = {
          deliveryId: record.deliveryId,
          repoFullName: record.repoFullName,
          issueNumber: record.issueNumber,
          actor: record.sender,
          command: AUDIT_COMMAND,
          args: record.action === null ? record.eventType : `${record.eventType}.${record.action}`,
          result: outcome,
          detail: trimmedReason,
          causeKey: `delivery:${record.deliveryId}`,
        };
        await tx
          .insert(auditLog)
          .values(audit)
          .onDuplicateKeyUpdate({ set: { result: audit.result, detail: audit.detail } });
      });
    },
  };
}

function columns(record: DeliveryRecord) {
  return {
    id: record.deliveryId,
    event: record.event.slice(0, 64),
    eventType: record.eventType.slice(0, 64),
    action: record.action?.slice(0, 64) ?? null,
    repoFullName: record.repoFullName?.slice(0, 255) ?? null,
    issueNumber: record.issueNumber,
    sender: record.sender?.slice(0, 255) ?? null,
    receivedAt: record.receivedAt,
  };
}
