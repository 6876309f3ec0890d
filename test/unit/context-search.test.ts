import { describe, expect, it } from 'vitest';
import { buildRepoContext } from '../../src/context/build-context.ts';
import { RepoContextCache } from '../../src/context/cache.ts';
import { searchCodebase } from '../../src/context/search.ts';
import { FakeRepoReader } from '../fakes/repo-reader.ts';

function repository(): FakeRepoReader {
  return new FakeRepoReader({
    'package.json': '{"dependencies":{"express":"4"}}',
    'src/payments/webhook.ts': [
      "import type { Request } from 'express';",
      '',
      'export async function handleStripeWebhook(req: Request): Promise<void> {',
      '  const event = verifySignature(req);',
      "  if (event.type === 'payment_intent.succeeded') await markOrderPaid(event.data);",
      '}',
    ].join('\n'),
    'src/orders/service.ts': [
      'export async function markOrderPaid(data: unknown): Promise<void> {',
      '  // called from the Stripe webhook handler',
      '  await db.orders.update(data);',
      '}',
    ].join('\n'),
    'src/users/profile.ts': 'export const profile = { name: "" };\n',
    'node_modules/stripe/index.js': 'function webhook() {}\n',
    'test/payments/webhook.test.ts': "import { handleStripeWebhook } from '../../src/payments/webhook.ts';\n",
  });
}

describe('searchCodebase', () => {
  it('finds files by path and content with line numbers and snippets', async () => {
    const reader = repository();
    const result = await searchCodebase(reader, reader.head, 'stripe webhook');
    const paths = result.results.map((entry) => entry.path);
    expect(paths[0]).toBe('src/payments/webhook.ts');
    expect(paths).toContain('src/orders/service.ts');
    expect(paths).not.toContain('src/users/profile.ts');
    expect(paths).not.toContain('node_modules/stripe/index.js');

    const top = result.results[0];
    expect(top?.pathMatches).toEqual(['webhook']);
    expect(top?.matches).toEqual([
      { line: 3, text: 'export async function handleStripeWebhook(req: Request): Promise<void> {' },
    ]);
    const orders = result.results.find((entry) => entry.path === 'src/orders/service.ts');
    expect(orders?.matches).toEqual([{ line: 2, text: '// called from the Stripe webhook handler' }]);
    expect(result).toMatchObject({
      query: 'stripe webhook',
      filesConsidered: 5,
      filesRead: 5,
      complete: true,
    });
  });

  it('finds an exact identifier anywhere in a line', async () => {
    const reader = repository();
    const result = await searchCodebase(reader, reader.head, 'markOrderPaid');
    expect(result.results.map((entry) => [entry.path, entry.matches.map((match) => match.line)])).toEqual([
      ['src/orders/service.ts', [1]],
      ['src/payments/webhook.ts', [5]],
    ]);
  });

  it('reads a bounded number of files, path matches first, and says the search was partial', async () => {
    const files: Record<string, string> = { 'src/billing/invoice.ts': 'export const invoice = 1;\n' };
    for (let i = 0; i < 30; i++) files[`src/module${i}.ts`] = `export const value${i} = ${i};\n`;
    const reader = new FakeRepoReader(files);
    const result = await searchCodebase(reader, reader.head, 'invoice', { maxFilesRead: 5 });
    expect(reader.callsTo('getFile')).toHaveLength(5);
    expect(reader.callsTo('getFile')[0]?.args[0]).toBe('src/billing/invoice.ts');
    expect(result.results[0]?.path).toBe('src/billing/invoice.ts');
    expect(result).toMatchObject({ filesConsidered: 31, filesRead: 5, complete: false });
    expect(reader.maxConcurrentReads).toBeLessThanOrEqual(4);
  });

  it('limits the search to a path prefix', async () => {
    const reader = repository();
    const result = await searchCodebase(reader, reader.head, 'stripe', { pathPrefix: 'src/orders/' });
    expect(result.results.map((entry) => entry.path)).toEqual(['src/orders/service.ts']);
    expect(result.filesConsidered).toBe(1);
  });

  it('takes the file list from the cached snapshot instead of listing the tree again', async () => {
    const reader = repository();
    const cache = new RepoContextCache();
    const ctx = await buildRepoContext(reader, { repo: 'acme/shop', issueText: 'x', cache });
    const result = await searchCodebase(reader, ctx.commitSha, 'webhook', { cache, repo: 'acme/shop' });
    expect(reader.callsTo('getTree')).toHaveLength(1);
    expect(result.results[0]?.path).toBe('src/payments/webhook.ts');
  });

  it('rejects an empty query and out-of-range limits', async () => {
    const reader = repository();
    await expect(searchCodebase(reader, reader.head, '   ')).rejects.toThrow('search query is empty');
    await expect(searchCodebase(reader, reader.head, 'x', { maxResults: 0 })).rejects.toThrow(
      'maxResults must be an integer from 1 to 100, got 0',
    );
  });
});
