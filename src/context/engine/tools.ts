import { type FileRole, fileNameOf } from '../path-roles.ts';
import type { Chunk } from './chunks.ts';
import { type EmbeddingsClient, fuseByReciprocalRank } from './embeddings.ts';
import type { RepoIndex } from './repo-index.ts';
import type { RepoMap } from './repo-map.ts';
import type { Definition, ReferenceKind } from './symbols.ts';

/** What the MCP tools `search_codebase`, `get_file`, `get_repo_map` and `find_symbol` answer with. */

export interface CodeSearchOptions {
  /** Chunks returned (1–50, default 10). */
  limit?: number;
  /** Only files whose path starts with this. */
  pathPrefix?: string;
  /** Include each chunk's text (read from the source). */
  withText?: boolean;
  /** For hybrid search; the index must have been built with the same client. */
  embeddings?: EmbeddingsClient;
  signal?: AbortSignal;
}

export interface CodeSearchHit extends Omit<Chunk, 'id'> {
  score: number;
  text?: string;
}

export interface CodeSearchResult {
  query: string;
  /** `bm25`, or `hybrid` when embeddings were fused in. */
  mode: 'bm25' | 'hybrid';
  hits: CodeSearchHit[];
  /** Files ranked by their best chunks: what to open first. */
  files: Array<{ path: string; score: number }>;
  /** Why semantic search was not used although configured, if so. */
  note?: string;
}

/** Tests and docs answer fewer requests than the code they describe. */
const ROLE_FACTOR: Record<FileRole, number> = {
  source: 1,
  config: 0.8,
  test: 0.6,
  docs: 0.55,
  generated: 0.2,
};
const CANDIDATES = 200;
const MAX_QUERY_CHARS = 2_000;

function checkedLimit(limit: number | undefined, fallback: number, max: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new RangeError(`limit must be an integer from 1 to ${max}`);
  return value;
}

async function rankedChunks(
  index: RepoIndex,
  query: string,
  options: CodeSearchOptions,
): Promise<{ ranked: Array<{ id: number; score: number }>; mode: 'bm25' | 'hybrid'; note?: string }> {
  const prefix = options.pathPrefix?.replace(/^\/+/, '');
  const filter = prefix ? (id: number) => index.chunks.get(id)?.path.startsWith(prefix) ?? false : undefined;
  const weigh = (id: number, score: number) => {
    const chunk = index.chunks.get(id);
    const role = chunk ? index.files.get(chunk.path)?.role : undefined;
    return score * ROLE_FACTOR[role ?? 'source'];
  };
  const lexical = index.search
    .query(query, CANDIDATES, filter)
    .map(({ id, score }) => ({ id, score: weigh(id, score) }))
    .sort((a, b) => b.score - a.score);
  if (!options.embeddings || index.vectors.size === 0) {
    const note = index.embeddingsProblem ? `semantic search off: ${index.embeddingsProblem}` : undefined;
    return { ranked: lexical, mode: 'bm25', ...(note ? { note } : {}) };
  }
  try {
    const [vector] = await options.embeddings.embed([query], options.signal);
    if (!vector) return { ranked: lexical, mode: 'bm25' };
    const semantic = index.vectors.nearest(vector, CANDIDATES, filter);
    return { ranked: fuseByReciprocalRank([lexical, semantic]), mode: 'hybrid' };
  } catch (error) {
    return { ranked: lexical, mode: 'bm25', note: `semantic search failed: ${(error as Error).message}` };
  }
}

/** Files by their chunks: the best chunk counts fully, the second best a quarter. */
function rankFilesOf(
  index: RepoIndex,
  ranked: ReadonlyArray<{ id: number; score: number }>,
): Array<{ path: string; score: number }> {
  const best = new Map<string, number[]>();
  for (const { id, score } of ranked) {
    const chunk = index.chunks.get(id);
    if (!chunk) continue;
    const scores = best.get(chunk.path) ?? [];
    if (scores.length < 2) scores.push(score);
    best.set(chunk.path, scores);
  }
  return [...best.entries()]
    .map(([path, [first = 0, second = 0]]) => ({
      path,
      score: Math.round((first + 0.25 * second) * 1000) / 1000,
    }))
    .sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : 1));
}

