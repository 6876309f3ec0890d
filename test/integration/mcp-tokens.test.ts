import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hashRunToken,
  issueRunToken,
  MAX_RUN_TOKEN_TTL_SECONDS,
  type RunTokenScope,
  revokeRunTokens,
  verifyRunToken,
} from '../../src/agents/run-tokens.ts';
import { agentTokens } from '../../src/db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../support/services.ts';

/** Run tokens in MariaDB: shown once, stored hashed, scoped, expiring, revocable per run. */

let db: TestDatabase;
const NOW = new Date('2026-11-24T10:00:00Z');
let nextRun = 100;

beforeAll(async () => {
  db = await createTestDatabase('mcp_tokens');
});

afterAll(async () => {
  await db?.drop();
});

function issue(overrides: Partial<Parameters<typeof issueRunToken>[1]> = {}) {
  return issueRunToken(db.db, {
    runId: nextRun++,
    repoId: 3,
    issueNumber: 12,
    ttlSeconds: 3600,
    now: NOW,
    ...overrides,
  });
}

describe('issueRunToken', () => {
  it('returns a prefixed random token once and stores only its SHA-256', async () => {
    const first = await issue();
    const second = await issue();
    expect(first.token).toMatch(/^aiw_run_[A-Za-z0-9_-]{43}$/);
    expect(second.token).not.toBe(first.token);
    expect(first.expiresAt).toEqual(new Date('2026-11-24T11:00:00Z'));
    const [row] = await db.db.select().from(agentTokens).where(eq(agentTokens.id, first.tokenId));
    expect(row).toMatchObject({ repoId: 3, issueNumber: 12, scopes: ['task'], revokedAt: null });
    expect(row?.tokenHash).toBe(createHash('sha256').update(first.token).digest('hex'));
    expect(hashRunToken(first.token)).toBe(row?.tokenHash);
    expect(Object.values(row ?? {}).map(String)).not.toContain(first.token);
  });

  it('refuses nonsense input with a clear message', async () => {
    await expect(issue({ ttlSeconds: 0 })).rejects.toThrow('ttlSeconds must be an integer from 1');
    await expect(issue({ ttlSeconds: MAX_RUN_TOKEN_TTL_SECONDS + 1 })).rejects.toThrow('ttlSeconds');
    await expect(issue({ issueNumber: -1 })).rejects.toThrow('issueNumber must be a positive integer');
    await expect(issue({ scopes: ['task', 'admin' as RunTokenScope] })).rejects.toThrow(
      'unknown run token scope admin',
    );
    await expect(issue({ scopes: [] })).rejects.toThrow('at least one scope');
  });
});

describe('verifyRunToken', () => {
  it('answers the scope of a live token', async () => {
    const runId = nextRun;
    const issued = await issue({ scopes: ['task', 'pull'], issueNumber: 40 });
    expect(await verifyRunToken(db.db, issued.token, new Date('2026-11-24T10:59:59Z'))).toEqual({
      ok: true,
      tokenId: issued.tokenId,
      runId,
      repoId: 3,
      issueNumber: 40,
      scopes: ['task', 'pull'],
      expiresAt: issued.expiresAt,
    });
  });

  it('tells unknown, malformed, expired and revoked tokens apart', async () => {
    const issued = await issue();
    const unknown = `aiw_run_${'B'.repeat(43)}`;
    expect(await verifyRunToken(db.db, unknown, NOW)).toEqual({ ok: false, reason: 'unknown' });
    expect(await verifyRunToken(db.db, 'Bearer nonsense', NOW)).toEqual({ ok: false, reason: 'unknown' });
    expect(await verifyRunToken(db.db, `${issued.token}x`, NOW)).toEqual({ ok: false, reason: 'unknown' });
    expect(await verifyRunToken(db.db, issued.token, issued.expiresAt)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect((await verifyRunToken(db.db, issued.token, NOW)).ok).toBe(true);
  });
});

describe('revokeRunTokens', () => {
  it("revokes every live token of the run and nothing else's", async () => {
    const runId = nextRun++;
    const a = await issueRunToken(db.db, { runId, repoId: 3, issueNumber: 12, ttlSeconds: 60, now: NOW });
    const b = await issueRunToken(db.db, { runId, repoId: 3, issueNumber: 12, ttlSeconds: 60, now: NOW });
    const other = await issue();
    expect(await revokeRunTokens(db.db, runId, NOW)).toBe(2);
    expect(await revokeRunTokens(db.db, runId, NOW)).toBe(0);
    for (const token of [a.token, b.token]) {
      expect(await verifyRunToken(db.db, token, NOW)).toEqual({ ok: false, reason: 'revoked' });
    }
    expect((await verifyRunToken(db.db, other.token, NOW)).ok).toBe(true);
  });
});
