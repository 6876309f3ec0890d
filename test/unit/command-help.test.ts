import { describe, expect, it } from 'vitest';
import { type HelpEntry, renderHelp } from '../../src/commands/help-table.ts';
import { COMMANDS, findCommand, KNOWN_COMMAND_NAMES } from '../../src/commands/index.ts';
import { commandsOf, parseComment } from '../../src/commands/parser.ts';

/** The commands this instance knows, as the command runner passes them. */
const KNOWN = { knownCommands: KNOWN_COMMAND_NAMES };

/** The cells of a markdown table row, honouring `\|` escapes. */
function cells(row: string): string[] {
  return row
    .replace(/^\|\s*|\s*\|$/g, '')
    .split(/\s*(?<!\\)\|\s*/)
    .map((cell) => cell.replace(/\\\|/g, '|'));
}

function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // header and delimiter
    .map(cells);
}

describe('the catalog', () => {
  it('lists the thirteen commands of the product', () => {
    expect(KNOWN_COMMAND_NAMES).toEqual([
      'help',
      'status',
      'answer',
      'spec',
      'revise-spec',
      'approve-spec',
      'decompose',
      'plan',
      'dispatch',
      'retry',
      'cancel',
      'promote',
      'rollback',
    ]);
  });

  it.each(COMMANDS.map((entry) => [entry.name, entry] as const))(
    '/%s has a usage, a one-line description and examples the parser runs as that command',
    (name, entry) => {
      expect(entry.usage.startsWith(`/${name}`)).toBe(true);
      expect(entry.description).not.toContain('\n');
      expect(entry.examples.length).toBeGreaterThan(0);
      for (const example of entry.examples) {
        expect(commandsOf(parseComment(example, KNOWN)).map((command) => command.name)).toEqual([name]);
      }
    },
  );

  it('finds entries however the name is written', () => {
    expect(findCommand('/Approve-Spec')?.name).toBe('approve-spec');
    expect(findCommand('deploy')).toBeUndefined();
  });
});

describe('renderHelp', () => {
  const help = renderHelp(COMMANDS, { repo: 'acme/shop' });
  const rows = tableRows(help);

  it('has one row per command, in catalog order, with four cells each', () => {
    expect(rows.map((row) => row[0])).toEqual(COMMANDS.map((entry) => `\`${entry.usage}\``));
    for (const row of rows) expect(row).toHaveLength(4);
  });

  it('shows what each command does, who can use it and an example', () => {
    const byCommand = new Map(rows.map((row) => [row[0], row]));
    expect(byCommand.get('`/help`')).toEqual(['`/help`', 'Show this list of commands.', 'anyone', '`/help`']);
    expect(byCommand.get('`/approve-spec`')?.[2]).toBe('write access');
    expect(byCommand.get('`/answer <number> <answer>`')?.[2]).toBe('issue author or write access');
    expect(byCommand.get('`/promote <staging|production>`')?.slice(2)).toEqual([
      'staging: write access · production: admin access',
      '`/promote production`<br>`/promote staging`',
    ]);
  });

  it('names the repo and says where commands are recognised', () => {
    expect(help.split('\n')[0]).toBe('### AiWorker commands in acme/shop');
    expect(help).toContain('at the start of a line');
    expect(help).toContain('| Command | What it does | Who can use it | Example |');
  });

  it("reflects the repo's permission overrides", () => {
    const overridden = tableRows(
      renderHelp(COMMANDS, { overrides: { 'approve-spec': 'admin', 'promote staging': 'admin' } }),
    );
    const byCommand = new Map(overridden.map((row) => [row[0], row]));
    expect(byCommand.get('`/approve-spec`')?.[2]).toBe('admin access');
    expect(byCommand.get('`/spec`')?.[2]).toBe('write access');
    expect(byCommand.get('`/promote <staging|production>`')?.[2]).toBe(
      'staging: admin access · production: admin access',
    );
  });

  it('keeps the table intact for descriptors with pipes, backticks and line breaks', () => {
    const custom: HelpEntry = {
      name: 'deploy',
      usage: '/deploy <a|b>',
      description: 'Deploys a | b,\nfast.',
      examples: ['/deploy `a`'],
      permission: 'admin',
    };
    expect(tableRows(renderHelp([custom]))).toEqual([
      ['`/deploy <a|b>`', 'Deploys a | b, fast.', 'admin access', '`` /deploy `a` ``'],
    ]);
  });
});
