import { describe, expect, it } from 'vitest';
import { buildRepoContext } from '../../src/context/build-context.ts';
import { RepoContextCache, type RepoSnapshotStore, type SnapshotKey } from '../../src/context/cache.ts';
import type { RepoSnapshot } from '../../src/context/repo-snapshot.ts';
import { FakeRepoReader } from '../fakes/repo-reader.ts';

const FILES = {
  'package.json': '{"dependencies":{"express":"4"},"devDependencies":{"vitest":"1"}}',
  'README.md': '# Shop\n\nA small web shop for acme widgets.\n',
  'src/checkout/cart.ts': 'export const cart = [];\n',
  'src/payments/stripe.ts': 'export const stripe = null;\n',
  'src/users/profile.ts': 'export const profile = {};\n',
};

/** A store kept in a Map, as another process's Redis would be. */
class MapStore implements RepoSnapshotStore {
  readonly data = new Map<string, string>();
  failing = false;
  async get(key: SnapshotKey): Promise<RepoSnapshot | null> {
    if (this.failing) throw new Error('store down');
    const raw = this.data.get(`${key.repo}@${key.commitSha}`);
    return raw ? (JSON.parse(raw) as RepoSnapshot) : null;
  }
  async set(key: SnapshotKey, snapshot: RepoSnapshot): Promise<void> {
    if (this.failing) throw new Error('store down');
    this.data.set(`${key.repo}@${key.commitSha}`, JSON.stringify(snapshot));
  }
}

function snapshotFor(repo: string, commitSha: string): RepoSnapshot {
  return {
    repo,
    defaultBranch: 'main',
    commitSha,
    description: '',
    languages: [],
    frameworks: [],
    testTools: [],
    manifests: [],
    dependencies: [],
    readmeSummary: '',
    topLevel: [],
    fileCount: 0,
    stackSummary: 'empty repository',
    truncated: false,
    files: [],
  };
}

