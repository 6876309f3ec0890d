import { rankLanguages } from '../languages.ts';
import { nearbyLookup, parseManifest, selectManifests } from '../manifests/catalog.ts';
import {
  type FileRole,
  isBinaryPath,
  isInSkippedDirectory,
  isLockFile,
  isSecretPath,
  MAX_INDEXED_FILE_BYTES,
  roleOf,
} from '../path-roles.ts';
import { MAX_SNAPSHOT_FILES } from '../repo-snapshot.ts';
import { combineStack, type ParsedManifest, type StackFacts } from '../stack.ts';
import { type Chunk, chunkFile, chunkText } from './chunks.ts';
import { type EmbeddingsClient, embeddingText, VectorIndex } from './embeddings.ts';
import { type Fact, factsOfFile } from './facts.ts';
import { grammarOf } from './grammars.ts';
import { parseFiles } from './parse-pool.ts';
import { fitRepoMap, type RankedFile, type RepoMap, rankFiles } from './repo-map.ts';
import { ChunkSearch } from './search-index.ts';
import type { RepositorySource, SourceEntry } from './source.ts';
import type { Definition, FileSymbols, Reference } from './symbols.ts';

/** What the index keeps of one file (its text is not kept: it is read again when shown). */
export interface FileRecord {
  path: string;
  size: number;
  blobSha?: string;
  role: FileRole;
  lineCount: number;
  /** Set when tree-sitter parsed the file. */
  grammar?: string;
  hasSyntaxErrors: boolean;
  definitions: Definition[];
  references: Reference[];
  imports: string[];
  chunkIds: number[];
  facts: Fact[];
  /** Functions whose body mentions paging (limit, offset, page, cursor…). */
  pagingFunctions: string[];
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface IndexLimits {
  /** Files indexed at most; the rest are skipped with a reason (default 20,000). */
  maxFiles: number;
  /** Larger files are skipped (default 200 KiB). */
  maxFileBytes: number;
  /** Text read per repository at most (default 64 MiB). */
  maxTotalBytes: number;
}

export const DEFAULT_INDEX_LIMITS: IndexLimits = {
  maxFiles: MAX_SNAPSHOT_FILES,
  maxFileBytes: MAX_INDEXED_FILE_BYTES,
  maxTotalBytes: 64 * 1024 * 1024,
};

export interface IndexOptions {
  limits?: Partial<IndexLimits>;
  /** Parsing threads (default: one per core). */
  parseThreads?: number;
  embeddings?: EmbeddingsClient;
  signal?: AbortSignal;
}

export interface IndexUpdate {
  fromCommit: string;
  toCommit: string;
  added: number;
  changed: number;
  removed: number;
  ms: number;
}

const READ_BATCH = 200;
const SKIPPED_LISTED = 200;
const PAGING_WORDS =
  /\b(limit|offset|page|pages|per_?page|page_?size|pageSize|cursor|paginat\w*|take|skip|LIMIT|OFFSET)\b/;
const PAGING_KINDS = new Set(['function', 'method']);

/** Why a file is not indexed, or null when it is. */
function skipReason(entry: SourceEntry, limits: IndexLimits): string | null {
  if (isInSkippedDirectory(entry.path)) return 'in a dependency, build-output or cache directory';
  if (isLockFile(entry.path)) return 'lock file';
  if (isSecretPath(entry.path)) return 'may hold secrets';
  if (isBinaryPath(entry.path)) return 'binary file type';
  if (roleOf(entry.path) === 'generated') return 'generated file';
  if (entry.size > limits.maxFileBytes) return `larger than ${Math.round(limits.maxFileBytes / 1024)} KiB`;
  return null;
}

/** Rough bytes of memory one record and its chunks hold (calibrated by `npm run bench -- context`). */
function recordBytes(record: FileRecord): number {
  return (
    200 +
    record.path.length * 2 +
    record.definitions.length * 400 +
    record.references.length * 100 +
    record.facts.length * 200 +
    record.chunkIds.length * 1_500
  );
}

/**
 * The index of one repository at one commit: every readable file's symbols, chunks and facts,
 * a BM25 index over the chunks, and (with embeddings configured) their vectors. A new commit
 * updates it in place: only files whose blob changed are read and parsed again.
 */
export class RepoIndex {
  readonly files = new Map<string, FileRecord>();
  readonly chunks = new Map<number, Chunk>();
  readonly search = new ChunkSearch();
  readonly vectors = new VectorIndex();
  skipped: SkippedFile[] = [];
  skippedByReason = new Map<string, number>();
  truncated = false;
  stack: StackFacts & { languages: string[] } = {
    frameworks: [],
    testTools: [],
    dependencies: [],
    languages: [],
  };
  /** Why semantic search is off, when embeddings are configured but failed. */
  embeddingsProblem: string | undefined;
  lastUpdate: IndexUpdate | undefined;
  #source: RepositorySource;
  #nextChunkId = 1;
  #ranked: RankedFile[] | undefined;
  #symbols: SymbolTable | undefined;
  readonly #limits: IndexLimits;
  readonly #options: IndexOptions;

