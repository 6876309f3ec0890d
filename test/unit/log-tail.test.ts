import { describe, expect, it } from 'vitest';
import { digestSecret, LogTail, redactDigests } from '../../src/agents/runners/log-tail.ts';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('LogTail bounds', () => {
  it('keeps the last lines, oldest first', () => {
    const tail = new LogTail({ maxLines: 50 });
    for (let i = 1; i <= 120; i++) tail.push(`line ${i}\n`);
    const lines = tail.toString().split('\n');
    expect(lines).toHaveLength(50);
    expect(lines[0]).toBe('line 71');
    expect(lines.at(-1)).toBe('line 120');
  });

  it('stays within the byte bound and keeps the newest lines whole', () => {
    const tail = new LogTail({ maxLines: 50, maxBytes: 8192 });
    for (let i = 0; i < 40; i++) tail.push(`${String(i).padStart(3, '0')} ${'x'.repeat(996)}\n`);
    const text = tail.toString();
    expect(bytes(text)).toBeLessThanOrEqual(8192);
    const lines = text.split('\n');
    expect(lines.at(-1)).toMatch(/^039 x{996}$/);
    expect(lines.length).toBe(8);
  });

  it('cuts one enormous line to its end, however it arrives', () => {
    const tail = new LogTail({ maxBytes: 4096 });
    for (let i = 0; i < 1000; i++) tail.push('y'.repeat(1000));
    tail.push('THE END');
    const text = tail.toString();
    expect(bytes(text)).toBeLessThanOrEqual(4096);
    expect(text.startsWith('…')).toBe(true);
    expect(text.endsWith('yyyTHE END')).toBe(true);
  });

  it('measures bytes, not characters, and never cuts a character in half', () => {
    const tail = new LogTail({ maxLines: 500, maxBytes: 1000 });
    for (let i = 0; i < 100; i++) tail.push(`${'é🙂'.repeat(20)}\n`);
    const text = tail.toString();
    expect(bytes(text)).toBeLessThanOrEqual(1000);
    expect(text).not.toContain('\uFFFD');
    expect(text.split('\n').at(-1)).toBe('é🙂'.repeat(20));
  });

  it('joins lines split across chunks and shows a line still being written', () => {
    const tail = new LogTail();
    tail.push('hel');
    tail.push('lo\nwor');
    expect(tail.toString()).toBe('hello\nwor');
    tail.push('ld\r\n');
    expect(tail.toString()).toBe('hello\nworld');
  });

  it('shows what a terminal would for lines redrawn with carriage returns', () => {
    const tail = new LogTail();
    tail.push('Receiving objects:  10%\rReceiving objects:  55%\rReceiving objects: 100%, done.\n');
    expect(tail.toString()).toBe('Receiving objects: 100%, done.');
  });
});

describe('LogTail secrets', () => {
  const secret = 'gt_5f3c9a1b7e2d4c6a8b0f';

  it('removes a secret value, also when it arrives split across chunks', () => {
    const tail = new LogTail({ secrets: [secret] });
    tail.push(`pushing with ${secret.slice(0, 7)}`);
    tail.push(`${secret.slice(7)} as the credential\n`);
    const text = tail.toString();
    expect(text).toBe('pushing with [redacted] as the credential');
  });

  it('never keeps a fragment of a secret that arrives while an endless line is being cut', () => {
    const maxBytes = 1024;
    const fragments = (text: string) =>
      [...Array(secret.length - 3).keys()].filter((i) => text.includes(secret.slice(i, i + 4)));
    // Every filler length around the cut point and every split of the secret between pushes.
    for (let filler = maxBytes - 8; filler <= maxBytes + secret.length + 8; filler++) {
      for (let split = 1; split < secret.length; split++) {
        const before = new LogTail({ secrets: [secret], maxBytes });
        before.push('z'.repeat(filler));
        before.push(secret.slice(0, split));
        before.push(secret.slice(split));
        before.push('z'.repeat(300));
        expect(fragments(before.toString()), `filler ${filler} before, split ${split}`).toEqual([]);
        before.push('\n');
        expect(fragments(before.toString()), `filler ${filler} before, split ${split}, ended`).toEqual([]);

        const after = new LogTail({ secrets: [secret], maxBytes });
        after.push(secret.slice(0, split));
        after.push(secret.slice(split));
        after.push('z'.repeat(filler));
        expect(fragments(after.toString()), `filler ${filler} after, split ${split}`).toEqual([]);
      }
    }
  });

  it('removes secrets it knows only by digest', () => {
    const tokenLike = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    const spaced = 'correct horse battery staple';
    const tail = new LogTail({ digests: [digestSecret(tokenLike), digestSecret(spaced)] });
    tail.push(`url=https://x:${tokenLike}@gitea/repo.git and "${spaced}" end\n`);
    const text = tail.toString();
    expect(text).not.toContain(tokenLike);
    expect(text).not.toContain(spaced);
    expect(text).toContain('end');
  });

  it('finds a digest-known token inside a longer run of token characters', () => {
    const token = 'QWERTY123456uiop';
    expect(redactDigests(`prefix${token}suffix`, [digestSecret(token)])).toBe('prefix[redacted]suffix');
  });

  it('removes credentials it was not told about (Authorization headers, URL passwords)', () => {
    const tail = new LogTail();
    tail.push('> Authorization: Basic YWl3b3JrZXI6c2VjcmV0\n');
    tail.push('remote: https://bot:hunter2hunter2@gitea.example.com/o/r.git\n');
    const text = tail.toString();
    expect(text).not.toContain('YWl3b3JrZXI6c2VjcmV0');
    expect(text).not.toContain('hunter2hunter2');
  });

  it('removes a private key block that spans lines', () => {
    const tail = new LogTail();
    tail.push(
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\ndone\n',
    );
    const text = tail.toString();
    expect(text).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
    expect(text).toContain('done');
  });
});
