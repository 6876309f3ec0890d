import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/server/signature.ts';
import { signPayload } from '../support/webhooks.ts';

const SECRET = 'a-webhook-secret-of-some-length';
const body = Buffer.from('{"action":"opened","number":7}');
const hex = createHmac('sha256', SECRET).update(body).digest('hex');

describe('verifySignature', () => {
  it('accepts the bare hex of X-Gitea-Signature', () => {
    expect(verifySignature(SECRET, body, { giteaSignature: hex })).toBe('valid');
  });

  it('accepts sha256=<hex> in X-Hub-Signature-256', () => {
    expect(verifySignature(SECRET, body, { hubSignature256: `sha256=${hex}` })).toBe('valid');
  });

  it('accepts upper-case hex (HMAC hex is case-insensitive)', () => {
    expect(verifySignature(SECRET, body, { giteaSignature: hex.toUpperCase() })).toBe('valid');
  });

  it('refuses a signature made with another secret', () => {
    const other = createHmac('sha256', 'another-secret-entirely').update(body).digest('hex');
    expect(verifySignature(SECRET, body, { giteaSignature: other })).toBe('invalid');
    expect(verifySignature(SECRET, body, { hubSignature256: `sha256=${other}` })).toBe('invalid');
  });

  it('refuses a body changed by one byte', () => {
    const changed = Buffer.from('{"action":"opened","number":8}');
    expect(verifySignature(SECRET, changed, { giteaSignature: hex })).toBe('invalid');
  });

  it('reports a missing signature as missing', () => {
    expect(verifySignature(SECRET, body, {})).toBe('missing');
    expect(verifySignature(SECRET, body, { giteaSignature: '' })).toBe('missing');
  });

  it('refuses malformed signatures without throwing (short, long, not hex, no scheme)', () => {
    expect(verifySignature(SECRET, body, { giteaSignature: hex.slice(0, 40) })).toBe('invalid');
    expect(verifySignature(SECRET, body, { giteaSignature: `${hex}00` })).toBe('invalid');
    expect(verifySignature(SECRET, body, { giteaSignature: `${hex.slice(0, 63)}z` })).toBe('invalid');
    expect(verifySignature(SECRET, body, { hubSignature256: hex })).toBe('invalid');
    expect(verifySignature(SECRET, body, { hubSignature256: `sha1=${hex}` })).toBe('invalid');
  });

  it('checks X-Gitea-Signature when both headers are present', () => {
    expect(
      verifySignature(SECRET, body, { giteaSignature: 'f'.repeat(64), hubSignature256: `sha256=${hex}` }),
    ).toBe('invalid');
    expect(verifySignature(SECRET, body, { giteaSignature: hex, hubSignature256: 'sha256=bad' })).toBe(
      'valid',
    );
  });

  it('signs the way it verifies', () => {
    expect(signPayload(SECRET, body)).toBe(hex);
    expect(signPayload(SECRET, body.toString('utf8'))).toBe(hex);
  });
});
