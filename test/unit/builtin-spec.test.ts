import { describe, expect, it } from 'vitest';
import type { RepoContext } from '../../src/context/types.ts';
import { releasectlRepo, shopfrontRepo } from '../../src/planning/builtin/example-repos.ts';
import { BuiltinPlanner } from '../../src/planning/builtin/planner.ts';
import type { AnsweredQuestion, IssueInput } from '../../src/planning/planner.ts';
import { type Spec, specSchema } from '../../src/planning/schemas.ts';

const planner = new BuiltinPlanner();
const scope = { repoId: 1, taskId: 1 };

const paymentsIssue: IssueInput = {
  repo: 'acme/shopfront',
  number: 41,
  title: 'Accept online payments at checkout',
  body: 'Customers should pay by card when they place an order.',
  author: 'maria',
};
const configIssue: IssueInput = {
  repo: 'tools/releasectl',
  number: 17,
  title: 'Config file support',
  body: '',
  author: 'sam',
};

/** Asks, then answers question n with answers[n] (missing = unanswered). */
async function answered(issue: IssueInput, context: RepoContext, answers: Record<number, string>) {
  const asked = await planner.askQuestions({ issue, context, maxQuestions: 5 }, scope);
  const questions: AnsweredQuestion[] = asked.questions.map((q, i) => ({
    ordinal: i + 1,
    ...q,
    answer: answers[i + 1] ?? null,
    answeredBy: answers[i + 1] ? 'maria' : null,
  }));
  return { featureType: asked.featureType, questions };
}

async function spec(issue: IssueInput, context: RepoContext, answers: Record<number, string>) {
  const { featureType, questions } = await answered(issue, context, answers);
  const result = await planner.writeSpec({ issue, context, featureType, questions }, scope);
  expect(specSchema.safeParse(result).success).toBe(true);
  return { spec: result, featureType, questions };
}

async function revise(
  issue: IssueInput,
  context: RepoContext,
  base: Awaited<ReturnType<typeof spec>>,
  previous: Spec,
  version: number,
  feedback: string,
) {
  const result = await planner.writeSpec(
    {
      issue,
      context,
      featureType: base.featureType,
      questions: base.questions,
      previous: { version, spec: previous, feedback },
    },
    scope,
  );
  expect(specSchema.safeParse(result).success).toBe(true);
  return result;
}

function all(s: Spec): string {
  return [
    s.title,
    s.summary,
    ...s.goals,
    s.context,
    s.architecture,
    ...s.edgeCases,
    ...s.acceptanceCriteria,
    ...s.assumptions,
  ].join('\n');
}

