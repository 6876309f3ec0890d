import { describe, expect, it } from 'vitest';
import { renderPlanComment, renderSubtaskBody, renderTaskList } from '../../src/planning/render/subtasks.ts';

const subtask = {
  key: 'checkout-api',
  title: 'Checkout endpoints',
  description: 'In `src/payment/payment.routes.ts`: `POST /api/payments/checkout`.',
  acceptanceCriteria: [
    'Given another customer’s order, when checkout is requested, then 404.',
    'Vitest tests cover the endpoints.',
  ],
  estimate: '4h',
  dependsOn: ['stripe-adapter', 'paypal-adapter'],
};

describe('renderSubtaskBody', () => {
  it('links back to the parent and lists criteria, estimate and dependencies', () => {
    const text = renderSubtaskBody({
      subtask,
      parent: { number: 41, title: 'Accept online payments' },
      specVersion: 2,
      dependencies: [
        { key: 'stripe-adapter', title: 'Stripe adapter', issueNumber: 44 },
        { key: 'paypal-adapter', title: 'PayPal adapter', issueNumber: null },
      ],
    });
    expect(text).toMatch(/^Part of #41 \(Accept online payments\), from specification v2\./);
    expect(text).toContain('`POST /api/payments/checkout`');
    expect(text).toContain(
      '### Acceptance criteria\n- [ ] Given another customer’s order, when checkout is requested, then 404.\n- [ ] Vitest tests cover the endpoints.',
    );
    expect(text).toContain('**Estimate:** 4h');
    expect(text).toContain('- #44 Stripe adapter');
    expect(text).toContain('- `paypal-adapter` PayPal adapter');
  });

  it('says when a subtask can start right away', () => {
    const text = renderSubtaskBody({
      subtask: { ...subtask, dependsOn: [] },
      parent: { number: 1, title: 'x' },
      specVersion: 1,
      dependencies: [],
    });
    expect(text).toContain('**Depends on:** nothing — can start right away.');
  });
});

describe('renderTaskList', () => {
  it('checks closed subtasks and shows issue numbers', () => {
    expect(
      renderTaskList([
        { key: 'a', title: 'Schema', issueNumber: 12, state: 'closed' },
        { key: 'b', title: 'API', issueNumber: 13, state: 'open' },
        { key: 'c', title: 'UI', issueNumber: null, state: 'open' },
      ]),
    ).toBe('- [x] #12 Schema\n- [ ] #13 API\n- [ ] UI (issue not created yet)');
  });
});

describe('renderPlanComment', () => {
  it('combines progress, the task list, the graph and the waves', () => {
    const text = renderPlanComment({
      specVersion: 2,
      waves: [['a'], ['b', 'c']],
      subtasks: [
        { key: 'a', title: 'Schema', dependsOn: [], issueNumber: 12, state: 'closed' },
        { key: 'b', title: 'API', dependsOn: ['a'], issueNumber: 13, state: 'open' },
        { key: 'c', title: 'Docs', dependsOn: ['a'], issueNumber: 14, state: 'open' },
      ],
    });
    expect(text).toMatch(/^## Plan: 3 subtasks in 2 waves \(spec v2\)/);
    expect(text).toContain('1 of 3 done.');
    expect(text).toContain('- [x] #12 Schema\n- [ ] #13 API\n- [ ] #14 Docs');
    expect(text).toContain('```mermaid\nflowchart TD');
    expect(text).toContain('1. #12 — done');
    expect(text).toContain('2. #13, #14 — after wave 1');
  });
});