function hitOf(chunk: Chunk, score: number): CodeSearchHit {
  const { id: _id, ...rest } = chunk;
  return { ...rest, score: Math.round(score * 1000) / 1000 };
}

/** Searches the index: symbol-sized chunks ranked by BM25 (fused with embeddings when available). */
export async function searchCode(
  index: RepoIndex,
  query: string,
  options: CodeSearchOptions = {},
): Promise<CodeSearchResult> {
  const trimmed = query.trim().slice(0, MAX_QUERY_CHARS);
  if (trimmed === '') throw new Error('search query is empty');
  const limit = checkedLimit(options.limit, 10, 50);
  const { ranked, mode, note } = await rankedChunks(index, trimmed, options);
  const hits = ranked
    .slice(0, limit)
    .map(({ id, score }) => {
      const chunk = index.chunks.get(id);
      return chunk ? hitOf(chunk, score) : undefined;
    })
    .filter((hit): hit is CodeSearchHit => hit !== undefined);
  if (options.withText) await attachText(index, hits, options.signal);
  return {
    query: trimmed,
    mode,
    hits,
    files: rankFilesOf(index, ranked).slice(0, 20),
    ...(note ? { note } : {}),
  };
}

const MAX_CHUNK_TEXT_LINES = 120;

async function attachText(index: RepoIndex, hits: CodeSearchHit[], signal?: AbortSignal): Promise<void> {
  const texts = await index.source.readFiles([...new Set(hits.map((hit) => hit.path))], signal);
  for (const hit of hits) {
    const lines = texts.get(hit.path)?.split(/\r?\n/);
    if (!lines) continue;
    const end = Math.min(hit.endLine, hit.startLine + MAX_CHUNK_TEXT_LINES - 1);
    hit.text = lines.slice(hit.startLine - 1, end).join('\n');
  }
}

export interface FileAnswer {
  path: string;
  /** The lines asked for (all by default, at most 2,000). */
  startLine: number;
  endLine: number;
  totalLines: number;
  text: string;
  /** The file's definitions: an outline to ask for parts by line. */
  outline: Array<Pick<Definition, 'name' | 'kind' | 'startLine' | 'endLine' | 'signature'>>;
}

export class FileNotAvailableError extends Error {}

const MAX_FILE_LINES = 2_000;

/** A file (or a line range of it) at the index's commit, with its outline. */
export async function getFile(
  index: RepoIndex,
  path: string,
  range: { startLine?: number; endLine?: number } = {},
): Promise<FileAnswer> {
  const clean = path.replace(/^\/+/, '');
  const record = index.files.get(clean);
  if (!record) {
    const skipped = index.skipped.find((file) => file.path === clean);
    throw new FileNotAvailableError(
      skipped
        ? `${clean} is not indexed: ${skipped.reason}`
        : `${clean} does not exist at ${index.commitSha.slice(0, 12)}`,
    );
  }
  const text = (await index.source.readFiles([clean])).get(clean);
  if (text == null) throw new FileNotAvailableError(`${clean} could not be read`);
  const lines = text.split(/\r?\n/);
  const startLine = Math.max(1, range.startLine ?? 1);
  const endLine = Math.min(lines.length, range.endLine ?? lines.length, startLine + MAX_FILE_LINES - 1);
  return {
    path: clean,
    startLine,
    endLine,
    totalLines: lines.length,
    text: lines.slice(startLine - 1, endLine).join('\n'),
    outline: record.definitions.map(({ name, kind, startLine: s, endLine: e, signature }) => ({
      name,
      kind,
      startLine: s,
      endLine: e,
      signature,
    })),
  };
}