describe('RepoContextCache with buildRepoContext', () => {
  it('reuses the tree, manifests and README on the same commit and ranks files per issue', async () => {
    const reader = new FakeRepoReader(FILES);
    const cache = new RepoContextCache();
    const first = await buildRepoContext(reader, { repo: 'acme/shop', issueText: 'Stripe payments', cache });
    const readsAfterFirst = reader.callsTo('getFile').map((call) => call.args[0]);
    const second = await buildRepoContext(reader, {
      repo: 'acme/shop',
      issueText: 'Checkout cart total',
      cache,
    });

    expect(reader.callsTo('getTree')).toHaveLength(1);
    const secondReads = reader
      .callsTo('getFile')
      .slice(readsAfterFirst.length)
      .map((call) => call.args[0]);
    expect(secondReads).not.toContain('package.json');
    expect(secondReads).not.toContain('README.md');
    expect(second.frameworks).toEqual(first.frameworks);
    expect(second.readmeSummary).toBe('A small web shop for acme widgets.');
    // Relevance is the issue's own, not the cached issue's.
    expect(first.relevantFiles[0]?.path).toBe('src/payments/stripe.ts');
    expect(second.relevantFiles[0]?.path).toBe('src/checkout/cart.ts');
    expect(cache.stats).toMatchObject({ loads: 1, memoryHits: 1 });
  });

  it('reads the repository again after a push (new commit sha)', async () => {
    const reader = new FakeRepoReader(FILES);
    const cache = new RepoContextCache();
    const before = await buildRepoContext(reader, { repo: 'acme/shop', issueText: 'x', cache });
    const sha = reader.push({ ...FILES, 'package.json': '{"dependencies":{"fastify":"4"}}' });
    const after = await buildRepoContext(reader, { repo: 'acme/shop', issueText: 'x', cache });

    expect(reader.callsTo('getTree').map((call) => call.args[0])).toEqual([before.commitSha, sha]);
    expect(after.commitSha).toBe(sha);
    expect(before.frameworks).toEqual(['Express']);
    expect(after.frameworks).toEqual(['Fastify']);
  });

  it('takes the description fresh even when the commit is cached', async () => {
    const cache = new RepoContextCache();
    const first = new FakeRepoReader(FILES, { description: 'old words' });
    await buildRepoContext(first, { repo: 'acme/shop', issueText: 'x', cache });
    const renamed = new FakeRepoReader(FILES, { description: 'new words' });
    const ctx = await buildRepoContext(renamed, { repo: 'acme/shop', issueText: 'x', cache });
    expect(renamed.callsTo('getTree')).toHaveLength(0);
    expect(ctx.description).toBe('new words');
  });

  it('shares one load between concurrent requests for the same commit', async () => {
    const reader = new FakeRepoReader(FILES);
    const cache = new RepoContextCache();
    await Promise.all(
      ['payments', 'checkout', 'profile'].map((issueText) =>
        buildRepoContext(reader, { repo: 'acme/shop', issueText, cache }),
      ),
    );
    expect(reader.callsTo('getTree')).toHaveLength(1);
  });

  it('falls back to a shared store, so another process does not read the tree again', async () => {
    const store = new MapStore();
    const reader = new FakeRepoReader(FILES);
    await buildRepoContext(reader, {
      repo: 'acme/shop',
      issueText: 'x',
      cache: new RepoContextCache({ store }),
    });
    expect(store.data.size).toBe(1);

    const otherProcess = new RepoContextCache({ store });
    const ctx = await buildRepoContext(reader, {
      repo: 'acme/shop',
      issueText: 'stripe',
      cache: otherProcess,
    });
    expect(reader.callsTo('getTree')).toHaveLength(1);
    expect(otherProcess.stats).toMatchObject({ storeHits: 1, loads: 0 });
    expect(ctx.relevantFiles[0]?.path).toBe('src/payments/stripe.ts');
  });

  it('keeps working when the store fails, and reports each failure', async () => {
    const store = new MapStore();
    store.failing = true;
    const failures: string[] = [];
    const cache = new RepoContextCache({
      store,
      onStoreError: (error, operation, key) =>
        failures.push(`${operation} ${key.repo}: ${(error as Error).message}`),
    });
    const ctx = await buildRepoContext(new FakeRepoReader(FILES), {
      repo: 'acme/shop',
      issueText: 'x',
      cache,
    });
    expect(ctx.frameworks).toEqual(['Express']);
    expect(failures).toEqual(['get acme/shop: store down', 'set acme/shop: store down']);
    expect(cache.stats.storeErrors).toBe(2);
  });

  it('does not cache a failed read', async () => {
    const cache = new RepoContextCache();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('gitea 502');
    };
    await expect(cache.getOrLoad({ repo: 'a/b', commitSha: 'abc' }, failing)).rejects.toThrow('gitea 502');
    const snapshot = await cache.getOrLoad({ repo: 'a/b', commitSha: 'abc' }, async () =>
      snapshotFor('a/b', 'abc'),
    );
    expect(snapshot.commitSha).toBe('abc');
    expect(calls).toBe(1);
  });
});

describe('RepoContextCache as an LRU', () => {
  it('drops the least recently used commit beyond its size bound', async () => {
    const cache = new RepoContextCache({ maxEntries: 2 });
    const load = (sha: string) => async () => snapshotFor('a/b', sha);
    await cache.getOrLoad({ repo: 'a/b', commitSha: 'c1' }, load('c1'));
    await cache.getOrLoad({ repo: 'a/b', commitSha: 'c2' }, load('c2'));
    // Using c1 makes c2 the least recently used.
    expect(cache.peek({ repo: 'a/b', commitSha: 'c1' })?.commitSha).toBe('c1');
    await cache.getOrLoad({ repo: 'a/b', commitSha: 'c3' }, load('c3'));

    expect(cache.size).toBe(2);
    expect(cache.peek({ repo: 'a/b', commitSha: 'c2' })).toBeUndefined();
    expect(cache.peek({ repo: 'a/b', commitSha: 'c1' })).toBeDefined();
    expect(cache.peek({ repo: 'a/b', commitSha: 'c3' })).toBeDefined();
  });

  it('treats repository names case-insensitively, like Gitea', async () => {
    const cache = new RepoContextCache();
    await cache.getOrLoad({ repo: 'Acme/Shop', commitSha: 'ABC' }, async () =>
      snapshotFor('Acme/Shop', 'abc'),
    );
    expect(cache.peek({ repo: 'acme/shop', commitSha: 'abc' })).toBeDefined();
  });

  it('rejects a size bound that is not a positive integer', () => {
    expect(() => new RepoContextCache({ maxEntries: 0 })).toThrow(
      'maxEntries must be a positive integer, got 0',
    );
  });
});
