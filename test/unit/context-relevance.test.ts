import { describe, expect, it } from 'vitest';
import { buildRepoContext } from '../../src/context/build-context.ts';
import { excerptOf } from '../../src/context/excerpt.ts';
import { issueKeywords, keywordStems } from '../../src/context/keywords.ts';
import { pathStems, rankPaths } from '../../src/context/relevance.ts';
import { FakeRepoReader } from '../fakes/repo-reader.ts';

const LICENSE_HEADER = [
  '/*',
  ' * Copyright 2024 Acme Inc.',
  ' * Licensed under the MIT license.',
  ' */',
  '',
].join('\n');

function shopRepository(): FakeRepoReader {
  return new FakeRepoReader(
    {
      'package.json': '{"dependencies":{"express":"4","react":"18"}}',
      'README.md': '# Shop\n\nA web shop.\n',
      'src/checkout/cart.ts': [
        LICENSE_HEADER,
        "import type { Item } from '../catalog/products.ts';",
        '',
        'export interface Cart { items: Item[] }',
        '',
        'export function cartTotal(cart: Cart): number {',
        '  return cart.items.reduce((sum, item) => sum + item.price, 0);',
        '}',
      ].join('\n'),
      'src/checkout/CheckoutPage.tsx': [
        "import { cartTotal } from './cart.ts';",
        'export function CheckoutPage() {',
        '  // TODO: take the payment here once a provider is chosen',
        '  return null;',
        '}',
      ].join('\n'),
      'src/payments/index.ts': "export * from './provider.ts';\n",
      'src/payments/provider.ts':
        'export interface PaymentProvider { charge(cents: number): Promise<string> }\n',
      'src/users/profile.ts': 'export const profile = {};\n',
      'src/utils/logger.ts': 'export const logger = console;\n',
      'src/catalog/products.ts': 'export interface Item { price: number }\n',
      'src/server.ts': 'export const server = 1;\n',
      'test/checkout/cart.test.ts': "import { cartTotal } from '../../src/checkout/cart.ts';\n",
      'docs/architecture.md': 'The shop has a catalog, a cart and users.\n',
      'src/generated/payment-client.ts': 'export const generated = true;\n',
      'node_modules/stripe/lib/stripe.js': 'module.exports = {};\n',
      'vendor/payments/stripe.js': 'var stripe;\n',
      'src/payments/stripe-fixtures.json': '{}',
      'src/payments/logo.png': 'PNG',
    },
    { sizes: { 'src/payments/stripe-fixtures.json': 300 * 1024 } },
  );
}

const ISSUE =
  'Add Stripe payments to checkout\n\nUsers should be able to pay with a card at checkout, using Stripe.';

describe('keywords', () => {
  it('tokenises issue text: lowercase, stopwords removed, simple stemming, camelCase split', () => {
    expect(keywordStems('Add Stripe payments to the CheckoutPage, please!')).toEqual([
      'stripe',
      'payment',
      'checkout',
      'page',
    ]);
    expect(keywordStems('Categories are not cached when processing orders')).toEqual([
      'category',
      'cach',
      'process',
      'order',
    ]);
  });

  it('weighs title words double and keeps at most 32 keywords from a long body, title first', () => {
    const logLines = Array.from(
      { length: 200 },
      (_, i) => `at handler ${String.fromCharCode(97 + (i % 26))}word${i} (x)`,
    );
    const { stems, importance } = issueKeywords(`Refund webhook fails\n\n${logLines.join('\n')}`);
    expect(stems).toHaveLength(32);
    expect(stems.slice(0, 3)).toEqual(['refund', 'webhook', 'fail']);
    expect(importance.get('refund')).toBe(2);
    expect(importance.get('handler')).toBe(1);
  });

  it('splits paths on camelCase, snake_case, kebab-case and directories', () => {
    expect(pathStems('src/payment_providers/StripeWebhookHandler.ts')).toEqual({
      name: ['stripe', 'webhook', 'handler'],
      dirs: ['src', 'payment', 'provider'],
    });
    expect(pathStems('web/user-profiles/index.test.tsx')).toEqual({
      name: ['index', 'test'],
      dirs: ['web', 'user', 'profile'],
    });
  });

  it('weighs a keyword in the file name above the same keyword in a directory', () => {
    const { ranked } = rankPaths(
      [
        { path: 'src/invoices/list.ts', size: 10 },
        { path: 'src/billing/invoices.ts', size: 10 },
        { path: 'src/misc/other.ts', size: 10 },
      ],
      ['invoice'],
    );
    expect(ranked.map((entry) => entry.path)).toEqual(['src/billing/invoices.ts', 'src/invoices/list.ts']);
  });
});

