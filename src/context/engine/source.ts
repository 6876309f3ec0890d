import { createHash } from 'node:crypto';
import { mapBounded, READ_CONCURRENCY } from '../bounded-map.ts';
import type { RepoReader } from '../types.ts';

/** One file of a repository at a commit, before it is read. */
export interface SourceEntry {
  path: string;
  size: number;
  /** Git blob id: a file whose blob id is unchanged is not read again on the next commit. */
  blobSha?: string;
}

/** Where the engine reads a repository at one commit from: a local clone, Gitea's API, memory. */
export interface RepositorySource {
  readonly commitSha: string;
  /** How the files are read, for reports (`git clone`, `Gitea API`, `memory`). */
  readonly kind: string;
  listFiles(signal?: AbortSignal): Promise<{ entries: SourceEntry[]; truncated: boolean }>;
  /** File texts by path; null for a file that cannot be read. */
  readFiles(paths: readonly string[], signal?: AbortSignal): Promise<Map<string, string | null>>;
}

/** Git's blob id of a text: the same id `git ls-tree` reports for it. */
export function gitBlobSha(text: string): string {
  const body = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
}

/** A repository held in memory (tests, benchmarks, files already fetched by other means). */
export class MemorySource implements RepositorySource {
  readonly kind = 'memory';
  readonly #files: ReadonlyMap<string, string>;

  constructor(
    readonly commitSha: string,
    files: Readonly<Record<string, string>> | ReadonlyMap<string, string>,
  ) {
    this.#files = files instanceof Map ? files : new Map(Object.entries(files));
  }

  async listFiles(): Promise<{ entries: SourceEntry[]; truncated: boolean }> {
    const entries = [...this.#files].map(([path, text]) => ({
      path,
      size: Buffer.byteLength(text),
      blobSha: gitBlobSha(text),
    }));
    return { entries, truncated: false };
  }

  async readFiles(paths: readonly string[]): Promise<Map<string, string | null>> {
    return new Map(paths.map((path) => [path, this.#files.get(path) ?? null]));
  }
}

/**
 * A repository read through Gitea's API (the existing `RepoReader`): the fallback when no clone
 * can be made. The tree has no blob ids, so every file is read again for a new commit.
 */
export class ReaderSource implements RepositorySource {
  readonly kind = 'Gitea API';

  constructor(
    readonly reader: RepoReader,
    readonly commitSha: string,
  ) {}

  async listFiles(): Promise<{ entries: SourceEntry[]; truncated: boolean }> {
    const tree = await this.reader.getTree(this.commitSha);
    const entries = tree.entries
      .filter((entry) => entry.type === 'blob')
      .map(({ path, size }) => ({ path, size }));
    return { entries, truncated: tree.truncated };
  }

  async readFiles(paths: readonly string[], signal?: AbortSignal): Promise<Map<string, string | null>> {
    const texts = await mapBounded(
      paths,
      READ_CONCURRENCY,
      (path) => this.reader.getFile(path, this.commitSha),
      signal,
    );
    return new Map(paths.map((path, index) => [path, texts[index] ?? null]));
  }
}
