import { describe, expect, it } from 'vitest';
import type { RepoContext } from '../../src/context/types.ts';
import { classifyFeature } from '../../src/planning/builtin/classify.ts';
import {
  bakeryRepo,
  clinicRepo,
  inventoryRepo,
  ledgerRepo,
  ordersServiceRepo,
  releasectlRepo,
  shopfrontRepo,
  storefrontNextRepo,
} from '../../src/planning/builtin/example-repos.ts';
import { BuiltinPlanner } from '../../src/planning/builtin/planner.ts';
import { TEMPLATES } from '../../src/planning/builtin/templates/index.ts';
import type { TemplateId } from '../../src/planning/builtin/templates/types.ts';
import { validateDecomposition } from '../../src/planning/dag.ts';
import type { IssueInput } from '../../src/planning/planner.ts';
import { type Decomposition, decompositionSchema } from '../../src/planning/schemas.ts';

const planner = new BuiltinPlanner();
const scope = { repoId: 1, taskId: 1 };

function issue(title: string, body: string, context: RepoContext): IssueInput {
  return { repo: context.repo, number: 100, title, body, author: 'alice' };
}

async function plan(
  title: string,
  body: string,
  context: RepoContext,
  answers: Record<number, string> = {},
  maxSubtasks = 12,
) {
  const input = issue(title, body, context);
  const asked = await planner.askQuestions({ issue: input, context, maxQuestions: 5 }, scope);
  const questions = asked.questions.map((q, i) => ({
    ordinal: i + 1,
    ...q,
    answer: answers[i + 1] ?? null,
    answeredBy: null,
  }));
  const spec = await planner.writeSpec(
    { issue: input, context, featureType: asked.featureType, questions },
    scope,
  );
  const decomposition = await planner.decompose(
    { issue: input, context, featureType: asked.featureType, spec, specVersion: 1, maxSubtasks },
    scope,
  );
  return { featureType: asked.featureType, spec, decomposition, input };
}

function keys(d: Decomposition): string[] {
  return d.subtasks.map((s) => s.key);
}

function waveOf(waves: string[][], key: string): number {
  return waves.findIndex((wave) => wave.includes(key));
}

const PAYMENTS = 'Accept online payments at checkout';

const perTemplate: Array<[TemplateId, string, string, RepoContext]> = [
  ['authentication', 'Add login with email and password', '', shopfrontRepo],
  ['payments', PAYMENTS, '', shopfrontRepo],
  ['crud_api', 'CRUD API for warehouses', '', inventoryRepo],
  ['ui_page', 'New dashboard page for sales figures', '', shopfrontRepo],
  ['integration', 'Post new orders to Slack', 'Integrate with our Slack workspace.', shopfrontRepo],
  ['notifications', 'Email customers when their order ships', '', ordersServiceRepo],
  ['search', 'Add a product search page', '', storefrontNextRepo],
  ['import_export', 'Import customers from a CSV file', '', clinicRepo],
  ['data_migration', 'Backfill the new currency column for existing orders', '', shopfrontRepo],
  [
    'bug_fix',
    'Cart total becomes negative',
    'Steps to reproduce: apply coupon TAKE5. Expected: total never below 0.',
    bakeryRepo,
  ],
  [
    'performance',
    'Balance sheet report is slow',
    'GET /api/reports/balance-sheet takes 9 seconds.',
    ledgerRepo,
  ],
  ['configuration', 'Config file support', '', releasectlRepo],
  ['general', 'Improve the README wording', '', releasectlRepo],
];

