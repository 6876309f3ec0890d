import type { DbOrTx } from '../db/client.ts';
import { insertLlmUsage } from '../db/usage.ts';
import type { ProviderName, Usage, UsagePurpose } from './providers/types.ts';

export interface UsageRecord {
  repoId: number | null;
  taskId: number | null;
  provider: ProviderName;
  model: string;
  purpose: UsagePurpose;
  usage: Usage;
  /** false for a call that failed or whose answer was unusable; its tokens are still paid for. */
  ok: boolean;
  /** When the call happened; defaults to now. Set explicitly so month boundaries are UTC. */
  at?: Date;
}

/** Writes one `llm_usage` row: every call, successful or not, counts towards budgets. */
export async function recordUsage(db: DbOrTx, record: UsageRecord): Promise<void> {
  const { usage } = record;
  await insertLlmUsage(db, {
    repoId: record.repoId,
    taskId: record.taskId,
    provider: record.provider,
    model: (usage.model || record.model).slice(0, 128),
    purpose: record.purpose,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    costUsd: usage.costUsd.toFixed(6),
    latencyMs: Math.round(usage.latencyMs),
    ok: record.ok,
    createdAt: record.at ?? new Date(),
  });
}
