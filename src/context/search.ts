import { mapBounded, READ_CONCURRENCY } from './bounded-map.ts';
import type { RepoContextCache } from './cache.ts';
import { keywordsInLine } from './excerpt.ts';
import { looksBinary } from './index-repository.ts';
import { keywordStems, words } from './keywords.ts';
import { depthOf, isIndexable, ROLE_RANK, roleOf } from './path-roles.ts';
import { byCodePoint, compareRanked, type IndexedFile, type RankedPath, rankPaths } from './relevance.ts';
import { MAX_SNAPSHOT_FILES } from './repo-snapshot.ts';
import type { RepoReader } from './types.ts';

export interface SearchCodebaseOptions {
  /** Only files whose path starts with this (e.g. `src/payments/`). */
  pathPrefix?: string;
  /** Files returned (1–100, default 20). */
  maxResults?: number;
  /** Files whose text is read and searched (1–200, default 60): the bound on Gitea reads. */
  maxFilesRead?: number;
  /** Matching lines returned per file (1–50, default 5). */
  maxMatchesPerFile?: number;
  signal?: AbortSignal;
  /** With `repo`: take the file list from the cached snapshot of this commit when there is one. */
  cache?: RepoContextCache;
  repo?: string;
}

export interface SearchMatch {
  /** 1-based line number. */
  line: number;
  /** The line, trimmed and cut to 200 characters. */
  text: string;
}

export interface SearchResult {
  path: string;
  score: number;
  /** Query keywords found in the path. */
  pathMatches: string[];
  /** Matching lines, in file order. */
  matches: SearchMatch[];
}

export interface SearchCodebaseResult {
  query: string;
  results: SearchResult[];
  /** Readable files the search could look at (after `pathPrefix`). */
  filesConsidered: number;
  /** Files whose text was actually searched. */
  filesRead: number;
  /** False when some files were not searched (the read bound, or a truncated tree). */
  complete: boolean;
}

const MAX_QUERY_CHARS = 500;
const MAX_SNIPPET_CHARS = 200;
/** A whole-query hit on a line outweighs single keywords. */
const PHRASE_LINE_SCORE = 3;
/** Path matches count double: a file named after the query is usually the answer. */
const PATH_SCORE_WEIGHT = 2;
/** Lines counted towards a file's score, so one huge file full of hits does not drown the rest. */
const SCORED_LINES_PER_FILE = 10;

