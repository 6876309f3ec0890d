import { describe, expect, it } from 'vitest';
import { branchSlug, subtaskBranch } from '../../src/mcp/branch.ts';
import { checkReadablePath } from '../../src/mcp/file-access.ts';
import { bearerToken } from '../../src/mcp/http-errors.ts';

describe('subtaskBranch', () => {
  it.each([
    [12, 'Wishlist API endpoints', 'ai/12-wishlist-api-endpoints'],
    [3, 'Add `POST /orders` (idempotent!)', 'ai/3-add-post-orders-idempotent'],
    [7, 'Café crème: ünïcode titles', 'ai/7-cafe-creme-unicode-titles'],
    [8, '日本語のタイトル', 'ai/8-task'],
    [9, '   ', 'ai/9-task'],
    [
      10,
      'Store the wishlist per user in the existing PostgreSQL database schema',
      'ai/10-store-the-wishlist-per-user-in-the',
    ],
    [
      11,
      'Supercalifragilisticexpialidociousnessofthisverylongword',
      'ai/11-supercalifragilisticexpialidociousnessof',
    ],
  ])('#%i "%s" → %s', (issue, title, branch) => {
    expect(subtaskBranch(issue, title)).toBe(branch);
  });

  it('cuts slugs at a word boundary within 40 characters', () => {
    for (const title of ['a '.repeat(60), 'Store the wishlist per user in the existing database']) {
      const slug = branchSlug(title);
      expect(slug.length).toBeLessThanOrEqual(40);
      expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it('refuses an issue number that is not one', () => {
    expect(() => subtaskBranch(0, 'x')).toThrow('positive integer');
    expect(() => subtaskBranch(1.5, 'x')).toThrow('positive integer');
  });
});

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
