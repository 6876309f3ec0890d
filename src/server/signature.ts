import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (docs/architecture.md §3): HMAC-SHA256 of the exact request bytes with the shared
 * secret, sent by Gitea as bare hex in X-Gitea-Signature and as `sha256=<hex>` in
 * X-Hub-Signature-256. Gitea sends both; X-Gitea-Signature is checked when present.
 */

export type SignatureCheck = 'valid' | 'missing' | 'invalid';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export interface SignatureHeaders {
  giteaSignature?: string | undefined;
  hubSignature256?: string | undefined;
}

export function verifySignature(secret: string, body: Buffer, headers: SignatureHeaders): SignatureCheck {
  const hex =
    headers.giteaSignature !== undefined
      ? headers.giteaSignature.trim()
      : headers.hubSignature256 !== undefined
        ? stripScheme(headers.hubSignature256.trim())
        : undefined;
  if (hex === undefined || hex === '') return 'missing';
  // A well-formed signature always has 64 hex digits; checking the shape first keeps the
  // comparison below between two 32-byte buffers (timingSafeEqual throws on unequal lengths).
  if (hex === null || !HEX_SHA256.test(hex)) return 'invalid';
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex')) ? 'valid' : 'invalid';
}

function stripScheme(value: string): string | null {
  return value.startsWith('sha256=') ? value.slice('sha256='.length) : null;
}
