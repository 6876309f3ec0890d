import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGiteaClient } from '../../src/gitea/client.ts';
import { setupRepo } from '../../src/gitea/setup.ts';
import type { DeliveryOrder } from '../fakes/gitea/index.ts';
import { BOT, type Harness, SHOP_FILES, startHarness, WEBHOOK_SECRET } from './harness.ts';

/**
 * One scenario — a conversation, its subtasks, a pull request with reviews, new commits and a
 * merge, a config change — played once with deliveries in order and then with the Gitea fake
 * delivering like Gitea's worker pool for several seeds. Each step's changes are made together,
 * so their webhooks land in one batch and the pool reorders them. Every run must leave Gitea
 * exactly as the in-order run does.
 */

const ORDERS: Array<{ name: string; order: DeliveryOrder }> = [
  { name: 'in-order', order: { mode: 'in-order' } },
  ...[1, 2, 3, 4].map((seed) => ({
    name: `pool seed ${seed}`,
    order: { mode: 'pool', workers: 4, seed } as const,
  })),
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: 'delivery_pool' });
});
afterAll(async () => {
  await h?.close();
});

/** A repository of its own per run, so issue numbers match between runs. */
async function freshRepo(name: string): Promise<string> {
  const { gitea } = h;
  gitea.createRepo('acme', name, { files: SHOP_FILES, description: 'Our web shop' });
  const repo = `acme/${name}`;
  gitea.setPermission(repo, BOT, 'admin');
  gitea.setPermission(repo, 'alice', 'write');
  const client = createGiteaClient({ baseUrl: gitea.url, token: gitea.createToken(BOT) });
  await setupRepo(client, {
    owner: 'acme',
    repo: name,
    publicUrl: h.runtime.url!,
    webhookSecret: WEBHOOK_SECRET,
  });
  await h.settle();
  return repo;
}

async function playScenario(repo: string): Promise<void> {
  const { gitea } = h;
  const alice = gitea.as('alice');
  const bob = gitea.as('bob');
  const feature = await alice.openIssue(repo, {
    title: 'Pay with gift cards',
    body: 'Customers redeem a gift card code at checkout.',
    labels: ['ai'],
  });
  await h.settle();

  // The label goes and comes back at once; an answer is given and edited at once.
  await alice.removeLabel(repo, feature.number, 'ai');
  await alice.addLabels(repo, feature.number, ['ai']);
  const answer = await alice.comment(repo, feature.number, '/answer 1 Codes of 16 letters');
  await alice.editComment(repo, answer.id, '/answer 1 Codes of 12 letters');
  await h.settle();

  await alice.comment(repo, feature.number, '/spec');
  await h.settle();
  await alice.comment(repo, feature.number, '/approve-spec v1');
  await h.settle();

  const subtasks = gitea
    .issues(repo)
    .filter((i) => i.user === BOT && i.body.includes(`<!-- aiworker:subtask parent=${feature.number} `));
  const waitedFor = subtasks.find(
    (s) =>
      s.labels.includes('ai-status/ready') &&
      subtasks.some((o) => gitea.dependencies(repo, o.number).includes(s.number)),
  );
  expect(waitedFor).toBeDefined();
  const first = waitedFor!.number;

  // A pull request and a request for changes; then two pushes; then approval and merge.
  const pr = await alice.openPullRequest(repo, {
    title: 'Gift card codes',
    body: `Closes #${first}`,
    head: 'alice/gift-cards',
    files: { 'src/checkout/gift-cards.ts': 'export const redeem = () => 0;\n' },
  });
  await bob.review(repo, pr.number, { event: 'REQUEST_CHANGES', body: 'Codes must be case-insensitive.' });
  await h.settle();
  await alice.pushToPullRequest(repo, pr.number, {
    'src/checkout/gift-cards.ts': 'export const redeem = (c) => c;\n',
  });
  await alice.pushToPullRequest(repo, pr.number, {
    'src/checkout/gift-cards.ts': 'export const redeem = (c) => c.toUpperCase();\n',
  });
  await h.settle();
  await bob.review(repo, pr.number, { event: 'APPROVED' });
  await alice.mergePullRequest(repo, pr.number);
  await h.settle();

  // A subtask closed and reopened at once stays open and ready.
  const next = gitea
    .issues(repo)
    .find(
      (i) =>
        i.labels.includes('ai-status/ready') &&
        i.number !== first &&
        subtasks.some((s) => s.number === i.number),
    );
  expect(next).toBeDefined();
  await alice.close(repo, next!.number);
  await alice.reopen(repo, next!.number);
  await h.settle();

  // A config change pushed together with a new conversation: the conversation follows it.
  gitea.setFiles(repo, { '.gitea/aiworker.yaml': 'questions:\n  max: 2\n' });
  await alice.openIssue(repo, { title: 'Loyalty points', body: 'One point per euro.', labels: ['ai'] });
  await h.settle();
}

