import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRepoContext } from '../../src/context/build-context.ts';
import { RepoContextCache } from '../../src/context/cache.ts';
import { DEFAULT_SNAPSHOT_TTL_SECONDS, RedisRepoSnapshotStore } from '../../src/context/redis-cache.ts';
import { FakeRepoReader } from '../fakes/repo-reader.ts';
import { clearRedisPrefix, createTestRedis, uniqueName } from '../support/services.ts';

const FILES = {
  'go.mod': 'module github.com/acme/cli\n\nrequire github.com/spf13/cobra v1.8.0\n',
  'main.go': 'package main\n',
  'cmd/export.go': 'package cmd\n\n// export writes every record as CSV\nfunc export() {}\n',
  'README.md': '# cli\n\nA command-line tool for the Acme records API.\n',
};

describe('RedisRepoSnapshotStore', () => {
  let redis: Redis;
  const prefix = `${uniqueName('context_cache')}:`;

  beforeAll(() => {
    redis = createTestRedis();
  });

  afterAll(async () => {
    await clearRedisPrefix(redis, prefix);
    redis.disconnect();
  });

  it('shares a commit snapshot between processes through Redis, as JSON that expires after a day', async () => {
    const store = new RedisRepoSnapshotStore(redis, prefix);
    const reader = new FakeRepoReader(FILES);
    const first = await buildRepoContext(reader, {
      repo: 'acme/cli',
      issueText: 'x',
      cache: new RepoContextCache({ store }),
    });

    const key = store.keyOf({ repo: 'acme/cli', commitSha: first.commitSha });
    expect(key).toBe(`${prefix}repo-context:v1:acme/cli@${first.commitSha}`);
    const stored = JSON.parse((await redis.get(key)) ?? 'null') as { frameworks: string[] };
    expect(stored.frameworks).toEqual(['Cobra']);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(DEFAULT_SNAPSHOT_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(DEFAULT_SNAPSHOT_TTL_SECONDS);

    // A fresh in-memory cache, as in another worker process.
    const second = await buildRepoContext(reader, {
      repo: 'acme/cli',
      issueText: 'CSV export of records',
      cache: new RepoContextCache({ store }),
    });
    expect(reader.callsTo('getTree')).toHaveLength(1);
    expect(second.readmeSummary).toBe('A command-line tool for the Acme records API.');
    expect(second.stackSummary).toBe(first.stackSummary);
    expect(second.relevantFiles.map((file) => file.path)).toEqual(['cmd/export.go']);
  });

  it('misses on a new commit and on entries it cannot read back', async () => {
    const store = new RedisRepoSnapshotStore(redis, prefix);
    expect(await store.get({ repo: 'acme/cli', commitSha: 'f'.repeat(40) })).toBeNull();

    const damaged = { repo: 'acme/cli', commitSha: 'a'.repeat(40) };
    await redis.set(store.keyOf(damaged), '{"repo":"acme/cli","languages":"not a list"}');
    expect(await store.get(damaged)).toBeNull();
    await redis.set(store.keyOf(damaged), 'not json at all');
    expect(await store.get(damaged)).toBeNull();
  });

  it('keeps each prefix to itself', async () => {
    const mine = new RedisRepoSnapshotStore(redis, prefix);
    const other = new RedisRepoSnapshotStore(redis, `${prefix}other:`, { ttlSeconds: 60 });
    const reader = new FakeRepoReader(FILES);
    await buildRepoContext(reader, {
      repo: 'acme/cli',
      issueText: 'x',
      cache: new RepoContextCache({ store: mine }),
    });
    expect(await other.get({ repo: 'acme/cli', commitSha: reader.head })).toBeNull();
    expect(await mine.get({ repo: 'acme/cli', commitSha: reader.head })).not.toBeNull();
  });
});
