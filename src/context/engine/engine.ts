import { EmbeddingsClient, type EmbeddingsConfig } from './embeddings.ts';
import { type IndexLimits, type IndexUpdate, RepoIndex } from './repo-index.ts';
import type { RepositorySource } from './source.ts';

export interface ContextEngineOptions {
  /** Memory the indexes may hold together (estimated); the least recently used go first. Default 512 MiB. */
  maxIndexBytes?: number;
  limits?: Partial<IndexLimits>;
  parseThreads?: number;
  /** Semantic search; without it everything works on BM25. */
  embeddings?: EmbeddingsConfig;
}

export interface ContextEngineStats {
  repositories: Array<{ repo: string; commitSha: string; files: number; bytes: number }>;
  bytes: number;
  maxBytes: number;
}

const DEFAULT_MAX_INDEX_BYTES = 512 * 1024 * 1024;

/**
 * The indexes of the repositories a process works on, one per repository, kept in an LRU
 * bounded by their estimated memory. Asking for a newer commit of an indexed repository updates
 * its index incrementally; concurrent requests for one repository share one indexing run.
 */
export class ContextEngine {
  readonly #indexes = new Map<string, RepoIndex>();
  readonly #running = new Map<string, Promise<RepoIndex>>();
  readonly #options: ContextEngineOptions;
  readonly #embeddings: EmbeddingsClient | undefined;
  readonly #maxBytes: number;

  constructor(options: ContextEngineOptions = {}) {
    this.#options = options;
    this.#maxBytes = options.maxIndexBytes ?? DEFAULT_MAX_INDEX_BYTES;
    this.#embeddings = options.embeddings ? new EmbeddingsClient(options.embeddings) : undefined;
  }

  get embeddings(): EmbeddingsClient | undefined {
    return this.#embeddings;
  }

  /** The index of `repo` if one is held (at whatever commit), marked as recently used. */
  peek(repo: string): RepoIndex | undefined {
    const key = repo.toLowerCase();
    const index = this.#indexes.get(key);
    if (index) {
      this.#indexes.delete(key);
      this.#indexes.set(key, index);
    }
    return index;
  }

  /** The index of `repo` at the source's commit: held, updated from an older commit, or built. */
  async index(repo: string, source: RepositorySource, signal?: AbortSignal): Promise<RepoIndex> {
    const key = repo.toLowerCase();
    const running = this.#running.get(key);
    if (running) {
      const index = await running;
      if (index.commitSha === source.commitSha) return index;
    }
    const work = this.#indexOrUpdate(key, repo, source, signal).finally(() => this.#running.delete(key));
    this.#running.set(key, work);
    return work;
  }

  /** The last incremental update of a repository's index, if any. */
  lastUpdate(repo: string): IndexUpdate | undefined {
    return this.#indexes.get(repo.toLowerCase())?.lastUpdate;
  }

  async #indexOrUpdate(
    key: string,
    repo: string,
    source: RepositorySource,
    signal?: AbortSignal,
  ): Promise<RepoIndex> {
    const held = this.peek(repo);
    if (held && held.commitSha === source.commitSha) return held;
    let index: RepoIndex;
    if (held) {
      await held.update(source);
      index = held;
    } else {
      index = await RepoIndex.build(repo, source, {
        ...(this.#options.limits ? { limits: this.#options.limits } : {}),
        ...(this.#options.parseThreads !== undefined ? { parseThreads: this.#options.parseThreads } : {}),
        ...(this.#embeddings ? { embeddings: this.#embeddings } : {}),
        ...(signal ? { signal } : {}),
      });
    }
    this.#indexes.delete(key);
    this.#indexes.set(key, index);
    this.#evict(key);
    return index;
  }

  /** Drops the least recently used indexes until the total fits (the one just used always stays). */
  #evict(keep: string): void {
    let total = [...this.#indexes.values()].reduce((sum, index) => sum + index.bytes, 0);
    for (const [key, index] of this.#indexes) {
      if (total <= this.#maxBytes) break;
      if (key === keep) continue;
      total -= index.bytes;
      this.#indexes.delete(key);
    }
  }

  forget(repo: string): void {
    this.#indexes.delete(repo.toLowerCase());
  }

  stats(): ContextEngineStats {
    const repositories = [...this.#indexes.values()].map((index) => ({
      repo: index.repo,
      commitSha: index.commitSha,
      files: index.files.size,
      bytes: index.bytes,
    }));
    return {
      repositories,
      bytes: repositories.reduce((sum, r) => sum + r.bytes, 0),
      maxBytes: this.#maxBytes,
    };
  }
}
