import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  architectureFacts,
  breakingChangeHints,
  buildContextPack,
  ContextEngine,
  EmbeddingsClient,
  extractSymbols,
  FileNotAvailableError,
  findSymbol,
  GitMirrorStore,
  getFile,
  getRepoMap,
  MemorySource,
  RepoIndex,
  searchCode,
} from '../../src/context/engine/index.ts';
import { indexFixtureRepo, loadRetrievalSet, scoreRetrieval } from '../support/context-retrieval.ts';

const SAMPLES: Record<string, [string, string]> = {
  'a.ts': [
    'export class OrderService {\n  pay(id: string): void {\n    charge(id);\n  }\n}\n',
    'OrderService.pay',
  ],
  'b.tsx': ['export function App() {\n  return <Layout />;\n}\n', 'App'],
  'c.js': ['function total(items) {\n  return sum(items);\n}\n', 'total'],
  'd.py': ['class Repo:\n    def find(self, key):\n        return load(key)\n', 'Repo.find'],
  'e.go': [
    'package x\n\ntype Store struct{}\n\nfunc (s *Store) Get(id string) error { return nil }\n',
    'Store.Get',
  ],
  'F.java': [
    'public class Billing {\n  public int charge(int cents) { return cents; }\n}\n',
    'Billing.charge',
  ],
  'g.rs': ['pub struct Cart;\nimpl Cart {\n    pub fn add(&self) {}\n}\n', 'Cart.add'],
  'h.rb': ['class Invoice\n  def total\n    42\n  end\nend\n', 'Invoice.total'],
  'i.php': ['<?php\nclass Mailer {\n  public function send($to) { return true; }\n}\n', 'Mailer.send'],
  'j.cs': ['public class Ledger {\n  public void Post(int amount) { }\n}\n', 'Ledger.Post'],
};

describe('symbols', () => {
  for (const [path, [source, expected]] of Object.entries(SAMPLES)) {
    it(`finds ${expected} in ${path}`, async () => {
      const symbols = await extractSymbols(path, source);
      const names = symbols?.definitions.map((d) => (d.container ? `${d.container}.${d.name}` : d.name));
      expect(names).toContain(expected);
      expect(symbols?.hasErrors).toBe(false);
    });
  }

  it('keeps going on broken code and says so', async () => {
    const symbols = await extractSymbols('broken.ts', 'export function ok() {}\nfunction (((\n');
    expect(symbols?.definitions.map((d) => d.name)).toContain('ok');
    expect(symbols?.hasErrors).toBe(true);
  });

  it('has no grammar for an unknown language', async () => {
    expect(await extractSymbols('main.kt', 'fun main() {}')).toBeNull();
  });
});

