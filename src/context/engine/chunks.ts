import type { Definition } from './symbols.ts';

/** A piece of a file the search ranks: one definition, or a run of top-level lines. */
export interface Chunk {
  id: number;
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** The definition the chunk is, when it is one. */
  symbol?: string;
  kind?: string;
  container?: string;
  signature?: string;
}

/** A definition longer than this is split into its header and its members. */
const MAX_DEFINITION_LINES = 80;
/** Lines outside any definition (and files without symbols) go in windows of this many lines. */
const WINDOW_LINES = 40;

type ChunkSpan = Omit<Chunk, 'id' | 'path'>;

function definitionSpan(definition: Definition, endLine = definition.endLine): ChunkSpan {
  return {
    startLine: definition.startLine,
    endLine,
    symbol: definition.name,
    kind: definition.kind,
    ...(definition.container ? { container: definition.container } : {}),
    signature: definition.signature,
  };
}

function windows(from: number, to: number, lines: readonly string[]): ChunkSpan[] {
  const spans: ChunkSpan[] = [];
  for (let start = from; start <= to; start += WINDOW_LINES) {
    const end = Math.min(to, start + WINDOW_LINES - 1);
    const hasText = lines.slice(start - 1, end).some((line) => line.trim() !== '');
    if (hasText) spans.push({ startLine: start, endLine: end });
  }
  return spans;
}

/** Definitions directly inside `parent` (by line range), in order. */
function childrenOf(parent: Definition, definitions: readonly Definition[]): Definition[] {
  const inside = definitions.filter(
    (d) => d !== parent && d.startLine > parent.startLine && d.endLine <= parent.endLine,
  );
  return inside.filter(
    (d) =>
      !inside.some(
        (o) =>
          o !== d &&
          o.startLine <= d.startLine &&
          o.endLine >= d.endLine &&
          (o.startLine < d.startLine || o.endLine > d.endLine),
      ),
  );
}

function spansOf(unit: Definition, definitions: readonly Definition[]): ChunkSpan[] {
  const length = unit.endLine - unit.startLine + 1;
  const children = length > MAX_DEFINITION_LINES ? childrenOf(unit, definitions) : [];
  if (children.length === 0) return [definitionSpan(unit)];
  const first = children[0] as Definition;
  const header = definitionSpan(unit, Math.max(unit.startLine, first.startLine - 1));
  return [header, ...children.flatMap((child) => spansOf(child, definitions))];
}

/**
 * Cuts a file into chunks: each outermost definition is one chunk (a long class becomes its
 * header plus one chunk per member), the lines between definitions become windows, and a file
 * without definitions is all windows.
 */
export function chunkFile(
  path: string,
  lines: readonly string[],
  definitions: readonly Definition[],
  nextId: () => number,
): Chunk[] {
  const sorted = [...definitions].sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  const spans: ChunkSpan[] = [];
  let covered = 0;
  for (const definition of sorted) {
    if (definition.startLine <= covered) continue;
    if (definition.startLine > covered + 1)
      spans.push(...windows(covered + 1, definition.startLine - 1, lines));
    spans.push(...spansOf(definition, sorted));
    covered = Math.max(covered, definition.endLine);
  }
  if (covered < lines.length) spans.push(...windows(covered + 1, lines.length, lines));
  return spans.map((span) => ({ id: nextId(), path, ...span }));
}

/** The text of a chunk, as indexed and as shown. */
export function chunkText(lines: readonly string[], chunk: Pick<Chunk, 'startLine' | 'endLine'>): string {
  return lines.slice(chunk.startLine - 1, chunk.endLine).join('\n');
}
