import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DbOrTx } from '../db/client.ts';
import { findRunTokenByHash, insertRunToken, revokeTokensOfRun } from '../db/run-tokens.ts';

/**
 * Bearer tokens of agent runs for the MCP server (docs/architecture.md §5). A token is 32 random bytes,
 * shown once when issued; only its SHA-256 is stored, so a copy of the database lets nobody
 * act as an agent. Each token reaches one repository and one issue, and dies with its run.
 */

export const RUN_TOKEN_PREFIX = 'aiw_run_';

/**
 * What a token may do. `task`: read its subtask, the spec and the code, report progress and
 * status, open its pull request. `pull`: also claim the next ready subtask of the same feature
 * (pull-mode agents), which moves the token to the claimed subtask.
 */
export const RUN_TOKEN_SCOPES = ['task', 'pull'] as const;
export type RunTokenScope = (typeof RUN_TOKEN_SCOPES)[number];

/** At most a week: a token outliving any sensible run deadline is a mistake. */
export const MAX_RUN_TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60;

const TOKEN_PATTERN = /^aiw_run_[A-Za-z0-9_-]{43}$/;

export interface IssueRunTokenInput {
  runId: number;
  repoId: number;
  /** The subtask's issue number (a pull-mode run may start on its feature's issue). */
  issueNumber: number;
  ttlSeconds: number;
  /** Default `['task']`. */
  scopes?: readonly RunTokenScope[];
  now?: Date;
}

export interface IssuedRunToken {
  /** The clear token: hand it to the run, never store or log it. */
  token: string;
  tokenId: number;
  expiresAt: Date;
}

/** What a verified run token reaches, as the MCP tools see it on every call. */
export interface RunScope {
  tokenId: number;
  runId: number;
  repoId: number;
  /** The subtask the run works on (a pull-mode run before its first claim: the feature). */
  issueNumber: number;
  scopes: RunTokenScope[];
  expiresAt: Date;
}

export type RunTokenRefusal = 'unknown' | 'expired' | 'revoked';

export type VerifiedRunToken = ({ ok: true } & RunScope) | { ok: false; reason: RunTokenRefusal };

/** SHA-256 hex of a clear token: what `agent_tokens.token_hash` holds. */
export function hashRunToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a string has the shape of a run token (no database lookup). */
export function looksLikeRunToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

function checkPositiveInt(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

function checkedScopes(scopes: readonly RunTokenScope[] | undefined): RunTokenScope[] {
  const list: RunTokenScope[] = [...new Set<RunTokenScope>(scopes ?? ['task'])];
  const unknown = list.filter((scope) => !(RUN_TOKEN_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    throw new RangeError(
      `unknown run token scope ${unknown.join(', ')}; known: ${RUN_TOKEN_SCOPES.join(', ')}`,
    );
  }
  if (list.length === 0) throw new RangeError('a run token needs at least one scope');
  return list;
}

function knownScopes(stored: unknown): RunTokenScope[] {
  if (!Array.isArray(stored)) return [];
  return stored.filter((scope): scope is RunTokenScope =>
    (RUN_TOKEN_SCOPES as readonly unknown[]).includes(scope),
  );
}

function sameHash(stored: string, presented: string): boolean {
  const a = Buffer.from(stored, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Mints a token for a run and stores its hash. The clear token is returned here only. */
export async function issueRunToken(db: DbOrTx, input: IssueRunTokenInput): Promise<IssuedRunToken> {
  checkPositiveInt(input.runId, 'runId');
  checkPositiveInt(input.repoId, 'repoId');
  checkPositiveInt(input.issueNumber, 'issueNumber');
  if (
    !Number.isInteger(input.ttlSeconds) ||
    input.ttlSeconds < 1 ||
    input.ttlSeconds > MAX_RUN_TOKEN_TTL_SECONDS
  ) {
    throw new RangeError(
      `ttlSeconds must be an integer from 1 to ${MAX_RUN_TOKEN_TTL_SECONDS}, got ${input.ttlSeconds}`,
    );
  }
  const scopes = checkedScopes(input.scopes);
  const token = `${RUN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
  const tokenId = await insertRunToken(db, {
    runId: input.runId,
    tokenHash: hashRunToken(token),
    repoId: input.repoId,
    issueNumber: input.issueNumber,
    scopes,
    expiresAt,
  });
  return { token, tokenId, expiresAt };
}

/**
 * What a presented token may reach, or why it reaches nothing. The lookup is by hash, so the
 * time it takes says nothing about how close a guess was; the hashes are compared again in
 * constant time all the same.
 */
export async function verifyRunToken(
  db: DbOrTx,
  token: string,
  now: Date = new Date(),
): Promise<VerifiedRunToken> {
  if (!looksLikeRunToken(token)) return { ok: false, reason: 'unknown' };
  const hash = hashRunToken(token);
  const row = await findRunTokenByHash(db, hash);
  if (!row || !sameHash(row.tokenHash, hash)) {
    return { ok: false, reason: 'unknown' };
  }
  if (row.revokedAt !== null) return { ok: false, reason: 'revoked' };
  if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    tokenId: row.id,
    runId: row.runId,
    repoId: row.repoId,
    issueNumber: row.issueNumber,
    scopes: knownScopes(row.scopes),
    expiresAt: row.expiresAt,
  };
}

/** Revokes every live token of a run (when it ends or is cancelled); returns how many. */
export async function revokeRunTokens(db: DbOrTx, runId: number, now: Date = new Date()): Promise<number> {
  return revokeTokensOfRun(db, runId, now);
}
