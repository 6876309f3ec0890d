import { describe, expect, it } from 'vitest';
import { KNOWN_COMMAND_NAMES } from '../../src/commands/index.ts';
import { checkPermissionOverrides, requiredPermission } from '../../src/commands/permissions.ts';
import {
  decide,
  type PermissionOverrides,
  parseRepoPermission,
  type RepoPermission,
  type Requirement,
} from '../../src/domain/permissions.ts';

const LEVELS: RepoPermission[] = ['none', 'read', 'write', 'admin'];

/**
 * docs/architecture.md §3 as a table: every command (and argument where it matters), who may run it with
 * each access level, for someone who did not open the issue and for its author.
 * Columns: none, read, write, admin.
 */
const MATRIX: Array<{
  command: string;
  argv: string[];
  requirement: Requirement;
  other: string;
  author: string;
}> = [
  { command: 'help', argv: [], requirement: 'anyone', other: 'YYYY', author: 'YYYY' },
  { command: 'status', argv: [], requirement: 'anyone', other: 'YYYY', author: 'YYYY' },
  { command: 'plan', argv: [], requirement: 'anyone', other: 'YYYY', author: 'YYYY' },
  { command: 'answer', argv: ['1', 'Stripe'], requirement: 'author-or-write', other: '..YY', author: 'YYYY' },
  { command: 'spec', argv: [], requirement: 'write', other: '..YY', author: '..YY' },
  { command: 'revise-spec', argv: ['more', 'tests'], requirement: 'write', other: '..YY', author: '..YY' },
  { command: 'approve-spec', argv: [], requirement: 'write', other: '..YY', author: '..YY' },
  { command: 'decompose', argv: [], requirement: 'write', other: '..YY', author: '..YY' },
  { command: 'dispatch', argv: [], requirement: 'write', other: '..YY', author: '..YY' },
  { command: 'retry', argv: [], requirement: 'write', other: '..YY', author: '..YY' },
  { command: 'cancel', argv: [], requirement: 'write', other: '..YY', author: '..YY' },
  { command: 'promote', argv: ['staging'], requirement: 'write', other: '..YY', author: '..YY' },
  { command: 'promote', argv: ['production'], requirement: 'admin', other: '...Y', author: '...Y' },
  { command: 'promote', argv: ['Production'], requirement: 'admin', other: '...Y', author: '...Y' },
  { command: 'promote', argv: [], requirement: 'admin', other: '...Y', author: '...Y' },
  { command: 'promote', argv: ['qa'], requirement: 'admin', other: '...Y', author: '...Y' },
  { command: 'rollback', argv: ['staging'], requirement: 'write', other: '..YY', author: '..YY' },
  { command: 'rollback', argv: ['production'], requirement: 'admin', other: '...Y', author: '...Y' },
  { command: 'rollback', argv: [], requirement: 'admin', other: '...Y', author: '...Y' },
];

describe('default permissions (docs/architecture.md §3)', () => {
  it('covers every command of the catalog', () => {
    expect(new Set(MATRIX.map((row) => row.command))).toEqual(new Set(KNOWN_COMMAND_NAMES));
  });

  const cases = MATRIX.flatMap((row) =>
    LEVELS.flatMap((permission, column) => [
      { ...row, permission, isAuthor: false, allowed: row.other[column] === 'Y' },
      { ...row, permission, isAuthor: true, allowed: row.author[column] === 'Y' },
    ]),
  );

  it.each(cases)(
    '/$command $argv with $permission access (author: $isAuthor) → allowed $allowed',
    ({ command, argv, requirement, permission, isAuthor, allowed }) => {
      expect(requiredPermission(command, argv)).toBe(requirement);
      expect(decide({ requirement: requiredPermission(command, argv), permission, isAuthor }).allowed).toBe(
        allowed,
      );
    },
  );

  it('accepts the name with a slash and in any case', () => {
    expect(requiredPermission('/Approve-Spec', [])).toBe('write');
    expect(requiredPermission('PROMOTE', ['PRODUCTION'])).toBe('admin');
  });

  it('fails closed for a command the catalog does not know', () => {
    expect(requiredPermission('deploy', [])).toBe('admin');
  });
});

interface OverrideRow {
  overrides: PermissionOverrides;
  command: string;
  argv: string[];
  expected: Requirement;
}

