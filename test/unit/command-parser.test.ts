import { describe, expect, it } from 'vitest';
import { KNOWN_COMMAND_NAMES } from '../../src/commands/index.ts';
import {
  commandsOf,
  DEFAULT_MAX_COMMANDS,
  type ParsedItem,
  type ParseResult,
  parseComment,
} from '../../src/commands/parser.ts';

/** The commands this instance knows, as the command runner passes them. */
const KNOWN = { knownCommands: KNOWN_COMMAND_NAMES };

/** One readable line per item, so table rows state the whole expected result. */
function summarise(result: ParseResult): string[] {
  const items: readonly ParsedItem[] = result.items;
  return items.map((item) => {
    if (item.kind === 'command') return `command ${item.name} [${item.args}] @${item.line}`;
    if (item.kind === 'suggestion') return `suggestion ${item.typed} -> ${item.suggestion} @${item.line}`;
    return `reply @${item.line}`;
  });
}

const cmd = (name: string, line: number, args = '') => `command ${name} [${args}] @${line}`;
const sug = (typed: string, suggestion: string, line: number) =>
  `suggestion ${typed} -> ${suggestion} @${line}`;

interface Row {
  name: string;
  body: string;
  expected: string[];
}

const basics: Row[] = [
  { name: 'a bare command', body: '/approve-spec', expected: [cmd('approve-spec', 1)] },
  {
    name: 'arguments are the rest of the line, trimmed',
    body: '/revise-spec   Use Postgres,  not MySQL   ',
    expected: [cmd('revise-spec', 1, 'Use Postgres,  not MySQL')],
  },
  { name: 'up to 3 spaces of indentation', body: '   /approve-spec', expected: [cmd('approve-spec', 1)] },
  { name: '4 spaces is indented code', body: '    /approve-spec', expected: [] },
  { name: 'a tab is indented code', body: '\t/approve-spec', expected: [] },
  { name: 'text before the slash', body: 'please /approve-spec', expected: [] },
  { name: 'upper case name', body: '/APPROVE-SPEC', expected: [cmd('approve-spec', 1)] },
  {
    name: 'mixed case name with args',
    body: '/Promote Production',
    expected: [cmd('promote', 1, 'Production')],
  },
  {
    name: 'several commands, each on its own line',
    body: '/answer 1 Stripe\n/answer 2 EUR\n/spec',
    expected: [cmd('answer', 1, '1 Stripe'), cmd('answer', 2, '2 EUR'), cmd('spec', 3)],
  },
  {
    name: 'commands between prose paragraphs',
    body: 'Looks good to me.\n\n/approve-spec\n\nThanks!\n\n/plan',
    expected: [cmd('approve-spec', 3), cmd('plan', 7)],
  },
  { name: 'prose only', body: 'Nice work, thanks!', expected: [] },
  { name: 'empty comment', body: '', expected: [] },
];

