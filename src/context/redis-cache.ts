import type { Redis } from 'ioredis';
import type { RepoSnapshotStore, SnapshotKey } from './cache.ts';
import { parseStoredSnapshot, type RepoSnapshot } from './repo-snapshot.ts';

/** One day: a commit's snapshot never changes, but old commits stop being asked for. */
export const DEFAULT_SNAPSHOT_TTL_SECONDS = 24 * 60 * 60;

/** Bumped whenever the snapshot's shape changes, so old entries are simply not found. */
const FORMAT_VERSION = 'v1';

/** Repository snapshots in Redis as JSON, one key per (repo, commit), expiring after a day. */
export class RedisRepoSnapshotStore implements RepoSnapshotStore {
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #ttlSeconds: number;

  constructor(redis: Redis, keyPrefix: string, options: { ttlSeconds?: number } = {}) {
    const ttlSeconds = options.ttlSeconds ?? DEFAULT_SNAPSHOT_TTL_SECONDS;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
    }
    this.#redis = redis;
    this.#keyPrefix = keyPrefix;
    this.#ttlSeconds = ttlSeconds;
  }

  /** The Redis key of a snapshot, e.g. `aiworker:repo-context:v1:acme/shop@3f2a…`. */
  keyOf({ repo, commitSha }: SnapshotKey): string {
    return `${this.#keyPrefix}repo-context:${FORMAT_VERSION}:${repo.toLowerCase()}@${commitSha.toLowerCase()}`;
  }

  async get(key: SnapshotKey): Promise<RepoSnapshot | null> {
    const raw = await this.#redis.get(this.keyOf(key));
    if (raw === null) return null;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
    return parseStoredSnapshot(value);
  }

  async set(key: SnapshotKey, snapshot: RepoSnapshot): Promise<void> {
    await this.#redis.set(this.keyOf(key), JSON.stringify(snapshot), 'EX', this.#ttlSeconds);
  }
}