/** Gitea's state after a run, with what differs between any two runs (ids, shas, names) masked. */
function snapshot(repo: string) {
  const { gitea } = h;
  const mask = (text: string) =>
    text
      .replaceAll(repo, 'REPO')
      .replace(/\b[0-9a-f]{40}\b/g, 'SHA')
      .replace(/`[0-9a-f]{7,10}`/g, '`SHA`')
      .replace(/\bc\d+\./g, 'cID.') // reply markers name the comment they answer
      .replace(/\b\d{4,}\b/g, 'ID');
  return gitea.issues(repo).map((issue) => ({
    number: issue.number,
    title: issue.title,
    state: issue.state,
    labels: [...issue.labels].sort(),
    dependsOn: gitea.dependencies(repo, issue.number),
    reactions: gitea.reactions(repo, { issue: issue.number }).map((r) => `${r.user}:${r.content}`),
    comments: gitea
      .comments(repo, issue.number)
      .map((c) => `${c.user}: ${mask(c.body)}`)
      .sort(),
    merged: issue.pull?.merged ?? null,
  }));
}

it('ends with the same Gitea state whatever order the worker pool delivers in', async () => {
  const results: Array<{ name: string; state: ReturnType<typeof snapshot> }> = [];
  for (const [index, { name, order }] of ORDERS.entries()) {
    h.gitea.setDeliveryOrder(order);
    const repo = await freshRepo(`shop-${index}`);
    await playScenario(repo);
    results.push({ name, state: snapshot(repo) });
  }
  h.gitea.setDeliveryOrder({ mode: 'in-order' });

  const [inOrder, ...pooled] = results;
  // The in-order run did what the scenario is about.
  const issues = inOrder!.state;
  const byTitle = (title: string) => issues.find((i) => i.title === title);
  expect(byTitle('Pay with gift cards')?.labels).toContain('ai-status/in-progress');
  expect(byTitle('Pay with gift cards')?.comments.some((c) => c.includes('Codes of 16 letters'))).toBe(true);
  expect(byTitle('Gift card codes')?.merged).toBe(true);
  const reviewed = issues.find((i) => i.comments.some((c) => c.includes(' event=pr-review ')));
  expect(reviewed?.state).toBe('closed');
  expect(reviewed?.labels).toContain('ai-status/done');
  expect(reviewed?.comments.some((c) => c.includes(' event=pr-commits '))).toBe(true);
  expect(issues.filter((i) => i.labels.includes('ai-status/ready')).length).toBeGreaterThan(0);
  const loyalty = byTitle('Loyalty points');
  expect(loyalty?.labels).toContain('ai-status/clarifying');
  const questions = loyalty?.comments.find((c) => c.includes('aiworker:questions')) ?? '';
  expect((questions.match(/^\d+\. \*\*/gm) ?? []).length).toBeLessThanOrEqual(2);

  // The pool really reordered something, and changed nothing in the end.
  const swaps = h.gitea.deliveries.filter(
    (d, i, all) =>
      d.sentIndex !== null && all.slice(i + 1).some((later) => (later.sentIndex ?? -1) < d.sentIndex!),
  );
  expect(swaps.length).toBeGreaterThan(0);
  for (const run of pooled)
    expect({ run: run.name, state: run.state }).toEqual({ run: run.name, state: inOrder!.state });
}, 300_000);