const fences: Row[] = [
  { name: 'inside a backtick fence', body: '```\n/approve-spec\n```', expected: [] },
  {
    name: 'after a fence with an info string',
    body: '```bash\n/approve-spec\n```\n/status',
    expected: [cmd('status', 4)],
  },
  { name: 'inside a tilde fence', body: '~~~\n/approve-spec\n~~~\n/plan', expected: [cmd('plan', 4)] },
  {
    name: 'a backtick line does not close a tilde fence',
    body: '~~~\n/approve-spec\n```\n/status\n~~~\n/plan',
    expected: [cmd('plan', 6)],
  },
  {
    name: 'a shorter fence does not close a longer one',
    body: '````\n```\n/approve-spec\n````\n/status',
    expected: [cmd('status', 5)],
  },
  {
    name: 'a longer fence closes a shorter one',
    body: '```\n/approve-spec\n`````\n/status',
    expected: [cmd('status', 4)],
  },
  {
    name: 'a fence line with text after it does not close',
    body: '```\n``` not a close\n/approve-spec\n```\n/status',
    expected: [cmd('status', 5)],
  },
  {
    name: 'trailing spaces after a closing fence are fine',
    body: '```\n/approve-spec\n```   \n/plan',
    expected: [cmd('plan', 4)],
  },
  {
    name: 'a fence indented 3 spaces opens and closes',
    body: '   ```\n/approve-spec\n   ```\n/plan',
    expected: [cmd('plan', 4)],
  },
  {
    name: 'a fence indented 4 spaces is indented code, not a fence',
    body: '    ```\n/approve-spec\n    ```',
    expected: [cmd('approve-spec', 2)],
  },
  { name: 'an unclosed fence runs to the end', body: '```\n/approve-spec\n\n\n/status', expected: [] },
  {
    name: 'a backtick info string with a backtick is inline code, not a fence',
    body: '```not`a fence\n/approve-spec',
    expected: [cmd('approve-spec', 2)],
  },
  {
    name: 'a tilde info string may contain backticks',
    body: '~~~ `weird` info\n/approve-spec\n~~~\n/plan',
    expected: [cmd('plan', 4)],
  },
  {
    name: 'two backticks are not a fence',
    body: '``\n/approve-spec\n``',
    expected: [cmd('approve-spec', 2)],
  },
  {
    name: 'a fence right after a command line',
    body: '/answer 2\n```\n/approve-spec\n```',
    expected: [cmd('answer', 1, '2')],
  },
];

const quotes: Row[] = [
  { name: 'a quoted command', body: '> /approve-spec', expected: [] },
  { name: 'a nested quote', body: '> > /approve-spec', expected: [] },
  { name: 'a quote without a space', body: '>/approve-spec', expected: [] },
  { name: 'an indented quote', body: '   > /approve-spec', expected: [] },
  { name: 'deep nesting', body: '>>> > >/approve-spec', expected: [] },
  {
    name: 'a command after a quote and a blank line',
    body: '> Which provider?\n\n/answer 1 Stripe',
    expected: [cmd('answer', 3, '1 Stripe')],
  },
  {
    name: 'a known command right after a quoted paragraph continues the quote',
    body: '> Which provider?\n/answer 1 Stripe',
    expected: ['reply @2'],
  },
  {
    name: 'the quote continues over several lazy lines',
    body: '> quoted\nstill quoted\n/approve-spec',
    expected: ['reply @3'],
  },
  { name: 'an unknown word in a lazy line gets no reply', body: '> quoted\n/shrug', expected: [] },
  {
    name: 'after an empty quote line there is no paragraph to continue',
    body: '>\n/plan',
    expected: [cmd('plan', 2)],
  },
  {
    name: 'a fence inside a quote ends with the quote',
    body: '> ```\n> /approve-spec\n/status',
    expected: [cmd('status', 3)],
  },
  {
    name: 'a list item interrupts the quoted paragraph',
    body: '> quoted\n- item\n/approve-spec',
    expected: [cmd('approve-spec', 3)],
  },
  {
    name: 'a heading interrupts the quoted paragraph',
    body: '> quoted\n# Heading\n/approve-spec',
    expected: [cmd('approve-spec', 3)],
  },
  {
    name: 'a thematic break interrupts the quoted paragraph',
    body: '> quoted\n***\n/approve-spec',
    expected: [cmd('approve-spec', 3)],
  },
  {
    name: 'a quote right after a command line',
    body: '/revise-spec shorter\n> /approve-spec\n\n/plan',
    expected: [cmd('revise-spec', 1, 'shorter'), cmd('plan', 4)],
  },
];