  private constructor(
    readonly repo: string,
    source: RepositorySource,
    options: IndexOptions,
  ) {
    this.#source = source;
    this.#options = options;
    this.#limits = { ...DEFAULT_INDEX_LIMITS, ...options.limits };
  }

  get commitSha(): string {
    return this.#source.commitSha;
  }

  get source(): RepositorySource {
    return this.#source;
  }

  /** Estimated memory held by this index, in bytes. */
  get bytes(): number {
    let total = 0;
    for (const record of this.files.values()) total += recordBytes(record);
    return total + this.vectors.bytes;
  }

  static async build(repo: string, source: RepositorySource, options: IndexOptions = {}): Promise<RepoIndex> {
    const index = new RepoIndex(repo, source, options);
    await index.#sync(source, new Map());
    return index;
  }

  /** Moves the index to another commit of the same repository, re-reading only changed files. */
  async update(source: RepositorySource): Promise<IndexUpdate> {
    const started = performance.now();
    const fromCommit = this.commitSha;
    const previous = new Map([...this.files].map(([path, record]) => [path, record]));
    const counts = await this.#sync(source, previous);
    this.lastUpdate = { fromCommit, toCommit: source.commitSha, ...counts, ms: performance.now() - started };
    return this.lastUpdate;
  }

  async #sync(
    source: RepositorySource,
    previous: Map<string, FileRecord>,
  ): Promise<{ added: number; changed: number; removed: number }> {
    const { signal } = this.#options;
    signal?.throwIfAborted();
    const listing = await source.listFiles(signal);
    const skipped: SkippedFile[] = [];
    const accepted: SourceEntry[] = [];
    let totalBytes = 0;
    for (const entry of listing.entries) {
      let reason = skipReason(entry, this.#limits);
      if (!reason && accepted.length >= this.#limits.maxFiles)
        reason = `over the limit of ${this.#limits.maxFiles} files per repository`;
      if (!reason && totalBytes + entry.size > this.#limits.maxTotalBytes)
        reason = `over the limit of ${Math.round(this.#limits.maxTotalBytes / 1024 / 1024)} MiB of text per repository`;
      if (reason) skipped.push({ path: entry.path, reason });
      else {
        accepted.push(entry);
        totalBytes += entry.size;
      }
    }

    const unchanged = (entry: SourceEntry) => {
      const known = previous.get(entry.path);
      return known?.blobSha !== undefined && known.blobSha === entry.blobSha;
    };
    const toRead = accepted.filter((entry) => !unchanged(entry));
    const acceptedPaths = new Set(accepted.map((entry) => entry.path));
    let removed = 0;
    for (const path of previous.keys()) {
      if (!acceptedPaths.has(path)) {
        this.#drop(path);
        removed++;
      }
    }
    const readable: Array<{ entry: SourceEntry; text: string }> = [];
    for (let start = 0; start < toRead.length; start += READ_BATCH) {
      signal?.throwIfAborted();
      const batch = toRead.slice(start, start + READ_BATCH);
      const texts = await source.readFiles(
        batch.map((entry) => entry.path),
        signal,
      );
      for (const entry of batch) {
        const text = texts.get(entry.path);
        if (text == null) skipped.push({ path: entry.path, reason: 'could not be read' });
        else if (text.includes('\u0000')) skipped.push({ path: entry.path, reason: 'binary content' });
        else readable.push({ entry, text });
      }
    }
    // One parse for all files: the threads start once (the texts are bounded by maxTotalBytes).
    const parseable = readable.filter(({ entry }) => grammarOf(entry.path));
    const symbols = await parseFiles(
      parseable.map(({ entry, text }) => ({ path: entry.path, text })),
      this.#options.parseThreads,
    );
    const symbolsByPath = new Map(parseable.map(({ entry }, i) => [entry.path, symbols[i] ?? null]));
    let added = 0;
    let changed = 0;
    for (const { entry, text } of readable) {
      signal?.throwIfAborted();
      if (previous.has(entry.path)) {
        this.#drop(entry.path);
        changed++;
      } else added++;
      await this.#add(entry, text, symbolsByPath.get(entry.path) ?? null);
    }
    // Files read but now skipped (e.g. turned binary) leave the index too.
    for (const { path } of skipped) if (this.files.has(path)) this.#drop(path);

    this.#source = source;
    this.truncated = listing.truncated;
    this.skippedByReason = new Map();
    for (const { reason } of skipped)
      this.skippedByReason.set(reason, (this.skippedByReason.get(reason) ?? 0) + 1);
    this.skipped = skipped.slice(0, SKIPPED_LISTED);
    this.#ranked = undefined;
    this.#symbols = undefined;
    await this.#readStack(
      source,
      listing.entries.map((entry) => entry.path),
    );
    return { added, changed, removed };
  }

  async #add(entry: SourceEntry, text: string, symbols: FileSymbols | null): Promise<void> {
    const lines = text.split(/\r?\n/);
    const definitions = symbols?.definitions ?? [];
    const chunks = chunkFile(entry.path, lines, definitions, () => this.#nextChunkId++);
    for (const chunk of chunks) {
      this.chunks.set(chunk.id, chunk);
      this.search.add(chunk, chunkText(lines, chunk));
    }
    const pagingFunctions = definitions
      .filter(
        (d) =>
          PAGING_KINDS.has(d.kind) && PAGING_WORDS.test(lines.slice(d.startLine - 1, d.endLine).join('\n')),
      )
      .map((d) => d.name);
    const record: FileRecord = {
      path: entry.path,
      size: entry.size,
      ...(entry.blobSha ? { blobSha: entry.blobSha } : {}),
      role: roleOf(entry.path),
      lineCount: lines.length,
      ...(symbols ? { grammar: symbols.grammar } : {}),
      hasSyntaxErrors: symbols?.hasErrors ?? false,
      definitions,
      references: symbols?.references ?? [],
      imports: symbols?.imports ?? [],
      chunkIds: chunks.map((chunk) => chunk.id),
      facts: factsOfFile(entry.path, text),
      pagingFunctions,
    };
    this.files.set(entry.path, record);
    if (this.#options.embeddings && !this.embeddingsProblem) await this.#embed(chunks, lines);
  }

  async #embed(chunks: readonly Chunk[], lines: readonly string[]): Promise<void> {
    const client = this.#options.embeddings;
    if (!client || chunks.length === 0) return;
    try {
      const vectors = await client.embed(
        chunks.map((chunk) => embeddingText(chunk.path, chunk.signature, chunkText(lines, chunk))),
        this.#options.signal,
      );
      chunks.forEach((chunk, i) => {
        const vector = vectors[i];
        if (vector) this.vectors.set(chunk.id, vector);
      });
    } catch (error) {
      // Search still works on BM25 alone; the reason is reported with every answer.
      this.embeddingsProblem = (error as Error).message;
      for (const chunk of chunks) this.vectors.delete(chunk.id);
    }
  }

  #drop(path: string): void {
    const record = this.files.get(path);
    if (!record) return;
    for (const id of record.chunkIds) {
      this.search.discard(id);
      this.chunks.delete(id);
      this.vectors.delete(id);
    }
    this.files.delete(path);
  }

  async #readStack(source: RepositorySource, paths: readonly string[]): Promise<void> {
    const manifests = selectManifests(paths.filter((path) => this.files.has(path)));
    const texts = await source.readFiles(manifests.map((m) => m.path));
    const pathSet = new Set(paths);
    const parsed: ParsedManifest[] = [];
    for (const manifest of manifests) {
      const text = texts.get(manifest.path);
      if (text == null) continue;
      const findings = parseManifest(manifest.path, text, nearbyLookup(pathSet, manifest.path));
      if (findings) parsed.push({ ...manifest, findings });
    }
    const languages = rankLanguages(paths);
    this.stack = { ...combineStack(parsed, paths, languages), languages };
  }

