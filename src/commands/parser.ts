import { suggestCommand } from './suggest.ts';

/**
 * Finds the slash commands in a comment body (docs/architecture.md §3). Pure: the same body always gives the
 * same result, and nothing here knows about permissions, state or Gitea.
 *
 * Grammar, line by line (lines split on LF, CRLF or a lone CR):
 * - A command is `/name` at the start of a line, after at most 3 columns of indentation (spaces,
 *   NBSP or other Unicode spaces count 1, a tab counts to the next multiple of 4 — 4+ columns
 *   is an indented code block in markdown). Invisible characters (zero-width space, BOM,
 *   direction marks) before the slash are skipped: the reader cannot see them either.
 * - `name` is an ASCII letter followed by letters, digits, `-` or `_`, matched case-insensitively,
 *   and must be followed by whitespace (NBSP included) or the end of the line. Its arguments are
 *   the rest of the line, trimmed; `argv` splits them on whitespace (no shell quoting).
 * - `/approve-spec.` (a known name followed only by sentence punctuation `.,;:!?`) is NOT run,
 *   because the user may not have meant a command, but it gets a "did you mean" so they learn
 *   why nothing happened. `/approve-spec's`, `/usr/bin`, `/plan.md` are not commands at all.
 * - Unknown names are ignored (`/shrug`, `/cc @bob`, `/2024`), unless they are a near miss of a
 *   known command (suggest.ts), which gives a suggestion instead of a command.
 * - Lines inside fenced code blocks are not commands. Fences follow CommonMark: 3+ backticks or
 *   tildes indented at most 3 columns, a backtick fence's info string has no backtick, the fence
 *   is closed by the same character repeated at least as often with nothing after it but
 *   whitespace, and an unclosed fence runs to the end of the comment.
 * - Lines of `>` block quotes (any nesting) are not commands, and neither is a line directly
 *   after a quoted paragraph: markdown continues the quote there ("lazy continuation"), so the
 *   line is shown inside the quote. For a known command in that position the result carries one
 *   reply explaining why it did not run.
 * - Lines of an HTML comment block (`<!--` at the start of a line, up to the line with `-->`)
 *   are not commands: they are invisible once rendered.
 * - A line starting with inline code (`` `/approve-spec` ``) is not a command: it does not start
 *   with a slash. Code spans that start on an earlier line and run across lines are not tracked.
 *
 * Each command also gets a `body`: the lines right after it, up to the first blank line, quote,
 * fence, HTML comment or next command line. `/answer` uses it for numbered lists and multi-line
 * answers (answers.ts); other commands may ignore it.
 *
 * At most `maxCommands` commands and suggestions per comment are returned; the rest are counted
 * and reported in one reply, so nobody wonders why their 21st command did nothing. Work is
 * linear in the size of the comment: one pass, constant work per character.
 */

export interface CommandInvocation {
  kind: 'command';
  /** Lowercase, without the slash: `approve-spec`. */
  name: string;
  /** The rest of the command line, trimmed. */
  args: string;
  /** `args` split on whitespace. */
  argv: string[];
  /** The lines that follow the command line (see the grammar above), `\n`-joined; '' if none. */
  body: string;
  /** 1-based line of the command in the comment; body lines follow it directly. */
  line: number;
  /** 0-based position among the commands of this comment: a stable key for its side effects. */
  index: number;
  /** The command line as written. */
  raw: string;
}

export interface CommandSuggestion {
  kind: 'suggestion';
  /** What the user wrote after the slash, as written: `aprove-spec`, `approve-spec.`. */
  typed: string;
  /** The known command they probably meant, without the slash: `approve-spec`. */
  suggestion: string;
  line: number;
  /** A ready-to-post reply. */
  message: string;
}

export interface ParseReply {
  kind: 'reply';
  /** Something the user should be told about their comment, ready to post. */
  message: string;
  line: number;
}

export type ParsedItem = CommandInvocation | CommandSuggestion | ParseReply;

export type ParseResult = { kind: 'ignore'; items: [] } | { kind: 'found'; items: ParsedItem[] };

export interface ParseOptions {
  /** Names to recognise (any case, slash optional): the names of `commands/index.ts`. */
  knownCommands: readonly string[];
  /** Commands and suggestions handled per comment. Defaults to `DEFAULT_MAX_COMMANDS`. */
  maxCommands?: number;
}

export const DEFAULT_MAX_COMMANDS = 20;

export function isCommand(item: ParsedItem): item is CommandInvocation {
  return item.kind === 'command';
}

/** The commands of a result, in order. */
export function commandsOf(result: ParseResult): CommandInvocation[] {
  const items: readonly ParsedItem[] = result.items;
  return items.filter(isCommand);
}

interface Fence {
  marker: '`' | '~';
  length: number;
}

/** Characters a reader cannot see; skipped before the slash. */
const INVISIBLE = /[\u200B-\u200F\u2060\uFEFF\u202A-\u202E\u2066-\u2069]/u;
const WHITESPACE = /\s/u;
const SENTENCE_PUNCTUATION = '.,;:!?';
const MAX_INDENT = 3;