const htmlAndInlineCode: Row[] = [
  {
    name: 'inside a multi-line HTML comment',
    body: '<!--\n/approve-spec\n-->\n/plan',
    expected: [cmd('plan', 4)],
  },
  { name: 'after a one-line HTML comment', body: '<!-- note -->\n/plan', expected: [cmd('plan', 2)] },
  { name: 'an unclosed HTML comment hides the rest', body: '<!-- draft\n/approve-spec', expected: [] },
  { name: 'inline code at line start', body: '`/approve-spec`', expected: [] },
  { name: 'double-backtick inline code', body: '`` `/approve-spec` ``', expected: [] },
  {
    name: 'inline code in the arguments is kept',
    body: '/revise-spec use `pnpm`',
    expected: [cmd('revise-spec', 1, 'use `pnpm`')],
  },
];

const wordBoundaries: Row[] = [
  {
    name: 'a trailing period is a near miss',
    body: '/approve-spec.',
    expected: [sug('approve-spec.', 'approve-spec', 1)],
  },
  { name: 'a trailing question mark', body: '/help?', expected: [sug('help?', 'help', 1)] },
  { name: 'trailing punctuation then text', body: '/status: busy', expected: [sug('status:', 'status', 1)] },
  { name: 'an apostrophe glued to the name', body: "/approve-spec's fine", expected: [] },
  { name: 'a path', body: '/usr/bin/env node', expected: [] },
  { name: 'a file name', body: '/plan.md is outdated', expected: [] },
  {
    name: 'NBSP separates the arguments',
    body: '/promote\u00A0production',
    expected: [cmd('promote', 1, 'production')],
  },
  {
    name: 'a tab separates the arguments',
    body: '/promote\tstaging',
    expected: [cmd('promote', 1, 'staging')],
  },
  { name: 'NBSP indentation', body: '\u00A0\u00A0/approve-spec', expected: [cmd('approve-spec', 1)] },
  {
    name: 'a zero-width space before the slash',
    body: '\u200B/approve-spec',
    expected: [cmd('approve-spec', 1)],
  },
  { name: 'a byte order mark', body: '\uFEFF/help', expected: [cmd('help', 1)] },
  { name: 'a right-to-left mark', body: '\u200F/approve-spec', expected: [cmd('approve-spec', 1)] },
  { name: 'an emoji before the slash', body: '🎉 /approve-spec', expected: [] },
  { name: 'a fullwidth slash', body: '／approve-spec', expected: [] },
  { name: 'a slash alone', body: '/', expected: [] },
  { name: 'a space after the slash', body: '/ approve-spec', expected: [] },
  { name: 'a double slash', body: '//approve-spec', expected: [] },
];

const unknownWords: Row[] = [
  { name: '/shrug', body: '/shrug', expected: [] },
  { name: '/cc @bob', body: '/cc @bob', expected: [] },
  { name: 'a date', body: '/2024 was a good year', expected: [] },
  { name: '/me', body: '/me waves', expected: [] },
  { name: '/hello is not /help', body: '/hello there', expected: [] },
  { name: 'a Prow command', body: '/lgtm', expected: [] },
  { name: '/hold is not /help', body: '/hold', expected: [] },
];

const nearMisses: Row[] = [
  { name: 'a missing letter', body: '/aprove-spec', expected: [sug('aprove-spec', 'approve-spec', 1)] },
  { name: 'a missing hyphen', body: '/approvespec', expected: [sug('approvespec', 'approve-spec', 1)] },
  { name: 'a transposition', body: '/stauts', expected: [sug('stauts', 'status', 1)] },
  { name: 'a short transposition', body: '/hlep', expected: [sug('hlep', 'help', 1)] },
  { name: 'a prefix of a known command', body: '/approve', expected: [sug('approve', 'approve-spec', 1)] },
  {
    name: 'a known command as prefix',
    body: '/approve-spec-now',
    expected: [sug('approve-spec-now', 'approve-spec', 1)],
  },
  { name: 'a plural', body: '/answers 1 Stripe', expected: [sug('answers', 'answer', 1)] },
  { name: 'keeps the typed case', body: '/Promot production', expected: [sug('Promot', 'promote', 1)] },
  {
    name: 'a near miss between real commands',
    body: '/answer 1 Stripe\n/aprove-spec\n/plan',
    expected: [cmd('answer', 1, '1 Stripe'), sug('aprove-spec', 'approve-spec', 2), cmd('plan', 3)],
  },
  { name: 'a misspelling in a fence', body: '```\n/aprove-spec\n```', expected: [] },
  { name: 'a misspelling in a quote', body: '> /aprove-spec', expected: [] },
];

