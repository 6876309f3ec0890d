import { claimCause, claimOf, markCauseRefused } from '../db/audit.ts';
import type { Tx } from '../db/client.ts';
import { applyFeatureEvent, type TaskRow, withLockedTask } from '../db/tasks.ts';
import type { FeatureEvent } from '../domain/lifecycle.ts';
import { ensureWorkScheduled } from '../jobs/work-for-state.ts';
import { type CommandContext, causeOf } from './command.ts';

export type CommandOutcome =
  | { kind: 'applied'; task: TaskRow }
  | { kind: 'replayed' } // this comment's command ran before (a redelivery): nothing to do again
  | { kind: 'refused'; reason: string };

/**
 * Runs a command's state change exactly once: claims the command's cause key and applies the
 * transition in the same transaction, so a redelivered comment finds its cause taken and
 * changes nothing. A function `event` may refuse, add writes of its own inside the transaction,
 * or keep the state (`{ stay: true }`).
 * After commit, the work the new state waits for is queued.
 */
export async function transitionByCommand(
  ctx: CommandContext,
  task: TaskRow,
  event:
    | FeatureEvent
    | ((tx: Tx, task: TaskRow) => Promise<FeatureEvent | { refuse: string } | { stay: true }>),
  extra: Parameters<typeof applyFeatureEvent>[3] = {},
  after?: (tx: Tx, task: TaskRow) => Promise<void>,
): Promise<CommandOutcome> {
  const outcome = await withLockedTask(
    ctx.services.db,
    task.id,
    async (tx, current): Promise<CommandOutcome> => {
      const claimed = await claimCause(tx, causeOf(ctx));
      if (!claimed) {
        // A redelivery: repeat the first answer (replies are idempotent), never the effect.
        const first = await claimOf(tx, ctx.causeKey);
        return first?.result === 'refused'
          ? { kind: 'refused', reason: first.detail ?? '' }
          : { kind: 'replayed' };
      }
      const resolved = typeof event === 'function' ? await event(tx, current) : event;
      if ('refuse' in resolved) {
        await markRefused(tx, ctx, resolved.refuse);
        return { kind: 'refused', reason: resolved.refuse };
      }
      // The command's own writes (e.g. one answer of several) are kept; the state does not move.
      if ('stay' in resolved) return { kind: 'applied', task: current };
      const result = await applyFeatureEvent(tx, current, resolved, extra);
      if (!result.ok) {
        await markRefused(tx, ctx, result.reason);
        return { kind: 'refused', reason: result.reason };
      }
      if (after) await after(tx, result.task);
      return { kind: 'applied', task: result.task };
    },
  );
  if (outcome.kind === 'applied') await ensureWorkScheduled(ctx.services.work, outcome.task, ctx.deliveryId);
  return outcome;
}

async function markRefused(tx: Tx, ctx: CommandContext, reason: string): Promise<void> {
  // The cause stays claimed, so a redelivery of a refused command is refused the same way.
  await markCauseRefused(tx, ctx.causeKey, reason);
}