describe('BuiltinPlanner.decompose', () => {
  it.each(perTemplate)('produces a valid DAG for %s work', async (templateId, title, body, context) => {
    expect(classifyFeature(title, body, context).template).toBe(templateId);
    const { decomposition } = await plan(title, body, context);
    expect(decompositionSchema.safeParse(decomposition).success).toBe(true);
    const check = validateDecomposition(decomposition, { maxSubtasks: 12 });
    expect(check).toMatchObject({ ok: true });
    expect(decomposition.subtasks.length).toBeGreaterThanOrEqual(3);
    for (const subtask of decomposition.subtasks) {
      expect(subtask.key).toMatch(/^[a-z0-9][a-z0-9-]{0,39}$/);
      expect(subtask.acceptanceCriteria.length).toBeGreaterThan(0);
      expect(subtask.estimate).toMatch(/^\d+(\.5)?[hd]$/);
    }
    // Documentation (or the closing step) comes last: nothing waits for it.
    const docs = TEMPLATES[templateId].docsStep;
    expect(keys(decomposition)).toContain(docs);
    expect(decomposition.subtasks.some((s) => s.dependsOn.includes(docs))).toBe(false);
  });

  it('orders schema → service → endpoints → UI and runs independent adapters in parallel', async () => {
    const { decomposition } = await plan(PAYMENTS, '', shopfrontRepo, { 1: 'both' });
    const check = validateDecomposition(decomposition, { maxSubtasks: 12 });
    if (!check.ok) throw new Error(check.errors.join('; '));
    const w = (key: string) => waveOf(check.waves, key);
    expect(w('payment-schema')).toBeLessThan(w('payment-service'));
    expect(w('payment-service')).toBeLessThan(w('checkout-api'));
    expect(w('checkout-api')).toBeLessThan(w('checkout-ui'));
    expect(w('stripe-adapter')).toBe(w('paypal-adapter'));
    expect(w('payments-docs')).toBe(check.waves.length - 1);
  });

  it('has a subtask per provider and for webhooks only when they are in scope', async () => {
    const stripeOnly = await plan(PAYMENTS, '', shopfrontRepo, {
      1: 'Stripe only',
      5: 'Only the redirect back to the shop',
    });
    expect(keys(stripeOnly.decomposition)).toContain('stripe-adapter');
    expect(keys(stripeOnly.decomposition)).not.toContain('paypal-adapter');
    expect(keys(stripeOnly.decomposition)).not.toContain('payment-webhooks');

    const both = await plan(PAYMENTS, '', shopfrontRepo, { 1: 'both', 5: 'webhooks' });
    expect(keys(both.decomposition)).toEqual(
      expect.arrayContaining(['stripe-adapter', 'paypal-adapter', 'payment-webhooks']),
    );
  });

  it('adds UI subtasks only when the repository has a frontend', async () => {
    const api = await plan('CRUD API for suppliers', '', inventoryRepo);
    const withUi = await plan('CRUD API for suppliers', '', shopfrontRepo);
    expect(keys(api.decomposition)).not.toContain('crud-screens');
    expect(keys(withUi.decomposition)).toContain('crud-screens');
  });

  it('follows the approved spec, including review changes', async () => {
    const first = await plan(PAYMENTS, '', shopfrontRepo, { 1: 'Stripe only' });
    const revised = await planner.writeSpec(
      {
        issue: first.input,
        context: shopfrontRepo,
        featureType: 'payments',
        questions: [],
        previous: { version: 1, spec: first.spec, feedback: 'also support PayPal and add rate limiting' },
      },
      scope,
    );
    const d = await planner.decompose(
      {
        issue: first.input,
        context: shopfrontRepo,
        featureType: 'payments',
        spec: revised,
        specVersion: 2,
        maxSubtasks: 12,
      },
      scope,
    );
    expect(keys(d)).toEqual(expect.arrayContaining(['paypal-adapter', 'rate-limit']));
    expect(d.subtasks.find((s) => s.key === 'rate-limit')?.dependsOn).toEqual(['checkout-api']);
  });

  it('decomposes a spec written elsewhere (no decisions block) from its text', async () => {
    const { spec, input } = await plan(PAYMENTS, '', shopfrontRepo);
    const foreign = {
      ...spec,
      architecture: 'Add a PayPal and a Stripe adapter behind one provider interface.',
    };
    const d = await planner.decompose(
      {
        issue: input,
        context: shopfrontRepo,
        featureType: 'payments',
        spec: foreign,
        specVersion: 1,
        maxSubtasks: 12,
      },
      scope,
    );
    expect(keys(d)).toEqual(expect.arrayContaining(['stripe-adapter', 'paypal-adapter']));
  });

  it('respects maxSubtasks by merging the least important steps, keeping every criterion', async () => {
    const full = await plan(PAYMENTS, 'with rate limiting and an audit log', shopfrontRepo, {
      1: 'both',
      3: 'Full and partial refunds',
    });
    const total = full.decomposition.subtasks.length;
    expect(total).toBeGreaterThan(8);
    const criteria = full.decomposition.subtasks.flatMap((s) => s.acceptanceCriteria);
    for (let max = 1; max < total; max++) {
      const { decomposition } = await plan(
        PAYMENTS,
        'with rate limiting and an audit log',
        shopfrontRepo,
        { 1: 'both', 3: 'Full and partial refunds' },
        max,
      );
      expect(decomposition.subtasks.length).toBeLessThanOrEqual(max);
      expect(validateDecomposition(decomposition, { maxSubtasks: max }).ok).toBe(true);
      const text = decomposition.subtasks.flatMap((s) => s.acceptanceCriteria).join('\n');
      for (const criterion of criteria) expect(text).toContain(criterion);
    }
    const three = await plan(
      PAYMENTS,
      'with rate limiting and an audit log',
      shopfrontRepo,
      { 1: 'both', 3: 'Full and partial refunds' },
      3,
    );
    expect(three.decomposition.subtasks.some((s) => /\(\+ \d+ merged steps?\)/.test(s.title))).toBe(true);
    expect(three.decomposition.subtasks.some((s) => s.description.includes('Also covers “'))).toBe(true);
  });

  it('refuses a non-positive maxSubtasks with a clear error', async () => {
    await expect(plan(PAYMENTS, '', shopfrontRepo, {}, 0)).rejects.toThrow(
      /maxSubtasks must be a positive integer/,
    );
  });

  it('is deterministic', async () => {
    const a = await plan(PAYMENTS, '', shopfrontRepo, { 1: 'both' });
    const b = await plan(PAYMENTS, '', shopfrontRepo, { 1: 'both' });
    expect(a.decomposition).toEqual(b.decomposition);
  });
});