describe('BuiltinPlanner.writeSpec', () => {
  it('states every unanswered question as an explicit assumption', async () => {
    const { spec: s, questions } = await spec(paymentsIssue, shopfrontRepo, {
      1: 'Stripe only',
      3: 'Full and partial refunds',
    });
    const unanswered = questions.filter((q) => q.answer === null);
    expect(unanswered.map((q) => q.ordinal)).toEqual([2, 4, 5]);
    for (const q of unanswered) {
      const line = s.assumptions.find((a) => a.includes(`question ${q.ordinal} was not answered`));
      expect(line).toBeDefined();
      expect(line).toMatch(/^Assumed: /);
      expect(line).toContain(q.assumption.slice(1, 30));
    }
    expect(s.assumptions.some((a) => a.includes('question 1 was not answered'))).toBe(false);
    expect(s.changeSummary).toBe('First version.');
  });

  it('builds goals, architecture and criteria from the answers and this repository', async () => {
    const { spec: s } = await spec(paymentsIssue, shopfrontRepo, {
      1: 'Stripe only',
      3: 'Full and partial refunds',
      5: 'webhooks',
    });
    expect(s.goals.join(' ')).toContain('Stripe');
    expect(s.goals.join(' ')).not.toContain('PayPal');
    expect(s.goals.join(' ')).toMatch(/in full or in part/);
    expect(s.architecture).toContain('prisma/schema.prisma');
    expect(s.architecture).toContain('src/payment/stripe.ts');
    expect(s.architecture).toContain('`src/client/pages/CheckoutPage.tsx`');
    expect(s.architecture).toMatch(/- \*\*Payment providers:\*\* Stripe — answer 1 by maria/);
    expect(s.edgeCases.join(' ')).toMatch(/idempotent/);
    expect(s.edgeCases.join(' ')).toMatch(/Partial refunds must never exceed/);
    expect(s.acceptanceCriteria.join(' ')).toMatch(/Vitest tests/);
    expect(s.acceptanceCriteria.join(' ')).toMatch(/Playwright/);
    expect(s.context).toContain('`src/orders/orders.routes.ts`');
    expect(s.context).toContain('README:');
  });

  it('reads option numbers and “both” as answers, and more providers raise the complexity', async () => {
    const one = await spec(paymentsIssue, shopfrontRepo, { 1: '1' });
    const both = await spec(paymentsIssue, shopfrontRepo, { 1: 'both' });
    expect(one.spec.architecture).toMatch(/Payment providers:\*\* Stripe —/);
    expect(both.spec.architecture).toMatch(/Payment providers:\*\* Stripe \+ PayPal —/);
    const order = ['low', 'medium', 'high', 'very_high'];
    expect(order.indexOf(both.spec.estimatedComplexity)).toBeGreaterThan(
      order.indexOf(one.spec.estimatedComplexity),
    );
  });

  it('keeps a free-text answer verbatim instead of forcing it onto an option', async () => {
    const { spec: s } = await spec(paymentsIssue, shopfrontRepo, {
      1: 'Adyen, because finance already has a contract',
    });
    expect(s.architecture).toContain('Adyen');
    const { spec: t } = await spec(paymentsIssue, shopfrontRepo, { 2: 'Swiss francs' });
    expect(t.architecture).toContain('**Currency:** “Swiss francs” — answer 2 by maria');
    expect(t.assumptions.some((a) => a.startsWith('Answer 2 (“Swiss francs”) names no option offered'))).toBe(
      true,
    );
    // An answer that names an option but says more keeps its wording next to the option.
    const { spec: u } = await spec(paymentsIssue, shopfrontRepo, {
      2: 'EUR, the Swiss shop converts at checkout',
    });
    expect(u.architecture).toContain(
      '**Currency:** EUR (as answered: “EUR, the Swiss shop converts at checkout”)',
    );
  });

  it('applies “also support PayPal” and names the change', async () => {
    const base = await spec(paymentsIssue, shopfrontRepo, { 1: 'Stripe only' });
    const v2 = await revise(paymentsIssue, shopfrontRepo, base, base.spec, 1, 'also support PayPal');
    expect(v2.goals[0]).toContain('Stripe and PayPal');
    expect(v2.architecture).toContain('src/payment/paypal.ts');
    expect(v2.architecture).toMatch(/Payment providers:\*\* Stripe \+ PayPal — changed in review \(v2\)/);
    expect(v2.changeSummary).toMatch(/Payment providers: Stripe → Stripe \+ PayPal/);
  });

  it('applies “drop refunds”, “add rate limiting” and “out of scope: X”', async () => {
    const base = await spec(paymentsIssue, shopfrontRepo, { 3: 'Full and partial refunds' });
    expect(all(base.spec)).toMatch(/refund a payment in full or in part/);
    const v2 = await revise(
      paymentsIssue,
      shopfrontRepo,
      base,
      base.spec,
      1,
      'Drop refunds and add rate limiting. Out of scope: Apple Pay',
    );
    expect(v2.goals.join(' ')).not.toMatch(/Staff can refund/);
    expect(v2.goals.some((g) => g.startsWith('Rate limiting:'))).toBe(true);
    expect(v2.acceptanceCriteria.join(' ')).toMatch(/429/);
    expect(v2.assumptions).toContain('Out of scope: Apple Pay.');
    expect(v2.changeSummary).toMatch(/Refunds: Full and partial refunds → No refunds in the app/);
    expect(v2.changeSummary).toMatch(/added rate limiting/);
    expect(v2.changeSummary).toMatch(/out of scope: Apple Pay/);
  });

  it('applies “use TOML” to a config spec', async () => {
    const base = await spec(configIssue, releasectlRepo, { 1: 'YAML' });
    expect(base.spec.architecture).toContain('gopkg.in/yaml.v3');
    const v2 = await revise(configIssue, releasectlRepo, base, base.spec, 1, 'use TOML instead of YAML');
    expect(v2.architecture).toContain('github.com/BurntSushi/toml');
    expect(v2.architecture).not.toContain('gopkg.in/yaml.v3');
    expect(v2.changeSummary).toMatch(/File format: YAML → TOML/);
  });

  it('records feedback it cannot apply as a reviewer note', async () => {
    const base = await spec(configIssue, releasectlRepo, {});
    const v2 = await revise(
      configIssue,
      releasectlRepo,
      base,
      base.spec,
      1,
      'Please coordinate the release with the docs team first',
    );
    expect(v2.goals).toContain('Reviewer note (v2): Please coordinate the release with the docs team first');
    expect(v2.changeSummary).toMatch(/reviewer’s note/);
  });

  it('accumulates revisions: later versions keep what earlier reviews changed', async () => {
    const base = await spec(paymentsIssue, shopfrontRepo, { 1: 'Stripe only' });
    const v2 = await revise(paymentsIssue, shopfrontRepo, base, base.spec, 1, 'also support PayPal');
    const v3 = await revise(
      paymentsIssue,
      shopfrontRepo,
      base,
      v2,
      2,
      'add an audit log. Keep the copy short for the finance team',
    );
    expect(v3.goals[0]).toContain('Stripe and PayPal');
    expect(v3.goals.some((g) => g.startsWith('Audit log:'))).toBe(true);
    expect(v3.goals.some((g) => g.startsWith('Reviewer note (v3):'))).toBe(true);
    const v4 = await revise(paymentsIssue, shopfrontRepo, base, v3, 3, 'remove the audit log');
    expect(v4.goals.some((g) => g.startsWith('Audit log:'))).toBe(false);
    expect(v4.goals.some((g) => g.startsWith('Reviewer note (v3):'))).toBe(true);
    expect(v4.goals[0]).toContain('Stripe and PayPal');
    expect(v4.changeSummary).toMatch(/removed audit log/i);
  });

  it('is deterministic', async () => {
    const a = await spec(paymentsIssue, shopfrontRepo, { 1: 'Stripe only' });
    const b = await spec(paymentsIssue, shopfrontRepo, { 1: 'Stripe only' });
    expect(a.spec).toEqual(b.spec);
  });

  it('states questions asked by another planner as assumptions when unanswered', async () => {
    const s = await planner.writeSpec(
      {
        issue: paymentsIssue,
        context: shopfrontRepo,
        featureType: 'payments',
        questions: [
          {
            ordinal: 1,
            question: 'Should invoices be archived for ten years?',
            why: 'Legal retention rules.',
            options: [],
            assumption: 'Invoices are kept for ten years.',
            answer: null,
            answeredBy: null,
          },
        ],
      },
      scope,
    );
    expect(s.assumptions).toContain(
      'Assumed: Invoices are kept for ten years — question 1 was not answered.',
    );
  });
});
