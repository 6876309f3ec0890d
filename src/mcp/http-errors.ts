import type { Response } from 'express';
import type { RunTokenRefusal } from '../agents/run-tokens.ts';

/**
 * HTTP refusals of the MCP endpoint, each with a JSON-RPC error body (what MCP clients parse)
 * and, for 401, the `WWW-Authenticate: Bearer` challenge of RFC 6750.
 */

export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;
/** The SDK's code for transport-level refusals (bad request, unknown session). */
export const JSONRPC_SERVER_ERROR = -32000;
export const JSONRPC_SESSION_NOT_FOUND = -32001;
export const JSONRPC_UNAUTHORIZED = -32001;
export const JSONRPC_FORBIDDEN = -32003;

export function sendJsonRpcError(
  res: Response,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.status(status).set(headers).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

const REFUSALS: Record<'missing' | RunTokenRefusal, string> = {
  missing: 'send the run token as `Authorization: Bearer <AIWORKER_MCP_TOKEN>`',
  unknown: 'the bearer token is not a valid run token',
  expired: 'the run token has expired',
  revoked: 'the run token was revoked (its run ended)',
};

/** 401 with the Bearer challenge; `error="invalid_token"` when a token was presented. */
export function sendUnauthorized(res: Response, reason: 'missing' | RunTokenRefusal, realm: string): void {
  const description = REFUSALS[reason];
  const challenge =
    reason === 'missing'
      ? `Bearer realm="${realm}"`
      : `Bearer realm="${realm}", error="invalid_token", error_description="${description}"`;
  sendJsonRpcError(res, 401, JSONRPC_UNAUTHORIZED, `Unauthorized: ${description}`, {
    'WWW-Authenticate': challenge,
  });
}

/** `Bearer <token>` → token; anything else → null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}
