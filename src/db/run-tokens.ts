import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import { agentTokens } from './schema.ts';

/**
 * The `agent_tokens` rows: the MCP run tokens, stored as their SHA-256 only (minting and
 * verifying them is in agents/run-tokens.ts).
 */

export type RunTokenRow = typeof agentTokens.$inferSelect;

/** Stores a token's hash and reach; returns its id. */
export async function insertRunToken(
  db: DbOrTx,
  row: Pick<
    typeof agentTokens.$inferInsert,
    'runId' | 'tokenHash' | 'repoId' | 'issueNumber' | 'scopes' | 'expiresAt'
  >,
): Promise<number> {
  const [result] = await db.insert(agentTokens).values(row);
  return result.insertId;
}

export async function findRunTokenByHash(db: DbOrTx, tokenHash: string): Promise<RunTokenRow | undefined> {
  const [row] = await db.select().from(agentTokens).where(eq(agentTokens.tokenHash, tokenHash)).limit(1);
  return row;
}

/** Revokes every live token of a run; returns how many. */
export async function revokeTokensOfRun(db: DbOrTx, runId: number, now: Date): Promise<number> {
  const [result] = await db
    .update(agentTokens)
    .set({ revokedAt: now })
    .where(and(eq(agentTokens.runId, runId), isNull(agentTokens.revokedAt)));
  return result.affectedRows;
}
