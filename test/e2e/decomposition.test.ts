import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/domain/errors.ts';
import { BOT, botComments, type Harness, REPO, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: 'decompose' });
});
afterAll(async () => {
  await h?.close();
});

/** Opens an `ai` issue and takes it to an approved spec; returns its number. */
async function approvedFeature(title: string, body: string): Promise<number> {
  const { gitea } = h;
  const issue = await gitea.as('alice').openIssue(REPO, { title, body, labels: ['ai'] });
  await h.settle();
  await gitea.as('alice').comment(REPO, issue.number, '/spec');
  await h.settle();
  await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
  await h.settle();
  return issue.number;
}

const subtasksOf = (parent: number) =>
  h.gitea
    .issues(REPO)
    .filter((i) => i.user === BOT && i.body.includes(`<!-- aiworker:subtask parent=${parent} `))
    .sort((a, b) => a.number - b.number);

describe('decomposition on approval', () => {
  it('creates linked subtask issues, a task list with a Mermaid graph, and unblocks them wave by wave', async () => {
    const { gitea } = h;
    const parent = await approvedFeature(
      'Accept card payments at checkout with Stripe',
      'Use Stripe Checkout (hosted). EUR only. Refunds from the admin page. Webhooks update the order.',
    );
    const subtasks = subtasksOf(parent);
    expect(subtasks.length).toBeGreaterThanOrEqual(3);
    expect(subtasks.length).toBeLessThanOrEqual(12);
    for (const s of subtasks) {
      expect(s.labels).toContain('ai-subtask');
      expect(s.body).toContain(`Part of #${parent}`);
      expect(s.body).toMatch(/Acceptance criteria/);
      expect(s.body).toMatch(/Estimate/);
    }
    // Real Gitea dependency links, matching the blocked/ready labels.
    const ready = subtasks.filter((s) => s.labels.includes('ai-status/ready'));
    const blocked = subtasks.filter((s) => s.labels.includes('ai-status/blocked'));
    expect(ready.length).toBeGreaterThan(0);
    expect(blocked.length).toBeGreaterThan(0);
    expect(ready.length + blocked.length).toBe(subtasks.length);
    for (const s of ready) expect(gitea.dependencies(REPO, s.number)).toEqual([]);
    for (const s of blocked) expect(gitea.dependencies(REPO, s.number).length).toBeGreaterThan(0);

    const plan = botComments(gitea, parent, 'plan');
    expect(plan).toHaveLength(1);
    for (const s of subtasks) expect(plan[0]!.body).toContain(`- [ ] #${s.number} `);
    expect(plan[0]!.body).toContain('```mermaid');
    expect(plan[0]!.body).toMatch(/subgraph/);
    expect(gitea.issue(REPO, parent)?.labels).toContain('ai-status/in-progress');

    // /plan shows it again.
    await gitea.as('bob').comment(REPO, parent, '/plan');
    await h.settle();
    expect(botComments(gitea, parent, 'reply').some((r) => r.body.includes('```mermaid'))).toBe(true);

    // Close subtasks in dependency order: each close unblocks the next wave; the last closes the parent.
    for (let round = 0; round < subtasks.length; round++) {
      const open = subtasksOf(parent).filter((s) => s.state === 'open');
      if (open.length === 0) break;
      const readyNow = open.filter((s) => s.labels.includes('ai-status/ready'));
      expect(readyNow.length).toBeGreaterThan(0);
      for (const s of readyNow) await gitea.as('alice').close(REPO, s.number);
      await h.settle();
      for (const s of readyNow) expect(gitea.issue(REPO, s.number)?.labels).toContain('ai-status/done');
    }
    expect(subtasksOf(parent).every((s) => s.state === 'closed')).toBe(true);
    expect(gitea.issue(REPO, parent)?.state).toBe('closed');
    expect(gitea.issue(REPO, parent)?.labels).toContain('ai-status/done');
    const summary = botComments(gitea, parent, 'summary');
    expect(summary).toHaveLength(1);
    expect(summary[0]!.body).toMatch(/all \d+ subtasks are closed/);
    expect(botComments(gitea, parent, 'plan')[0]!.body).not.toContain('- [ ] #');
  });

  it('moves a dependent back to blocked when its dependency is reopened', async () => {
    const { gitea } = h;
    const parent = await approvedFeature(
      'Export orders as CSV',
      'Admins download all orders of a month as a CSV file.',
    );
    const first = subtasksOf(parent).find((s) => s.labels.includes('ai-status/ready'))!;
    await gitea.as('alice').close(REPO, first.number);
    await h.settle();
    const unblocked = subtasksOf(parent).filter(
      (s) =>
        s.state === 'open' &&
        gitea.dependencies(REPO, s.number).includes(first.number) &&
        s.labels.includes('ai-status/ready'),
    );
    expect(unblocked.length).toBeGreaterThan(0);
    await gitea.as('alice').reopen(REPO, first.number);
    await h.settle();
    expect(gitea.issue(REPO, first.number)?.labels).toContain('ai-status/ready');
    for (const s of unblocked) expect(gitea.issue(REPO, s.number)?.labels).toContain('ai-status/blocked');
  });

  it('ends with exactly one issue per subtask when the job dies halfway and is retried', async () => {
    const { gitea, botGitea } = h;
    const client = botGitea.issues as { ensure: (...args: never[]) => Promise<unknown> };
    const original = client.ensure.bind(client);
    let calls = 0;
    client.ensure = async (...args: never[]) => {
      calls++;
      const result = await original(...args);
      if (calls === 3) throw new RetryableError('simulated crash right after creating an issue');
      return result;
    };
    try {
      const parent = await approvedFeature(
        'Import products from a CSV file',
        'Admins upload a CSV of products.',
      );
      const subtasks = subtasksOf(parent);
      const [rows] = await h.db.pool.query(
        'SELECT COUNT(*) AS n FROM subtasks s JOIN tasks t ON t.id = s.task_id WHERE t.issue_number = ?',
        [parent],
      );
      expect(calls).toBeGreaterThan(3);
      expect(subtasks).toHaveLength(Number((rows as Array<{ n: number }>)[0]!.n));
      expect(new Set(subtasks.map((s) => s.title)).size).toBe(subtasks.length);
      expect(gitea.issue(REPO, parent)?.labels).toContain('ai-status/in-progress');
    } finally {
      client.ensure = original;
    }
  });

  it('/decompose redoes the plan while nothing has started, closing the old subtasks', async () => {
    const { gitea } = h;
    const parent = await approvedFeature('Add a product search page', 'Full-text search over product names.');
    const before = subtasksOf(parent);
    await gitea.as('alice').comment(REPO, parent, '/decompose');
    await h.settle();
    for (const s of before) expect(gitea.issue(REPO, s.number)?.state).toBe('closed');
    const after = subtasksOf(parent).filter((s) => s.state === 'open');
    expect(after).toHaveLength(before.length);
    expect(botComments(gitea, parent, 'plan')[0]!.body).toContain(`#${after[0]!.number}`);
  });
});