describe('relevant files', () => {
  it('ranks checkout and payments code above unrelated files for "add Stripe payments to checkout"', async () => {
    const reader = shopRepository();
    const ctx = await buildRepoContext(reader, { repo: 'acme/shop', issueText: ISSUE });
    const paths = ctx.relevantFiles.map((file) => file.path);
    expect(paths.length).toBeGreaterThanOrEqual(4);
    expect(paths.slice(0, 4).sort()).toEqual([
      'src/checkout/CheckoutPage.tsx',
      'src/checkout/cart.ts',
      'src/payments/index.ts',
      'src/payments/provider.ts',
    ]);
    for (const unrelated of ['src/utils/logger.ts', 'src/catalog/products.ts', 'src/server.ts']) {
      expect(paths).not.toContain(unrelated);
    }
    // "Users should be able to pay" names users in passing: the title's words weigh more.
    const users = paths.indexOf('src/users/profile.ts');
    if (users !== -1) expect(users).toBeGreaterThanOrEqual(4);
    // The test of the cart and generated code count less than the source.
    const testIndex = paths.indexOf('test/checkout/cart.test.ts');
    if (testIndex !== -1) expect(testIndex).toBeGreaterThan(paths.indexOf('src/checkout/cart.ts'));
    expect(paths.indexOf('src/generated/payment-client.ts')).not.toBe(0);
  });

  it('never reads or returns vendored, oversized or binary files', async () => {
    const reader = shopRepository();
    const ctx = await buildRepoContext(reader, { repo: 'acme/shop', issueText: ISSUE, maxRelevantFiles: 20 });
    const never = [
      'node_modules/stripe/lib/stripe.js',
      'vendor/payments/stripe.js',
      'src/payments/stripe-fixtures.json',
      'src/payments/logo.png',
    ];
    const read = reader.callsTo('getFile').map((call) => call.args[0]);
    for (const path of never) {
      expect(read).not.toContain(path);
      expect(ctx.relevantFiles.map((file) => file.path)).not.toContain(path);
    }
  });

  it('says why each file was chosen', async () => {
    const ctx = await buildRepoContext(shopRepository(), { repo: 'acme/shop', issueText: ISSUE });
    const byPath = new Map(ctx.relevantFiles.map((file) => [file.path, file]));
    expect(byPath.get('src/payments/provider.ts')?.reason).toBe("path matches 'payment'");
    expect(byPath.get('src/checkout/cart.ts')?.reason).toBe("path matches 'checkout'");
    expect(byPath.get('src/checkout/CheckoutPage.tsx')?.reason).toBe(
      "path matches 'checkout'; content mentions 'payment'",
    );
  });

  it('shows the lines around keyword hits, or the first meaningful lines without the license header', async () => {
    const ctx = await buildRepoContext(shopRepository(), { repo: 'acme/shop', issueText: ISSUE });
    const byPath = new Map(ctx.relevantFiles.map((file) => [file.path, file]));
    expect(byPath.get('src/checkout/CheckoutPage.tsx')?.excerpt).toContain(
      '// TODO: take the payment here once a provider is chosen',
    );
    const cart = byPath.get('src/checkout/cart.ts')?.excerpt ?? '';
    expect(cart.split('\n')[0]).toBe("import type { Item } from '../catalog/products.ts';");
    expect(cart).not.toContain('Copyright');
    expect(cart).toContain('export function cartTotal(cart: Cart): number {');
  });

  it('reads no more files than maxRelevantFiles allows', async () => {
    const reader = shopRepository();
    const ctx = await buildRepoContext(reader, { repo: 'acme/shop', issueText: ISSUE, maxRelevantFiles: 2 });
    expect(ctx.relevantFiles).toHaveLength(2);
    const nonManifestReads = reader
      .callsTo('getFile')
      .filter((call) => call.args[0] !== 'package.json' && call.args[0] !== 'README.md');
    expect(nonManifestReads).toHaveLength(2);

    const none = await buildRepoContext(shopRepository(), {
      repo: 'acme/shop',
      issueText: ISSUE,
      maxRelevantFiles: 0,
    });
    expect(none.relevantFiles).toEqual([]);
  });

  it('returns no relevant files when nothing in the tree matches the issue', async () => {
    const ctx = await buildRepoContext(shopRepository(), {
      repo: 'acme/shop',
      issueText: 'Translate the interface into Icelandic',
    });
    expect(ctx.relevantFiles).toEqual([]);
  });
});

describe('excerpts', () => {
  it('stays within 1,500 characters on a long file full of hits', () => {
    const lines = Array.from({ length: 400 }, (_, i) =>
      i % 10 === 0
        ? `const payment${i} = chargePayment(${i}); // payment step ${i}`
        : `const other${i} = ${i};`,
    );
    const excerpt = excerptOf(lines.join('\n'), ['payment']);
    expect(excerpt.text.length).toBeLessThanOrEqual(1500);
    expect(excerpt.text).toContain('const payment0 = chargePayment(0);');
    expect(excerpt.text).toContain('…');
    expect(excerpt.mentioned).toEqual(['payment']);
  });

  it('shows at most 40 lines of a file that mentions no keyword', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const excerpt = excerptOf(lines.join('\n\n'), ['payment']);
    expect(excerpt.text.split('\n')).toHaveLength(40);
    expect(excerpt.mentioned).toEqual([]);
  });
});