describe('the fixture repositories', () => {
  const indexes = new Map<string, RepoIndex>();
  beforeAll(async () => {
    for (const repo of ['shop-monorepo', 'notes-api', 'inventory-go'])
      indexes.set(repo, await indexFixtureRepo(repo));
  });
  const index = (repo: string) => indexes.get(repo) as RepoIndex;

  it('finds the expected files for the retrieval set, tuned and held-out cases alike', async () => {
    const cases = loadRetrievalSet();
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const tuned = await scoreRetrieval(
      cases.filter((c) => !c.heldOut),
      indexes,
    );
    const heldOut = await scoreRetrieval(
      cases.filter((c) => c.heldOut),
      indexes,
    );
    expect(tuned.recallAt10).toBeGreaterThanOrEqual(0.8);
    expect(heldOut.recallAt10).toBeGreaterThanOrEqual(0.8);
  });

  it('states the TypeScript monorepo architecture with file:line citations', () => {
    const facts = architectureFacts(index('shop-monorepo'));
    expect(facts.dataModel.map((f) => f.name)).toEqual(
      expect.arrayContaining(['users', 'products', 'orders', 'order_items']),
    );
    expect(facts.database.map((f) => f.name)).toContain('PostgreSQL (driver pg)');
    expect(facts.httpRoutes).toContainEqual(
      expect.objectContaining({
        name: 'GET /',
        symbol: 'listOrders',
        path: 'apps/api/src/routes/orders.ts',
        line: 21,
      }),
    );
    expect(facts.uiRoutes.map((f) => f.name)).toEqual(['/login', '/orders', '/checkout']);
    expect(facts.auth.present).toBe(true);
    expect(facts.jobs.map((f) => f.name)).toContain('bullmq');
    expect(facts.config.map((f) => f.name)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'JWT_SECRET', 'REDIS_URL']),
    );
    expect(facts.testSetup.map((f) => f.name)).toContain('Vitest');
    const observations = facts.observations.map((o) => o.text);
    expect(
      observations.some((t) =>
        t.startsWith('GET / returns a collection without paging: its handler listOrders'),
      ),
    ).toBe(true);
    expect(observations.some((t) => t.includes('listProducts'))).toBe(false);
    expect(observations).toContain('Table orders (drizzle) declares no index besides its primary key.');
    expect(observations.some((t) => t.startsWith('Table products'))).toBe(false);
  });

  it('notices a service without authentication and a list endpoint without paging', () => {
    const facts = architectureFacts(index('inventory-go'));
    expect(facts.auth.present).toBe(false);
    expect(facts.dataModel.map((f) => `${f.name} ${f.via}`)).toEqual(
      expect.arrayContaining(['Item GORM', 'Warehouse GORM', 'StockMovement GORM']),
    );
    expect(facts.httpRoutes.map((f) => f.name)).toContain('POST /items/:id/adjust');
    const observations = facts.observations.map((o) => o.text);
    expect(observations.some((t) => t.startsWith('No authentication found'))).toBe(true);
    expect(observations.some((t) => t.startsWith('GET /items returns a collection without paging'))).toBe(
      true,
    );
    expect(facts.jobs.map((f) => f.name)).toContain('time.NewTicker');
  });

  it('reads FastAPI routes with their router prefix and SQL indexes', () => {
    const facts = architectureFacts(index('notes-api'));
    expect(facts.httpRoutes.map((f) => `${f.name} ${f.symbol}`)).toEqual(
      expect.arrayContaining([
        'GET /notes list_notes',
        'POST /notes/{note_id}/share share_note',
        'GET /tags list_tags',
      ]),
    );
    const observations = facts.observations.map((o) => o.text);
    expect(observations.some((t) => t.startsWith('GET /tags returns a collection without paging'))).toBe(
      true,
    );
    expect(observations.some((t) => t.startsWith('GET /notes returns'))).toBe(false);
    expect(observations).not.toContain('Table notes (SQL) declares no index besides its primary key.');
    expect(observations).toContain('Table shares (SQL) declares no index besides its primary key.');
  });

  it('answers who calls a function, and turns that into a breaking-change hint', async () => {
    const found = await findSymbol(index('shop-monorepo'), 'computeOrderTotal');
    expect(found.definitions).toEqual([
      expect.objectContaining({ path: 'apps/api/src/services/pricing.ts', kind: 'function' }),
    ]);
    expect(found.references).toContainEqual(
      expect.objectContaining({
        path: 'apps/api/src/services/order-service.ts',
        kind: 'call',
        text: 'const totalCents = computeOrderTotal(lines, couponCode);',
      }),
    );
    const [hint] = await breakingChangeHints(index('shop-monorepo'), ['applyDiscount']);
    expect(hint?.callSites.map((site) => site.path)).toEqual([
      'apps/api/src/orders.spec.ts',
      'apps/api/src/services/pricing.ts',
    ]);
    expect(hint?.summary).toMatch(
      /^applyDiscount \(apps\/api\/src\/services\/pricing\.ts:\d+\) is used 3 time/,
    );
  });

  it('ranks the files others depend on first in the repo map, within its budget', () => {
    const map = getRepoMap(index('inventory-go'), { maxTokens: 200 });
    expect(map.tokens).toBeLessThanOrEqual(200);
    expect(map.files[0]?.path).toBe('internal/store/models.go');
    expect(() => getRepoMap(index('inventory-go'), { maxTokens: 10 })).toThrow(RangeError);
  });

  it('builds a planner pack naming existing and missing files', async () => {
    const pack = await buildContextPack(index('notes-api'), {
      title: 'Paginate the tags list',
      body: 'In app/routers/tags.py `list_tags` returns everything. Also update app/routers/labels.py.',
    });
    expect(pack.chunks[0]?.path).toBe('app/routers/tags.py');
    expect(pack.chunks[0]?.text).toContain('def list_tags');
    expect(pack.namedFiles).toEqual([
      { mention: 'app/routers/tags.py', path: 'app/routers/tags.py', exists: true },
      { mention: 'app/routers/labels.py', exists: false },
    ]);
    expect(pack.namedSymbols.map((hint) => hint.symbol)).toEqual(['list_tags']);
    expect(pack.factsText).toContain('GET /tags → list_tags [FastAPI] (app/routers/tags.py:12)');
  });

  it('refuses an empty query and explains files it does not index', async () => {
    await expect(searchCode(index('notes-api'), '   ')).rejects.toThrow('search query is empty');
    await expect(getFile(index('notes-api'), 'app/missing.py')).rejects.toThrow(FileNotAvailableError);
    const file = await getFile(index('notes-api'), 'app/db.py', { startLine: 10, endLine: 11 });
    expect(file.text).toBe('class Base(DeclarativeBase):\n    pass');
    expect(file.outline.map((d) => d.name)).toContain('get_db');
  });
});