const lineEndings: Row[] = [
  { name: 'CRLF', body: 'hello\r\n/approve-spec\r\n', expected: [cmd('approve-spec', 2)] },
  {
    name: 'lone CR',
    body: 'hello\r/approve-spec\r/plan',
    expected: [cmd('approve-spec', 2), cmd('plan', 3)],
  },
  { name: 'CRLF fences', body: '```\r\n/approve-spec\r\n```\r\n/plan', expected: [cmd('plan', 4)] },
  { name: 'CRLF blank line ends a quote', body: '> q\r\n\r\n/plan', expected: [cmd('plan', 3)] },
];

const unicode: Row[] = [
  {
    name: 'emoji in the arguments',
    body: '🎉 great\n/answer 1 Stripe 💳 only',
    expected: [cmd('answer', 2, '1 Stripe 💳 only')],
  },
  {
    name: 'right-to-left arguments',
    body: '/answer 2 שטרייפ בלבד',
    expected: [cmd('answer', 1, '2 שטרייפ בלבד')],
  },
  { name: 'CJK arguments', body: '/revise-spec 支持退款', expected: [cmd('revise-spec', 1, '支持退款')] },
  {
    name: 'trailing NBSP is trimmed',
    body: '/answer 1 Stripe\u00A0\u00A0',
    expected: [cmd('answer', 1, '1 Stripe')],
  },
  { name: 'a non-ASCII letter in the name', body: '/ápprove-spec', expected: [] },
];

