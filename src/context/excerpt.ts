import { stemMatch, wordStems } from './keywords.ts';

export const MAX_EXCERPT_CHARS = 1500;
const MAX_EXCERPT_LINES = 40;
const MAX_LINE_CHARS = 200;
/** Lines shown before and after a line that mentions a keyword. */
const CONTEXT_LINES = 3;

/** The keywords a line of text mentions (as whole words, after stemming). */
export function keywordsInLine(line: string, keywords: readonly string[]): string[] {
  if (keywords.length === 0) return [];
  const stems = wordStems(line.length > 1000 ? line.slice(0, 1000) : line);
  return keywords.filter((keyword) => stems.some((found) => stemMatch(keyword, found) !== null));
}

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line;
}

/** Lines that carry no content: blank, or only comment punctuation. */
function isFiller(line: string): boolean {
  return /^\s*(\/\*+|\*+\/|\*|\/\/+|#+|"""|'''|--|<!--|-->)?\s*$/.test(line);
}

const COMMENT_LINE = /^\s*(\/\/|#|\*|\/\*|\*\/|--|<!--|-->|"""|''')/;

/** Index of the first line after a leading license header (0 when the file has none). */
function afterLicenseHeader(lines: readonly string[]): number {
  let end = 0;
  while (end < lines.length && (COMMENT_LINE.test(lines[end] ?? '') || (lines[end] ?? '').trim() === ''))
    end++;
  const header = lines.slice(0, end).join('\n');
  return /copyright|license|licence|spdx/i.test(header) ? end : 0;
}

/** Adds lines while they fit in the budget; returns the joined text. */
function linesWithin(lines: readonly string[], maxChars: number): string {
  let text = '';
  for (const line of lines) {
    const next = text === '' ? line : `${text}\n${line}`;
    if (next.length > maxChars) break;
    text = next;
  }
  return text;
}

function openingLines(lines: readonly string[], maxChars: number): string {
  const meaningful = lines
    .slice(afterLicenseHeader(lines))
    .filter((line) => !isFiller(line))
    .slice(0, MAX_EXCERPT_LINES)
    .map(clip);
  return linesWithin(meaningful, maxChars);
}

export interface Excerpt {
  text: string;
  /** Keywords the file's text mentions. */
  mentioned: string[];
}

/**
 * A short view of a file for a prompt: the lines around the places that mention the issue's
 * keywords, or, when none do, the file's first meaningful lines.
 */
export function excerptOf(
  content: string,
  keywords: readonly string[],
  maxChars = MAX_EXCERPT_CHARS,
): Excerpt {
  const lines = content.split(/\r?\n/).map((line) => line.replace(/\s+$/, ''));
  const mentioned = new Set<string>();
  const hits: number[] = [];
  for (const [index, line] of lines.entries()) {
    const found = keywordsInLine(line, keywords);
    if (found.length === 0) continue;
    hits.push(index);
    for (const keyword of found) mentioned.add(keyword);
  }
  if (hits.length === 0) return { text: openingLines(lines, maxChars), mentioned: [] };

  const windows: Array<[number, number]> = [];
  for (const hit of hits) {
    const start = Math.max(0, hit - CONTEXT_LINES);
    const end = Math.min(lines.length - 1, hit + CONTEXT_LINES);
    const last = windows[windows.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else windows.push([start, end]);
  }
  const shown: string[] = [];
  for (const [index, [start, end]] of windows.entries()) {
    if (index > 0) shown.push('…');
    for (const line of lines.slice(start, end + 1)) if (line.trim() !== '') shown.push(clip(line));
  }
  const text = linesWithin(shown, maxChars).replace(/\n…$/, '');
  return { text, mentioned: keywords.filter((keyword) => mentioned.has(keyword)) };
}