describe('indexing', () => {
  it('re-reads only the files a push changed', async () => {
    const files = new Map(
      Object.entries({
        'src/a.ts': 'export function alpha() { return beta(); }\n',
        'src/b.ts': 'export function beta() { return 1; }\n',
        'src/c.ts': 'export const gamma = 3;\n',
      }),
    );
    const index = await RepoIndex.build('o/r', new MemorySource('c1', files));
    const next = new Map(files);
    next.set('src/b.ts', 'export function betaRenamed() { return 2; }\n');
    next.delete('src/c.ts');
    next.set('src/d.ts', 'export function delta() {}\n');
    const read: string[] = [];
    const source = new MemorySource('c2', next);
    const readFiles = source.readFiles.bind(source);
    source.readFiles = async (paths) => {
      read.push(...paths);
      return readFiles(paths);
    };
    const update = await index.update(source);
    expect(update).toMatchObject({ added: 1, changed: 1, removed: 1 });
    expect(read.filter((p) => p.endsWith('.ts')).sort()).toEqual(['src/b.ts', 'src/d.ts']);
    expect((await searchCode(index, 'betaRenamed')).hits[0]?.symbol).toBe('betaRenamed');
    expect((await findSymbol(index, 'beta')).definitions).toEqual([]);
    expect(index.files.has('src/c.ts')).toBe(false);
  });

  it('skips what it must with a reason, and still indexes a repository it cannot parse', async () => {
    const files = {
      'src/Main.kt': 'fun main() {\n  println(checkoutTotal())\n}\n',
      'lib/pay.ex': 'defmodule Pay do\n  def checkout_total, do: 42\nend\n',
      'node_modules/x/index.js': 'module.exports = 1;\n',
      'logo.png': 'PNG',
      '.env': 'SECRET=1\n',
      'data.bin.txt': 'a\u0000b',
    };
    const index = await RepoIndex.build('o/r', new MemorySource('c1', files), { limits: { maxFiles: 10 } });
    expect([...index.files.keys()].sort()).toEqual(['lib/pay.ex', 'src/Main.kt']);
    expect(Object.fromEntries(index.skippedByReason)).toEqual({
      'in a dependency, build-output or cache directory': 1,
      'binary file type': 1,
      'may hold secrets': 1,
      'binary content': 1,
    });
    const result = await searchCode(index, 'checkout total');
    expect(result.files.map((f) => f.path).sort()).toEqual(['lib/pay.ex', 'src/Main.kt']);
    const pack = await buildContextPack(index, { title: 'Change the checkout total', body: '' });
    expect(pack.chunks.length).toBeGreaterThan(0);
  });

  it('drops the least recently used index when the memory budget is exceeded', async () => {
    const engine = new ContextEngine({ maxIndexBytes: 1 });
    await engine.index('o/one', new MemorySource('c1', { 'a.ts': 'export function a() {}\n' }));
    await engine.index('o/two', new MemorySource('c1', { 'b.ts': 'export function b() {}\n' }));
    expect(engine.stats().repositories.map((r) => r.repo)).toEqual(['o/two']);
    expect(engine.peek('o/one')).toBeUndefined();
  });
});