describe('parseComment', () => {
  describe.each([
    ['basics', basics],
    ['fenced code', fences],
    ['block quotes', quotes],
    ['HTML comments and inline code', htmlAndInlineCode],
    ['what ends a command name', wordBoundaries],
    ['unknown /words', unknownWords],
    ['did you mean', nearMisses],
    ['line endings', lineEndings],
    ['unicode', unicode],
  ])('%s', (_group, rows) => {
    it.each(rows)('$name', ({ body, expected }) => {
      const result = parseComment(body, KNOWN);
      expect(summarise(result)).toEqual(expected);
      expect(result.kind).toBe(expected.length === 0 ? 'ignore' : 'found');
    });
  });

  it('gives each command its raw line, argv and position among the commands', () => {
    const result = parseComment('Hi\r\n  /Promote  production now\n/aprove-spec\n/status', KNOWN);
    expect(commandsOf(result)).toEqual([
      {
        kind: 'command',
        name: 'promote',
        args: 'production now',
        argv: ['production', 'now'],
        body: '',
        line: 2,
        index: 0,
        raw: '  /Promote  production now',
      },
      { kind: 'command', name: 'status', args: '', argv: [], body: '', line: 4, index: 1, raw: '/status' },
    ]);
  });

  it('splits argv on NBSP and tabs', () => {
    const [command] = commandsOf(parseComment('/answer\u00A01\tStripe\u00A0 only', KNOWN));
    expect(command?.argv).toEqual(['1', 'Stripe', 'only']);
  });

  it('writes suggestion and lazy-quote replies a user can act on', () => {
    const result = parseComment('/aprove-spec\n/approve-spec.\n\n> Which one?\n/answer 1 Stripe', KNOWN);
    expect(result.items).toEqual([
      {
        kind: 'suggestion',
        typed: 'aprove-spec',
        suggestion: 'approve-spec',
        line: 1,
        message:
          '`/aprove-spec` is not a command. Did you mean `/approve-spec`? Comment `/help` to see all commands.',
      },
      {
        kind: 'suggestion',
        typed: 'approve-spec.',
        suggestion: 'approve-spec',
        line: 2,
        message:
          '`/approve-spec.` was not run: a command must be followed by a space or the end of the line. ' +
          'Did you mean `/approve-spec`?',
      },
      {
        kind: 'reply',
        line: 5,
        message:
          '`/answer` on line 5 was not run: it directly follows a quote, so it is part of the quote. ' +
          'Leave a blank line after the quote, then write the command.',
      },
    ]);
  });

  it('explains a lazily quoted command only once per comment', () => {
    const result = parseComment('> a\n/approve-spec\n\n> b\n/plan', KNOWN);
    expect(summarise(result)).toEqual(['reply @2']);
  });

  describe('command bodies', () => {
    it.each([
      {
        name: 'a paragraph after the command line',
        body: '/revise-spec Use Postgres\nand keep Redis for queues\n\nThanks',
        expected: 'and keep Redis for queues',
      },
      {
        name: 'a numbered list up to the next command',
        body: '/answer\n1. A\n2) B\n/status',
        expected: '1. A\n2) B',
      },
      { name: 'nothing after the command', body: '/approve-spec', expected: '' },
      { name: 'a blank line right after', body: '/answer 2\n\nStripe', expected: '' },
      { name: 'a fence right after', body: '/answer 2\n```\ntext\n```', expected: '' },
      { name: 'a quote right after', body: '/answer 2\n> quoted\ntext', expected: '' },
      { name: 'an HTML comment right after', body: '/answer 2\n<!-- x -->\ntext', expected: '' },
      {
        name: 'indented continuation lines',
        body: '/answer\n1. A\n     more about A',
        expected: '1. A\n     more about A',
      },
      {
        name: 'an unknown /word stays text',
        body: '/answer 3\n/usr/local is fine\n/shrug',
        expected: '/usr/local is fine\n/shrug',
      },
      {
        name: 'trailing whitespace is dropped, CRLF too',
        body: '/answer 1\r\nStripe  \r\nonly\t',
        expected: 'Stripe\nonly',
      },
    ])('$name', ({ body, expected }) => {
      const [command] = commandsOf(parseComment(body, KNOWN));
      expect(command?.body).toBe(expected);
    });

    it('does not give a suggestion line to the command before it', () => {
      const [command, next] = parseComment('/answer 1\nStripe\n/aprove-spec\nmore text', KNOWN).items;
      expect(command).toMatchObject({ kind: 'command', body: 'Stripe' });
      expect(next).toMatchObject({ kind: 'suggestion', line: 3 });
    });
  });

  describe('the per-comment cap', () => {
    it(`handles the first ${DEFAULT_MAX_COMMANDS} commands and reports the rest`, () => {
      const body = Array.from({ length: 25 }, (_, i) => `/answer ${i + 1} yes`).join('\n');
      const result = parseComment(body, KNOWN);
      const commands = commandsOf(result);
      expect(commands).toHaveLength(20);
      expect(commands.at(-1)).toMatchObject({ args: '20 yes', index: 19, line: 20 });
      expect(result.items.at(-1)).toEqual({
        kind: 'reply',
        line: 21,
        message:
          'This comment has 25 commands; AiWorker handles at most 20 per comment, so the other 5, ' +
          'from line 21 on, were ignored. Post them in a new comment.',
      });
    });

    it('names the single ignored line', () => {
      const body = Array.from({ length: 21 }, () => '/status').join('\n');
      const last = parseComment(body, KNOWN).items.at(-1);
      expect(last?.kind === 'reply' && last.message).toContain('so the one on line 21 was ignored');
    });

    it('counts suggestions too, and honours a custom cap', () => {
      const result = parseComment('/status\n/aprove-spec\n/plan\n/help', { ...KNOWN, maxCommands: 2 });
      expect(summarise(result)).toEqual([
        cmd('status', 1),
        sug('aprove-spec', 'approve-spec', 2),
        'reply @3',
      ]);
    });

    it('does not hand the body of an ignored command to an earlier one', () => {
      const result = parseComment('/answer 1\nStripe\n/answer 2\nEUR', { ...KNOWN, maxCommands: 1 });
      expect(commandsOf(result)[0]?.body).toBe('Stripe');
    });

    it('exactly at the cap there is no reply', () => {
      const body = Array.from({ length: 20 }, () => '/status').join('\n');
      expect(parseComment(body, KNOWN).items.every((item) => item.kind === 'command')).toBe(true);
    });
  });

  describe('knownCommands', () => {
    it('recognises only the given names, in any case and with or without a slash', () => {
      const result = parseComment('/deploy now\n/approve-spec\n/Rollout', {
        knownCommands: ['/Deploy', 'rollout'],
      });
      expect(summarise(result)).toEqual([cmd('deploy', 1, 'now'), cmd('rollout', 3)]);
    });

    it('suggests among the given names only', () => {
      const result = parseComment('/deplyo', { knownCommands: ['deploy'] });
      expect(summarise(result)).toEqual([sug('deplyo', 'deploy', 1)]);
    });
  });

  describe('huge comments finish with a sane result', () => {
    it('1 MB over 100,000 lines of prose, fences and quotes with a few commands', () => {
      const block = [
        'Some discussion about the payment provider and currencies.',
        '> quoted /approve-spec from someone else',
        '```',
        '/approve-spec',
        '```',
        '',
      ];
      const lines: string[] = [];
      while (lines.length < 100_000) lines.push(...block);
      lines[50_003] = '/answer 3 yes';
      lines[99_000] = '/status';
      const body = lines.join('\n');
      expect(body.length).toBeGreaterThan(1_000_000);
      expect(summarise(parseComment(body, KNOWN))).toEqual([
        cmd('answer', 50_004, '3 yes'),
        cmd('status', 99_001),
      ]);
    });

    it('100,000 near misses stop at the cap and are all counted', () => {
      const body = '/aprove-spec\n'.repeat(100_000);
      const result = parseComment(body, KNOWN);
      expect(result.items).toHaveLength(21);
      const last = result.items.at(-1);
      expect(last?.kind === 'reply' && last.message).toContain('This comment has 100000 commands');
    });

    it('a 1 MB command name', () => {
      expect(parseComment(`/${'a'.repeat(1_000_000)}`, KNOWN).kind).toBe('ignore');
    });

    it('a 1 MB run of whitespace inside the arguments', () => {
      const [command] = commandsOf(
        parseComment(`/revise-spec a${' '.repeat(1_000_000)}b${' '.repeat(1_000_000)}`, KNOWN),
      );
      expect(command?.argv).toEqual(['a', 'b']);
    });

    it('a 1 MB line of quote markers, then a command', () => {
      expect(summarise(parseComment(`${'>'.repeat(1_000_000)}\n\n/plan`, KNOWN))).toEqual([cmd('plan', 3)]);
    });

    it('a 1 MB fence that only an equally long fence closes', () => {
      const fence = '`'.repeat(1_000_000);
      const body = `${fence}\n/approve-spec\n${'`'.repeat(999_999)}\n/status\n${fence}\n/plan`;
      expect(summarise(parseComment(body, KNOWN))).toEqual([cmd('plan', 6)]);
    });

    it('100,000 lines after an unclosed fence', () => {
      expect(parseComment(`\`\`\`\n${'/approve-spec\n'.repeat(100_000)}`, KNOWN).kind).toBe('ignore');
    });

    it('a 100,000-line answer list stays in one body', () => {
      const items = Array.from({ length: 100_000 }, (_, i) => `${i + 1}. answer`).join('\n');
      const [command] = commandsOf(parseComment(`/answer\n${items}\n\n/plan`, KNOWN));
      expect(command?.body.split('\n')).toHaveLength(100_000);
    });
  });
});
