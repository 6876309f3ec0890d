import { and, eq, gte, sql } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import { llmUsage } from './schema.ts';

/** The `llm_usage` rows: tokens, cost and latency of every planner call; budgets are their sums. */

export type LlmUsageInsert = typeof llmUsage.$inferInsert;

export async function insertLlmUsage(db: DbOrTx, row: LlmUsageInsert): Promise<void> {
  await db.insert(llmUsage).values(row);
}

const totalCost = sql<string | null>`COALESCE(SUM(${llmUsage.costUsd}), 0)`;

/** USD spent by the calls of a task. */
export async function costOfTask(db: DbOrTx, taskId: number): Promise<number> {
  const [row] = await db.select({ total: totalCost }).from(llmUsage).where(eq(llmUsage.taskId, taskId));
  return Number(row?.total ?? 0);
}

/** USD spent by the calls of a repository since a point in time. */
export async function costOfRepoSince(db: DbOrTx, repoId: number, since: Date): Promise<number> {
  const [row] = await db
    .select({ total: totalCost })
    .from(llmUsage)
    .where(and(eq(llmUsage.repoId, repoId), gte(llmUsage.createdAt, since)));
  return Number(row?.total ?? 0);
}
