import { describe, expect, it } from 'vitest';
import { checkReadablePath } from '../../src/mcp/file-access.ts';
import { bearerToken } from '../../src/mcp/http-errors.ts';

describe('checkReadablePath', () => {
  it.each([
    ['src/index.ts', 'src/index.ts'],
    ['./src//index.ts', 'src/index.ts'],
    ['/README.md', 'README.md'],
    ['.env.example', '.env.example'],
    ['docs/.github/workflows/ci.yml', 'docs/.github/workflows/ci.yml'],
  ])('reads %s as %s', (input, path) => {
    expect(checkReadablePath(input)).toEqual({ ok: true, path });
  });

  it.each([
    ['.env', 'credentials'],
    ['config/.env.production', 'credentials'],
    ['certs/server.key', 'credentials'],
    ['tls/server.pem', 'credentials'],
    ['home/.ssh/id_ed25519', 'credentials'],
    ['.npmrc', 'credentials'],
    ['../secrets.txt', '`..`'],
    ['src/../../etc/passwd', '`..`'],
    ['.git/config', '.git'],
    ['', 'empty'],
    ['./', 'empty'],
    ['src/\u0000.ts', 'control characters'],
  ])('refuses %j (%s)', (input, reason) => {
    const checked = checkReadablePath(input);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toContain(reason);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer aiw_run_abc', 'aiw_run_abc'],
    ['bearer   aiw_run_abc ', 'aiw_run_abc'],
    ['Basic dXNlcjpwYXNz', null],
    ['Bearer', null],
    ['Bearer a b', null],
    [undefined, null],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});
