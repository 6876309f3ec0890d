import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('scrubs secret values wherever they appear in a line', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ secrets: ['tok_supersecret', 'wh-secret-value'], destination });
    log.info({ url: 'https://gitea/api?token=tok_supersecret' }, 'calling with wh-secret-value');
    log.child({ delivery: 'd1' }).error(new Error('auth failed for tok_supersecret'));
    await new Promise((r) => setImmediate(r));
    const text = lines.join('\n');
    expect(text).not.toContain('tok_supersecret');
    expect(text).not.toContain('wh-secret-value');
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(lines[1]!).delivery).toBe('d1');
  });

  it('redacts secret-looking fields by name even when the value is unknown', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.info({ headers: { authorization: 'token abc123456' }, password: 'p@ss' }, 'request');
    await new Promise((r) => setImmediate(r));
    const entry = JSON.parse(lines[0]!);
    expect(entry.headers.authorization).toBe('[redacted]');
    expect(entry.password).toBe('[redacted]');
  });
});