function isWhitespace(char: string | undefined): boolean {
  return char !== undefined && (WHITESPACE.test(char) || INVISIBLE.test(char));
}

/** Where the content of a line starts and how many columns of indentation precede it. */
function indentation(line: string, from = 0): { column: number; position: number } {
  let column = 0;
  let position = from;
  while (position < line.length) {
    const char = line[position] as string;
    if (char === '\t') column += 4 - (column % 4);
    else if (INVISIBLE.test(char)) {
      // zero width: no column
    } else if (WHITESPACE.test(char)) column += 1;
    else break;
    position += 1;
  }
  return { column, position };
}

/** A CommonMark fence opening at `position`, if there is one. */
function openingFence(line: string, position: number): Fence | undefined {
  const marker = line[position];
  if (marker !== '`' && marker !== '~') return undefined;
  let end = position;
  while (line[end] === marker) end += 1;
  const length = end - position;
  if (length < 3) return undefined;
  if (marker === '`' && line.includes('`', end)) return undefined; // inline code, not a fence
  return { marker, length };
}

/** Whether the line (content starting at `position`, indented `column`) closes `fence`. */
function closesFence(line: string, column: number, position: number, fence: Fence): boolean {
  if (column > MAX_INDENT) return false;
  let end = position;
  while (line[end] === fence.marker) end += 1;
  if (end - position < fence.length) return false;
  return line.slice(end).trim() === '';
}

/** The content of a quote line after all its `>` markers (any nesting). */
function quotedContent(line: string, position: number): string {
  let at = position;
  while (line[at] === '>') {
    at += 1;
    const next = indentation(line, at);
    if (line[next.position] === '>' && next.column <= MAX_INDENT + 1) at = next.position;
    else break;
  }
  return line.slice(at);
}

type Candidate =
  | { kind: 'clean'; word: string; argsStart: number }
  | { kind: 'punctuated'; word: string; typed: string };

/** `/word` at `position` followed by whitespace, end of line, or only sentence punctuation. */
function commandWord(line: string, position: number): Candidate | undefined {
  if (line[position] !== '/') return undefined;
  const start = position + 1;
  if (!/[A-Za-z]/.test(line[start] ?? '')) return undefined;
  let end = start + 1;
  while (end < line.length && /[A-Za-z0-9_-]/.test(line[end] as string)) end += 1;
  const word = line.slice(start, end);
  if (end === line.length || isWhitespace(line[end])) return { kind: 'clean', word, argsStart: end };
  let after = end;
  while (after < line.length && SENTENCE_PUNCTUATION.includes(line[after] as string)) after += 1;
  if (after > end && (after === line.length || isWhitespace(line[after]))) {
    return { kind: 'punctuated', word, typed: line.slice(start, after) };
  }
  return undefined;
}

/** Trims whitespace and invisible characters; a loop, because a regex anchored at `$` backtracks. */
function trimText(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isWhitespace(text[start])) start += 1;
  while (end > start && isWhitespace(text[end - 1])) end -= 1;
  return text.slice(start, end);
}

/**
 * Whether a line starts a block that ends a paragraph, which markdown never treats as a lazy
 * continuation of a quote: a list item, an ATX heading or a thematic break.
 */
function interruptsParagraph(line: string, position: number): boolean {
  const first = line[position];
  const second = line[position + 1];
  if ((first === '-' || first === '*' || first === '+') && isWhitespace(second)) {
    if (indentation(line, position + 1).position < line.length) return true;
  }
  if (first === '1' && (second === '.' || second === ')') && isWhitespace(line[position + 2])) return true;
  if (first === '#') {
    let end = position;
    while (line[end] === '#') end += 1;
    if (end - position <= 6 && (end === line.length || isWhitespace(line[end]))) return true;
  }
  if (first === '-' || first === '*' || first === '_') {
    let count = 0;
    for (let at = position; at < line.length; at++) {
      if (line[at] === first) count += 1;
      else if (!isWhitespace(line[at])) return false;
    }
    return count >= 3;
  }
  return false;
}

