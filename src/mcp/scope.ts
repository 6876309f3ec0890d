import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { RUN_TOKEN_SCOPES, type RunScope, type RunTokenScope } from '../agents/run-tokens.ts';

/**
 * The verified token's reach travels from the HTTP layer to the tools as the SDK's `AuthInfo`
 * of each request (never the clear token: `token` holds only the row id). It is read again
 * from the database on every request, so a revoked token or a claimed subtask counts at once.
 */

export function authInfoFor(verified: RunScope): AuthInfo {
  return {
    token: `agent-token-${verified.tokenId}`,
    clientId: `run-${verified.runId}`,
    scopes: [...verified.scopes],
    expiresAt: Math.floor(verified.expiresAt.getTime() / 1000),
    extra: {
      tokenId: verified.tokenId,
      runId: verified.runId,
      repoId: verified.repoId,
      issueNumber: verified.issueNumber,
    },
  };
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

export function scopeFromAuthInfo(auth: AuthInfo | undefined): RunScope {
  const extra = auth?.extra ?? {};
  const tokenId = positiveInt(extra['tokenId']);
  const runId = positiveInt(extra['runId']);
  const repoId = positiveInt(extra['repoId']);
  const issueNumber = positiveInt(extra['issueNumber']);
  if (
    !auth ||
    tokenId === undefined ||
    runId === undefined ||
    repoId === undefined ||
    issueNumber === undefined
  ) {
    throw new Error('the request carries no verified run token');
  }
  const scopes = auth.scopes.filter((scope): scope is RunTokenScope =>
    (RUN_TOKEN_SCOPES as readonly string[]).includes(scope),
  );
  return {
    tokenId,
    runId,
    repoId,
    issueNumber,
    scopes,
    expiresAt: new Date((auth.expiresAt ?? 0) * 1000),
  };
}