  /** Files ranked by PageRank over the reference graph (cached until the next update). */
  rankedFiles(): RankedFile[] {
    this.#ranked ??= rankFiles([...this.files.values()]);
    return this.#ranked;
  }

  repoMap(maxTokens: number, focusFiles: readonly string[] = []): RepoMap {
    const ranked =
      focusFiles.length > 0 ? rankFiles([...this.files.values()], { focusFiles }) : this.rankedFiles();
    return fitRepoMap(ranked, maxTokens);
  }

  /** Definitions and references by name across the repository (cached until the next update). */
  symbolTable(): SymbolTable {
    if (this.#symbols) return this.#symbols;
    const definitions = new Map<string, Array<{ path: string; definition: Definition }>>();
    const references = new Map<string, Array<{ path: string; reference: Reference }>>();
    for (const record of this.files.values()) {
      for (const definition of record.definitions) {
        const list = definitions.get(definition.name) ?? [];
        list.push({ path: record.path, definition });
        definitions.set(definition.name, list);
      }
      for (const reference of record.references) {
        const list = references.get(reference.name) ?? [];
        list.push({ path: record.path, reference });
        references.set(reference.name, list);
      }
    }
    this.#symbols = { definitions, references };
    return this.#symbols;
  }

  allFacts(): Fact[] {
    return [...this.files.values()].flatMap((record) => record.facts);
  }
}

export interface SymbolTable {
  definitions: Map<string, Array<{ path: string; definition: Definition }>>;
  references: Map<string, Array<{ path: string; reference: Reference }>>;
}