describe('embeddings', () => {
  let server: ReturnType<typeof createServer>;
  let url = '';
  let failing = false;
  const VOCABULARY = ['money', 'invoice', 'cart', 'ship', 'parcel'];
  beforeAll(async () => {
    // An OpenAI-compatible /v1/embeddings: a vector per input, counting vocabulary words.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        if (failing || req.url !== '/v1/embeddings') {
          res
            .writeHead(503, { 'content-type': 'application/json' })
            .end('{"error":{"message":"overloaded"}}');
          return;
        }
        const { input } = JSON.parse(body) as { input: string[] };
        const data = input.map((text, index) => ({
          index,
          embedding: [
            ...VOCABULARY.map((word) => (text.toLowerCase().match(new RegExp(word, 'g')) ?? []).length),
            0.01,
          ],
        }));
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ object: 'list', data }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fuses semantic hits with BM25, and falls back to BM25 with the reason when the server fails', async () => {
    const client = new EmbeddingsClient({ url, model: 'test' });
    const files = {
      'src/parcel.ts': 'export function dispatchParcel() { /* ship the parcel */ }\n',
      'src/billing.ts': 'export function settleInvoice() { /* money for the invoice */ }\n',
    };
    const index = await RepoIndex.build('o/r', new MemorySource('c1', files), { embeddings: client });
    expect(index.vectors.size).toBe(2);
    const hybrid = await searchCode(index, 'money', { embeddings: client });
    expect(hybrid.mode).toBe('hybrid');
    expect(hybrid.files[0]?.path).toBe('src/billing.ts');
    failing = true;
    const fallback = await searchCode(index, 'money', { embeddings: client });
    expect(fallback.mode).toBe('bm25');
    expect(fallback.note).toMatch(/semantic search failed: embeddings server answered 503/);
    failing = false;
  });
});

describe('git mirror', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'context-git-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim();

  it('fetches a commit shallowly, then only a push, and reads files at each commit', async () => {
    const work = join(dir, 'work');
    execFileSync('git', ['init', '-q', '-b', 'main', work]);
    writeFileSync(join(work, 'a.py'), 'def first():\n    return 1\n');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'one');
    const first = git(work, 'rev-parse', 'HEAD');
    writeFileSync(join(work, 'b.py'), 'def second():\n    return first()\n');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'two');
    const second = git(work, 'rev-parse', 'HEAD');
    git(work, 'config', 'uploadpack.allowAnySHA1InWant', 'true');

    const store = new GitMirrorStore({ root: join(dir, 'mirrors') });
    const one = await store.sync('o/r', `file://${work}`, first);
    if (!one.ok) throw new Error(one.reason);
    const engine = new ContextEngine({ parseThreads: 1 });
    const index = await engine.index('o/r', one.source);
    expect([...index.files.keys()]).toEqual(['a.py']);
    const two = await store.sync('o/r', `file://${work}`, second);
    if (!two.ok) throw new Error(two.reason);
    expect(two.fetched).toBe(true);
    await engine.index('o/r', two.source);
    expect(engine.lastUpdate('o/r')).toMatchObject({ added: 1, changed: 0, removed: 0 });
    expect((await findSymbol(index, 'first')).references.map((r) => r.path)).toEqual(['b.py']);
    const again = await store.sync('o/r', `file://${work}`, second);
    expect(again.ok && again.fetched).toBe(false);
  });

  it('states why a repository cannot be cloned', async () => {
    const store = new GitMirrorStore({ root: join(dir, 'mirrors'), timeoutMs: 10_000 });
    const result = await store.sync('o/missing', `file://${join(dir, 'nowhere')}`, 'a'.repeat(40));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^git fetch failed \(git exit \d+\)/);
    expect(await store.sync('bad name', 'file:///x', 'a'.repeat(40))).toEqual({
      ok: false,
      reason: 'not a repository name: "bad name"',
    });
  });
});
