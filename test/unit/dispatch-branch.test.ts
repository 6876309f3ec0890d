import { describe, expect, it } from 'vitest';
import { branchSlug, issueNumberOfBranch, MAX_SLUG_CHARS, runBranch } from '../../src/agents/branch.ts';

describe('run branches', () => {
  it.each([
    [14, 'Add the Stripe checkout session endpoint', 'ai/14-add-the-stripe-checkout-session-endpoint'],
    [3, 'Café & crème: UI', 'ai/3-cafe-creme-ui'],
    [7, 'API: /orders?status=open (v2)', 'ai/7-api-orders-status-open-v2'],
    [9, '   ', 'ai/9-task'],
    [9, '日本語のタイトル', 'ai/9-task'],
    [21, 'Webhook_handler for refunds', 'ai/21-webhook-handler-for-refunds'],
  ])('#%i "%s" → %s', (number, title, branch) => {
    expect(runBranch(number, title)).toBe(branch);
  });

  it('cuts long titles at a word boundary within the slug limit', () => {
    const slug = branchSlug(
      'Persist refunds issued from the admin page into the orders table with an audit trail',
    );
    expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_CHARS);
    expect(slug).toBe('persist-refunds-issued-from-the-admin');
    expect(branchSlug('Supercalifragilisticexpialidociouslyextraordinarilylongword')).toHaveLength(
      MAX_SLUG_CHARS,
    );
  });

  it('refuses an issue number that is not a positive integer', () => {
    expect(() => runBranch(0, 'x')).toThrow(/positive integer/);
    expect(() => runBranch(1.5, 'x')).toThrow(/positive integer/);
  });

  it('reads the subtask number back from our branches only', () => {
    expect(issueNumberOfBranch('ai/14-add-cart')).toBe(14);
    expect(issueNumberOfBranch(runBranch(250, 'Refunds'))).toBe(250);
    expect(issueNumberOfBranch('feature/ai/14-add-cart')).toBeNull();
    expect(issueNumberOfBranch('ai/add-cart')).toBeNull();
    expect(issueNumberOfBranch('ai/0-x')).toBeNull();
    expect(issueNumberOfBranch('main')).toBeNull();
  });
});