describe('per-repo overrides', () => {
  it.each<OverrideRow>([
    { overrides: { 'approve-spec': 'admin' }, command: 'approve-spec', argv: [], expected: 'admin' },
    { overrides: { 'approve-spec': 'admin' }, command: 'spec', argv: [], expected: 'write' },
    { overrides: { '/Approve-Spec': 'admin' }, command: 'approve-spec', argv: [], expected: 'admin' },
    { overrides: { status: 'write' }, command: 'status', argv: [], expected: 'write' },
    {
      overrides: { 'promote production': 'write' },
      command: 'promote',
      argv: ['production'],
      expected: 'write',
    },
    {
      overrides: { 'Promote  PRODUCTION': 'write' },
      command: 'promote',
      argv: ['production'],
      expected: 'write',
    },
    { overrides: { 'promote staging': 'admin' }, command: 'promote', argv: ['staging'], expected: 'admin' },
    {
      overrides: { 'promote staging': 'admin' },
      command: 'promote',
      argv: ['production'],
      expected: 'admin',
    },
    // A setting for the whole command is what the repo's admins wrote: it covers every argument…
    { overrides: { promote: 'write' }, command: 'promote', argv: ['production'], expected: 'write' },
    // …unless they also set that argument.
    {
      overrides: { promote: 'write', 'promote production': 'admin' },
      command: 'promote',
      argv: ['production'],
      expected: 'admin',
    },
    { overrides: { 'promote qa': 'write' }, command: 'promote', argv: ['qa'], expected: 'write' },
    { overrides: { deploy: 'write' }, command: 'deploy', argv: [], expected: 'write' },
    { overrides: { answer: 'anyone' }, command: 'answer', argv: ['1', 'x'], expected: 'anyone' },
  ])('$overrides: /$command $argv needs $expected', ({ overrides, command, argv, expected }) => {
    expect(requiredPermission(command, argv, overrides)).toBe(expected);
  });

  it('reports problems in the override section of the repo config', () => {
    expect(
      checkPermissionOverrides({
        'approve-spec': 'admin',
        'promote production': 'write',
        'promote qa': 'admin',
      }),
    ).toEqual([]);
    expect(
      checkPermissionOverrides({
        deploy: 'write',
        'approve-spec now': 'admin',
        'promote production now': 'admin',
        status: 'maintainers',
        plan: 3,
      }),
    ).toEqual([
      'permissions: "deploy" is not a command AiWorker knows.',
      'permissions: "approve-spec now" — only the command name can be configured for /approve-spec.',
      'permissions: "promote production now" — only the command name can be configured for /promote, or the command and one argument.',
      'permissions: "status" must be one of anyone, author-or-write, write, admin (got "maintainers").',
      'permissions: "plan" must be one of anyone, author-or-write, write, admin (got 3).',
    ]);
  });
});

describe('decide: refusals say what is missing', () => {
  it.each([
    {
      question: {
        requirement: 'write',
        permission: 'read',
        isAuthor: false,
        command: '/approve-spec',
        repo: 'acme/shop',
      },
      message: '`/approve-spec` needs write access to acme/shop; you have read access.',
    },
    {
      question: {
        requirement: 'admin',
        permission: 'write',
        isAuthor: true,
        command: 'promote production',
        repo: 'acme/shop',
      },
      message: '`/promote production` needs admin access to acme/shop; you have write access.',
    },
    {
      question: {
        requirement: 'write',
        permission: 'none',
        isAuthor: false,
        command: 'retry',
        repo: 'acme/shop',
      },
      message: '`/retry` needs write access to acme/shop; you have no access.',
    },
    {
      question: {
        requirement: 'author-or-write',
        permission: 'read',
        isAuthor: false,
        command: '/answer',
        repo: 'acme/shop',
      },
      message:
        "`/answer` can be used by the issue's author or by someone with write access to acme/shop; " +
        'you have read access and did not open this issue.',
    },
    {
      question: { requirement: 'write', permission: 'read', isAuthor: false },
      message: 'This command needs write access to this repository; you have read access.',
    },
  ] as const)('$message', ({ question, message }) => {
    expect(decide(question)).toEqual({ allowed: false, needed: question.requirement, message });
  });

  it('allows without a message', () => {
    expect(decide({ requirement: 'admin', permission: 'admin', isAuthor: false })).toEqual({ allowed: true });
  });
});

describe('parseRepoPermission', () => {
  it.each([
    ['owner', 'admin'],
    ['admin', 'admin'],
    ['ADMIN', 'admin'],
    ['write', 'write'],
    [' read ', 'read'],
    ['none', 'none'],
    ['', 'none'],
    [undefined, 'none'],
    [null, 'none'],
    ['superuser', 'none'],
  ] as const)('Gitea %j → %s', (raw, expected) => {
    expect(parseRepoPermission(raw)).toBe(expected);
  });
});