/** The repo map: files ranked by PageRank over the reference graph, with key signatures. */
export function getRepoMap(
  index: RepoIndex,
  options: { maxTokens?: number; focusFiles?: readonly string[] } = {},
): RepoMap {
  const maxTokens = options.maxTokens ?? 1_024;
  if (!Number.isInteger(maxTokens) || maxTokens < 64 || maxTokens > 32_768)
    throw new RangeError('maxTokens must be an integer from 64 to 32768');
  return index.repoMap(maxTokens, options.focusFiles ?? []);
}

export interface SymbolLocation {
  path: string;
  startLine: number;
  endLine: number;
  kind: string;
  signature: string;
  container?: string;
}

export interface SymbolReference {
  path: string;
  line: number;
  kind: ReferenceKind;
  /** The line, trimmed, at most 200 characters. */
  text: string;
}

export interface FindSymbolResult {
  name: string;
  definitions: SymbolLocation[];
  references: SymbolReference[];
  /** References found in all (the list may be cut at `maxReferences`). */
  referenceCount: number;
}

/** Accepts `name`, `Container.name` or `Container::name`. */
function splitQualified(name: string): { container?: string; name: string } {
  const match = /^(.+?)(?:\.|::|#)([^.:#]+)$/.exec(name.trim());
  return match ? { container: match[1] as string, name: match[2] as string } : { name: name.trim() };
}

/** Where a symbol is defined and where it is used ("who calls this"). */
export async function findSymbol(
  index: RepoIndex,
  query: string,
  options: { includeReferences?: boolean; maxReferences?: number; signal?: AbortSignal } = {},
): Promise<FindSymbolResult> {
  const { container, name } = splitQualified(query);
  if (name === '') throw new Error('symbol name is empty');
  const table = index.symbolTable();
  let found = table.definitions.get(name) ?? [];
  if (found.length === 0) {
    const lower = name.toLowerCase();
    found = [...table.definitions.entries()]
      .filter(([key]) => key.toLowerCase() === lower)
      .flatMap(([, list]) => list);
  }
  if (container) found = found.filter(({ definition }) => definition.container === container);
  const definitions = found.map(({ path, definition }) => ({
    path,
    startLine: definition.startLine,
    endLine: definition.endLine,
    kind: definition.kind,
    signature: definition.signature,
    ...(definition.container ? { container: definition.container } : {}),
  }));
  const actualName = found[0]?.definition.name ?? name;
  const all = options.includeReferences === false ? [] : (table.references.get(actualName) ?? []);
  const maxReferences = options.maxReferences ?? 100;
  const chosen = [...all]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.reference.line - b.reference.line))
    .slice(0, maxReferences);
  const texts = await index.source.readFiles([...new Set(chosen.map((r) => r.path))], options.signal);
  const linesOf = new Map([...texts].map(([path, text]) => [path, text?.split(/\r?\n/) ?? []]));
  const references = chosen.map(({ path, reference }) => {
    const line = (linesOf.get(path)?.[reference.line - 1] ?? '').trim();
    return {
      path,
      line: reference.line,
      kind: reference.kind,
      text: line.length > 200 ? `${line.slice(0, 199)}…` : line,
    };
  });
  return { name: actualName, definitions, references, referenceCount: all.length };
}

export interface BreakingChangeHint {
  symbol: string;
  definitions: SymbolLocation[];
  /** Uses outside the definition itself, by file. */
  callSites: Array<{ path: string; lines: number[] }>;
  /** One sentence for a spec or a plan. */
  summary: string;
}