function normaliseName(name: string): string {
  return name.trim().replace(/^\//, '').toLowerCase();
}

function suggestionMessage(typed: string, suggestion: string, exceptForPunctuation: boolean): string {
  return exceptForPunctuation
    ? `\`/${typed}\` was not run: a command must be followed by a space or the end of the line. ` +
        `Did you mean \`/${suggestion}\`?`
    : `\`/${typed}\` is not a command. Did you mean \`/${suggestion}\`? Comment \`/help\` to see all commands.`;
}

function lazyQuoteMessage(name: string, line: number): string {
  return (
    `\`/${name}\` on line ${line} was not run: it directly follows a quote, so it is part of the ` +
    'quote. Leave a blank line after the quote, then write the command.'
  );
}

function overflowMessage(total: number, max: number, firstIgnoredLine: number): string {
  const ignored = total - max;
  const which =
    ignored === 1
      ? `the one on line ${firstIgnoredLine} was`
      : `the other ${ignored}, from line ${firstIgnoredLine} on, were`;
  return (
    `This comment has ${total} commands; AiWorker handles at most ${max} per comment, so ${which} ` +
    'ignored. Post them in a new comment.'
  );
}

export function parseComment(body: string, opts: ParseOptions): ParseResult {
  const known = opts.knownCommands.map(normaliseName);
  const knownSet = new Set(known);
  const maxCommands = opts.maxCommands ?? DEFAULT_MAX_COMMANDS;
  const lines = body.split(/\r\n|\r|\n/);

  const items: ParsedItem[] = [];
  const bodies = new Map<CommandInvocation, string[]>();
  let found = 0; // commands and suggestions, including those over the cap
  let firstIgnoredLine = 0;
  let commandIndex = 0;

  let fence: Fence | undefined; // an open fenced code block outside quotes
  let inHtmlComment = false;
  let quoteFence: Fence | undefined; // an open fenced code block inside the current quote
  let quoteParagraphOpen = false; // the previous line was quoted paragraph text
  let lazyHintGiven = false;
  let bodyLines: string[] | undefined; // where the lines after a command go

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const lineNumber = index + 1;
    const { column, position } = indentation(line);

    if (fence) {
      if (closesFence(line, column, position, fence)) fence = undefined;
      continue;
    }
    if (inHtmlComment) {
      if (line.includes('-->')) inHtmlComment = false;
      continue;
    }
    if (position === line.length) {
      // A blank line ends paragraphs and quotes alike.
      bodyLines = undefined;
      quoteParagraphOpen = false;
      quoteFence = undefined;
      continue;
    }
    if (column > MAX_INDENT) {
      // Indented code, or a continuation of the paragraph above: never a command.
      quoteFence = undefined;
      if (!quoteParagraphOpen) bodyLines?.push(line.trimEnd());
      continue;
    }

    if (line[position] === '>') {
      bodyLines = undefined;
      const content = quotedContent(line, position);
      const inner = indentation(content);
      if (quoteFence) {
        if (closesFence(content, inner.column, inner.position, quoteFence)) quoteFence = undefined;
        quoteParagraphOpen = false;
        continue;
      }
      quoteFence = inner.column <= MAX_INDENT ? openingFence(content, inner.position) : undefined;
      quoteParagraphOpen = quoteFence === undefined && inner.position < content.length;
      continue;
    }

    // Not a quote line: any quote ends here, except for a lazy paragraph continuation.
    quoteFence = undefined;
    if (quoteParagraphOpen && interruptsParagraph(line, position)) quoteParagraphOpen = false;
    const opened = openingFence(line, position);
    if (opened) {
      fence = opened;
      bodyLines = undefined;
      quoteParagraphOpen = false;
      continue;
    }
    if (line.startsWith('<!--', position)) {
      inHtmlComment = !line.includes('-->', position + 4);
      bodyLines = undefined;
      quoteParagraphOpen = false;
      continue;
    }

    const candidate = commandWord(line, position);
    if (quoteParagraphOpen) {
      const name = candidate?.word.toLowerCase();
      if (name !== undefined && knownSet.has(name) && !lazyHintGiven) {
        items.push({ kind: 'reply', message: lazyQuoteMessage(name, lineNumber), line: lineNumber });
        lazyHintGiven = true;
      }
      continue;
    }

    if (candidate) {
      const name = candidate.word.toLowerCase();
      const isKnown = knownSet.has(name);
      // A known name with punctuation glued on is suggested back to the user rather than run.
      const suggestion = isKnown
        ? candidate.kind === 'punctuated'
          ? name
          : undefined
        : suggestCommand(name, known);
      const recognised = (candidate.kind === 'clean' && isKnown) || suggestion !== undefined;
      if (recognised) {
        found += 1;
        bodyLines = undefined;
        if (found > maxCommands) {
          if (firstIgnoredLine === 0) firstIgnoredLine = lineNumber;
          bodyLines = []; // swallow its body so it does not end up in an earlier command's
          continue;
        }
        if (candidate.kind === 'clean' && isKnown) {
          const args = trimText(line.slice(candidate.argsStart));
          const command: CommandInvocation = {
            kind: 'command',
            name,
            args,
            argv: args === '' ? [] : args.split(/[\s\u200B\u2060\uFEFF]+/u),
            body: '',
            line: lineNumber,
            index: commandIndex++,
            raw: line,
          };
          bodyLines = [];
          bodies.set(command, bodyLines);
          items.push(command);
        } else if (suggestion !== undefined) {
          const typed = candidate.kind === 'punctuated' ? candidate.typed : candidate.word;
          items.push({
            kind: 'suggestion',
            typed,
            suggestion,
            line: lineNumber,
            message: suggestionMessage(typed, suggestion, isKnown),
          });
        }
        continue;
      }
    }
    bodyLines?.push(line.trimEnd());
  }

  for (const [command, lines] of bodies) command.body = lines.join('\n');
  if (found > maxCommands) {
    items.push({
      kind: 'reply',
      message: overflowMessage(found, maxCommands, firstIgnoredLine),
      line: firstIgnoredLine,
    });
  }
  return items.length === 0 ? { kind: 'ignore', items: [] } : { kind: 'found', items };
}