function bounded(value: number | undefined, fallback: number, max: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1 || result > max) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${result}`);
  }
  return result;
}

async function listFiles(
  reader: RepoReader,
  commitSha: string,
  options: SearchCodebaseOptions,
): Promise<{ files: IndexedFile[]; partial: boolean }> {
  const snapshot =
    options.cache && options.repo ? options.cache.peek({ repo: options.repo, commitSha }) : undefined;
  if (snapshot)
    return {
      files: snapshot.files,
      partial: snapshot.truncated || snapshot.files.length >= MAX_SNAPSHOT_FILES,
    };
  const tree = await reader.getTree(commitSha);
  const files = tree.entries
    .filter((entry) => entry.type === 'blob' && isIndexable(entry.path, entry.size))
    .map(({ path, size }) => ({ path, size }));
  return { files, partial: tree.truncated };
}

/** Files matching by path first (best first), then the rest: source before tests, shallow before deep. */
function readingOrder(files: readonly IndexedFile[], ranked: readonly RankedPath[]): IndexedFile[] {
  const rankedPaths = new Set(ranked.map((entry) => entry.path));
  const rest = files
    .filter((file) => !rankedPaths.has(file.path))
    .map((file) => ({ file, role: ROLE_RANK[roleOf(file.path)], depth: depthOf(file.path) }))
    .sort((a, b) => a.role - b.role || a.depth - b.depth || byCodePoint(a.file.path, b.file.path))
    .map(({ file }) => file);
  return [...ranked.map(({ path, size }) => ({ path, size })), ...rest];
}

interface ScoredLine {
  line: number;
  score: number;
  text: string;
}

function matchingLines(text: string, phrase: string, keywords: readonly string[]): ScoredLine[] {
  // A cheap substring test first: any word a keyword can match contains the keyword's first letters.
  const probes = keywords.map((keyword) => keyword.slice(0, 4));
  const found: ScoredLine[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const lower = line.toLowerCase();
    const phraseHit = phrase.length >= 2 && lower.includes(phrase);
    const mayMatch = probes.some((probe) => lower.includes(probe));
    if (!phraseHit && !mayMatch) continue;
    const score =
      (phraseHit ? PHRASE_LINE_SCORE : 0) + (mayMatch ? keywordsInLine(line, keywords).length : 0);
    if (score === 0) continue;
    const trimmed = line.trim();
    const snippet =
      trimmed.length > MAX_SNIPPET_CHARS ? `${trimmed.slice(0, MAX_SNIPPET_CHARS - 1)}…` : trimmed;
    found.push({ line: index + 1, score, text: snippet });
  }
  return found;
}

/**
 * Searches a repository at a commit by path and content: paths are ranked by the query's
 * keywords, then a bounded number of files (path matches first) are read and searched line by
 * line for the whole query and its keywords. Returns the best files with line numbers and
 * snippets, and says whether every file was searched.
 */
export async function searchCodebase(
  reader: RepoReader,
  commitSha: string,
  query: string,
  options: SearchCodebaseOptions = {},
): Promise<SearchCodebaseResult> {
  const trimmedQuery = query.trim();
  if (trimmedQuery === '') throw new Error('search query is empty');
  if (trimmedQuery.length > MAX_QUERY_CHARS)
    throw new Error(`search query is longer than ${MAX_QUERY_CHARS} characters`);
  const maxResults = bounded(options.maxResults, 20, 100, 'maxResults');
  const maxFilesRead = bounded(options.maxFilesRead, 60, 200, 'maxFilesRead');
  const maxMatchesPerFile = bounded(options.maxMatchesPerFile, 5, 50, 'maxMatchesPerFile');
  options.signal?.throwIfAborted();

  const listed = await listFiles(reader, commitSha, options);
  const prefix = options.pathPrefix?.replace(/^\/+/, '') ?? '';
  const files = prefix === '' ? listed.files : listed.files.filter((file) => file.path.startsWith(prefix));
  const keywords = keywordStems(trimmedQuery);
  const phrase = trimmedQuery.toLowerCase();
  // A compound identifier (`markOrderPaid`, `order_total`) asks for itself: its parts still
  // rank paths, but only the identifier matches lines.
  const isIdentifier = !/\s/.test(trimmedQuery) && words(trimmedQuery).length > 1;
  const lineKeywords = isIdentifier ? [] : keywords;
  const { ranked } = rankPaths(files, keywords);
  const byPath = new Map(ranked.map((entry) => [entry.path, entry]));
  const toRead = readingOrder(files, [...ranked].sort(compareRanked)).slice(0, maxFilesRead);

  const searched = await mapBounded(
    toRead,
    READ_CONCURRENCY,
    async (file) => {
      const text = await reader.getFile(file.path, commitSha);
      return text === null || looksBinary(text) ? [] : matchingLines(text, phrase, lineKeywords);
    },
    options.signal,
  );

  const results: SearchResult[] = [];
  toRead.forEach((file, index) => {
    const lines = searched[index] ?? [];
    const pathMatch = byPath.get(file.path);
    const phraseInPath = phrase.length >= 3 && file.path.toLowerCase().includes(phrase);
    if (lines.length === 0 && !pathMatch && !phraseInPath) return;
    const best = [...lines].sort((a, b) => b.score - a.score || a.line - b.line);
    const contentScore = best.slice(0, SCORED_LINES_PER_FILE).reduce((sum, line) => sum + line.score, 0);
    const pathScore = (pathMatch?.score ?? 0) + (phraseInPath ? PHRASE_LINE_SCORE : 0);
    results.push({
      path: file.path,
      score: Math.round((pathScore * PATH_SCORE_WEIGHT + contentScore) * 100) / 100,
      pathMatches: pathMatch?.matched ?? [],
      matches: best
        .slice(0, maxMatchesPerFile)
        .sort((a, b) => a.line - b.line)
        .map(({ line, text }) => ({ line, text })),
    });
  });
  results.sort((a, b) => b.score - a.score || byCodePoint(a.path, b.path));

  return {
    query: trimmedQuery,
    results: results.slice(0, maxResults),
    filesConsidered: files.length,
    filesRead: toRead.length,
    complete: !listed.partial && toRead.length === files.length,
  };
}
