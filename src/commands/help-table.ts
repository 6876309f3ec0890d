import { describeRequirement, type PermissionOverrides, requirementFor } from '../domain/permissions.ts';
import { tableCell } from '../planning/render/markdown.ts';
import type { Command } from './command.ts';

/** The `/help` reply, generated from the commands themselves so it can never drift from them. */

export type HelpEntry = Pick<
  Command,
  'name' | 'usage' | 'description' | 'examples' | 'permission' | 'permissionByArgument'
>;

export interface HelpOptions {
  /** The repo's permission overrides, so the table shows who can run what in this repo. */
  overrides?: PermissionOverrides;
  /** `owner/repo`, named in the introduction. */
  repo?: string;
}

/**
 * Inline code that survives a GFM table cell: pipes are escaped (GFM unescapes `\|` even inside
 * code spans), and a longer backtick fence is used when the text itself contains backticks.
 */
function code(text: string): string {
  const escaped = text.replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  return longestRun === 0 ? `${fence}${escaped}${fence}` : `${fence} ${escaped} ${fence}`;
}

/** "write access", or per argument "staging: write access · production: admin access". */
function whoCanUse(entry: HelpEntry, overrides: PermissionOverrides | undefined): string {
  const argumentsWithRules = Object.keys(entry.permissionByArgument ?? {});
  if (argumentsWithRules.length === 0) return describeRequirement(requirementFor(entry, [], overrides));
  const perArgument = argumentsWithRules.map(
    (argument) => `${argument}: ${describeRequirement(requirementFor(entry, [argument], overrides))}`,
  );
  return perArgument.join(' · ');
}

export function renderHelp(commands: readonly HelpEntry[], opts: HelpOptions = {}): string {
  const where = opts.repo ? ` in ${opts.repo}` : '';
  const rows = commands.map((entry) =>
    [
      code(entry.usage),
      tableCell(entry.description),
      tableCell(whoCanUse(entry, opts.overrides)),
      entry.examples.map(code).join('<br>'),
    ].join(' | '),
  );
  return [
    `### AiWorker commands${where}`,
    '',
    'Write a command at the start of a line in any issue or pull request comment; several commands ' +
      'in one comment are fine. Lines inside code blocks, `>` quotes and HTML comments are ignored.',
    '',
    '| Command | What it does | Who can use it | Example |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}