/** For symbols a change plans to alter: where they are used, so callers are not forgotten. */
export async function breakingChangeHints(
  index: RepoIndex,
  symbols: readonly string[],
): Promise<BreakingChangeHint[]> {
  const hints: BreakingChangeHint[] = [];
  for (const symbol of symbols) {
    const found = await findSymbol(index, symbol, { includeReferences: false });
    if (found.definitions.length === 0) continue;
    const uses = index.symbolTable().references.get(found.name) ?? [];
    const byFile = new Map<string, number[]>();
    for (const { path, reference } of uses) {
      const insideDefinition = found.definitions.some(
        (d) => d.path === path && reference.line >= d.startLine && reference.line <= d.endLine,
      );
      if (insideDefinition) continue;
      byFile.set(path, [...(byFile.get(path) ?? []), reference.line]);
    }
    const callSites = [...byFile.entries()]
      .map(([path, lines]) => ({ path, lines }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    const count = callSites.reduce((sum, site) => sum + site.lines.length, 0);
    const where = found.definitions.map((d) => `${d.path}:${d.startLine}`).join(', ');
    const summary =
      count === 0
        ? `${found.name} (${where}) has no uses elsewhere in the repository.`
        : `${found.name} (${where}) is used ${count} time(s) in ${callSites.length} file(s): ${callSites
            .slice(0, 6)
            .map((site) => `${site.path}:${site.lines.slice(0, 3).join(',')}`)
            .join(
              '; ',
            )}${callSites.length > 6 ? '; …' : ''}. Changing its signature or behaviour affects them.`;
    hints.push({ symbol: found.name, definitions: found.definitions, callSites, summary });
  }
  return hints;
}

/** Identifiers in a text that the repository defines (`markOrderPaid`, `OrderService`, `list_orders`). */
export function symbolsNamedIn(index: RepoIndex, text: string): string[] {
  const table = index.symbolTable();
  const found = new Set<string>();
  for (const match of text.matchAll(/`([^`\n]{2,80})`|\b([A-Za-z_][A-Za-z0-9_]{3,})\b/g)) {
    const token = (match[1] ?? match[2] ?? '').replace(/\(.*$/, '').trim();
    const { name } = splitQualified(token);
    const codeLike = match[1] !== undefined || /[a-z][A-Z]|_[a-z]|^[A-Z][a-z]+[A-Z]/.test(name);
    if (codeLike && table.definitions.has(name)) found.add(name);
  }
  return [...found];
}

export interface NamedFile {
  /** As written in the text. */
  mention: string;
  /** The indexed file it names, if it exists. */
  path?: string;
  exists: boolean;
}

/** Paths and file names a text mentions, checked against the repository. */
export function filesNamedIn(index: RepoIndex, text: string): NamedFile[] {
  const byName = new Map<string, string[]>();
  for (const path of index.files.keys()) {
    const name = fileNameOf(path);
    byName.set(name, [...(byName.get(name) ?? []), path]);
  }
  const named: NamedFile[] = [];
  const seen = new Set<string>();
  for (const match of text.matchAll(
    /(?:^|[\s`'"(])((?:[\w.-]+\/)*[\w-]+\.[A-Za-z][\w]{0,9})(?=$|[\s`'"),:;]|\.(?:\s|$))/gm,
  )) {
    const mention = (match[1] ?? '').replace(/^\.\//, '');
    if (seen.has(mention) || /^\d+\.\d+/.test(mention) || /^(e\.g|i\.e|etc)\b/.test(mention)) continue;
    seen.add(mention);
    if (index.files.has(mention)) {
      named.push({ mention, path: mention, exists: true });
      continue;
    }
    const suffix = [...index.files.keys()].find((path) => path.endsWith(`/${mention}`));
    const byFileName = mention.includes('/') ? undefined : byName.get(mention)?.[0];
    const path = suffix ?? byFileName;
    if (path) named.push({ mention, path, exists: true });
    else if (
      mention.includes('/') ||
      /\.(ts|tsx|js|jsx|py|go|java|rs|rb|php|cs|sql|vue|json|ya?ml|toml)$/.test(mention)
    )
      named.push({ mention, exists: false });
  }
  return named;
}
