import type { RepoSnapshot } from './repo-snapshot.ts';

/** Which snapshot: a repository at one commit. */
export interface SnapshotKey {
  repo: string;
  commitSha: string;
}

/**
 * A second tier behind the in-memory cache, shared between processes (e.g. Redis). `get`
 * returns null for a miss, including an entry it cannot read back.
 */
export interface RepoSnapshotStore {
  get(key: SnapshotKey): Promise<RepoSnapshot | null>;
  set(key: SnapshotKey, snapshot: RepoSnapshot): Promise<void>;
}

export interface RepoContextCacheOptions {
  /** Snapshots kept in memory; the least recently used is dropped beyond it. Default 64. */
  maxEntries?: number;
  store?: RepoSnapshotStore;
  /**
   * Told when the store fails. The cache then carries on without it (a cache outage must not
   * stop issues from being planned), so pass a logger here to see such failures.
   */
  onStoreError?: (error: unknown, operation: 'get' | 'set', key: SnapshotKey) => void;
}

export interface RepoContextCacheStats {
  memoryHits: number;
  storeHits: number;
  loads: number;
  storeErrors: number;
}

const DEFAULT_MAX_ENTRIES = 64;

/** Repository names are case-insensitive in Gitea; shas are hex. */
function cacheKey({ repo, commitSha }: SnapshotKey): string {
  return `${repo.toLowerCase()}@${commitSha.toLowerCase()}`;
}

/**
 * Per-commit repository snapshots: an in-memory LRU, optionally backed by a shared store.
 * A commit never changes, so entries never go stale; concurrent requests for the same
 * commit share one load.
 */
export class RepoContextCache {
  readonly #maxEntries: number;
  readonly #store: RepoSnapshotStore | undefined;
  readonly #onStoreError: RepoContextCacheOptions['onStoreError'];
  readonly #entries = new Map<string, RepoSnapshot>();
  readonly #loading = new Map<string, Promise<RepoSnapshot>>();
  readonly #stats: RepoContextCacheStats = { memoryHits: 0, storeHits: 0, loads: 0, storeErrors: 0 };

  constructor(options: RepoContextCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
    this.#store = options.store;
    this.#onStoreError = options.onStoreError;
  }

  /** Snapshots held in memory. */
  get size(): number {
    return this.#entries.size;
  }

  get stats(): Readonly<RepoContextCacheStats> {
    return { ...this.#stats };
  }

  /** The in-memory snapshot for a commit, without loading (and marked as recently used). */
  peek(key: SnapshotKey): RepoSnapshot | undefined {
    const id = cacheKey(key);
    const snapshot = this.#entries.get(id);
    if (snapshot) this.#remember(id, snapshot);
    return snapshot;
  }

  /** The snapshot for a commit: from memory, else the store, else `load` (then kept in both). */
  async getOrLoad(key: SnapshotKey, load: () => Promise<RepoSnapshot>): Promise<RepoSnapshot> {
    const id = cacheKey(key);
    const cached = this.#entries.get(id);
    if (cached) {
      this.#stats.memoryHits++;
      this.#remember(id, cached);
      return cached;
    }
    const inFlight = this.#loading.get(id);
    if (inFlight) return inFlight;
    const pending = this.#fetch(key, id, load).finally(() => this.#loading.delete(id));
    this.#loading.set(id, pending);
    return pending;
  }

  async #fetch(key: SnapshotKey, id: string, load: () => Promise<RepoSnapshot>): Promise<RepoSnapshot> {
    const stored = await this.#fromStore(key);
    if (stored) {
      this.#stats.storeHits++;
      this.#remember(id, stored);
      return stored;
    }
    this.#stats.loads++;
    const snapshot = await load();
    this.#remember(id, snapshot);
    if (this.#store) {
      try {
        await this.#store.set(key, snapshot);
      } catch (error) {
        this.#storeFailed(error, 'set', key);
      }
    }
    return snapshot;
  }

  async #fromStore(key: SnapshotKey): Promise<RepoSnapshot | null> {
    if (!this.#store) return null;
    try {
      return await this.#store.get(key);
    } catch (error) {
      this.#storeFailed(error, 'get', key);
      return null;
    }
  }

  #storeFailed(error: unknown, operation: 'get' | 'set', key: SnapshotKey): void {
    this.#stats.storeErrors++;
    this.#onStoreError?.(error, operation, key);
  }

  #remember(id: string, snapshot: RepoSnapshot): void {
    // Map keeps insertion order: re-inserting moves an entry to the most recent end.
    this.#entries.delete(id);
    this.#entries.set(id, snapshot);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}
