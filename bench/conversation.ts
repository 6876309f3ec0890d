import { setTimeout as sleep } from 'node:timers/promises';
import { botComments, REPO, startHarness } from '../test/e2e/harness.ts';
import type { BenchSection } from './run.ts';

/**
 * The conversation as a user waits for it, against the Gitea fake with the builtin planner,
 * real MariaDB and Redis, everything in one process: `ai` issue opened → questions comment
 * posted; last `/answer` → spec posted; `/approve-spec` → subtask issues created, linked and
 * placed. Issues are driven one at a time, so each figure is latency, not queueing.
 */

const ISSUES = Number(process.env.BENCH_ISSUES ?? 200);
const FEATURES = [
  ['Accept card payments at checkout', 'Customers pay for their cart at checkout.'],
  ['Export orders as CSV', 'Admins download the orders of a month.'],
  ['Search products by name', 'A search box on the catalogue page.'],
  ['Email customers when an order ships', 'Send a notification when the order status changes to shipped.'],
  ['Add a REST resource for coupons', 'CRUD endpoints for discount coupons.'],
];

async function waitFor(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the bot');
    await sleep(1);
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (v: number) => `${v.toFixed(0)} ms`;

export const conversationSection: BenchSection = {
  name: 'conversation',
  description: 'issue → questions, last answer → spec, approval → subtasks (builtin planner, Gitea fake)',
  async run({ machine }) {
    const h = await startHarness({ label: 'bench_conversation' });
    try {
      const toQuestions: number[] = [];
      const toSpec: number[] = [];
      for (let i = 0; i < ISSUES; i++) {
        const [title, body] = FEATURES[i % FEATURES.length]!;
        const started = performance.now();
        const issue = await h.gitea
          .as('alice')
          .openIssue(REPO, { title: `${title} (${i})`, body, labels: ['ai'] });
        await waitFor(() => botComments(h.gitea, issue.number, 'questions').length > 0);
        toQuestions.push(performance.now() - started);
        const count = (botComments(h.gitea, issue.number, 'questions')[0]!.body.match(/^\d+\. \*\*/gm) ?? [])
          .length;
        await h.settle();
        const answered = performance.now();
        await h.gitea
          .as('alice')
          .comment(
            REPO,
            issue.number,
            Array.from({ length: count }, (_, q) => `/answer ${q + 1} yes`).join('\n'),
          );
        await waitFor(() => botComments(h.gitea, issue.number, 'spec').length > 0);
        toSpec.push(performance.now() - answered);
        await h.settle();
        if ((i + 1) % 50 === 0) console.log(`  ${i + 1}/${ISSUES} issues`);
      }

      // Approval of a large feature: time until every subtask issue is created, linked and placed.
      const big = await h.gitea.as('alice').openIssue(REPO, {
        title: 'Accept payments with Stripe and PayPal at checkout',
        body: 'Stripe and PayPal, EUR and USD, refunds from the admin page, webhooks update orders, a payment page in the web app, emails on payment.',
        labels: ['ai'],
      });
      await h.settle();
      await h.gitea.as('alice').comment(REPO, big.number, '/spec');
      await h.settle();
      h.gitea.resetCalls();
      const approved = performance.now();
      await h.gitea.as('alice').comment(REPO, big.number, '/approve-spec v1');
      await waitFor(
        () => (h.gitea.issue(REPO, big.number)?.labels ?? []).includes('ai-status/in-progress'),
        60_000,
      );
      const approveMs = performance.now() - approved;
      await h.settle();
      const subtasks = h.gitea
        .issues(REPO)
        .filter((x) => x.body.includes(`aiworker:subtask parent=${big.number} `));
      const links = subtasks.reduce((n, s) => n + h.gitea.dependencies(REPO, s.number).length, 0);
      const calls = h.gitea.calls.length;
      const writes = h.gitea.calls.filter((c) => c.method !== 'GET').length;

      const lines = [
        '## Conversation latency (builtin planner, Gitea fake)',
        '',
        `Measured ${new Date().toISOString().slice(0, 10)} on: ${machine}. Real MariaDB and Redis on the same machine; the bot (HTTP + workers), the Gitea fake and the load in one Node process; ${ISSUES} issues, one at a time.`,
        '',
        '| step | p50 | p99 | target |',
        '| --- | --- | --- | --- |',
        `| \`ai\` issue opened → questions comment posted | ${ms(percentile(toQuestions, 50))} | ${ms(percentile(toQuestions, 99))} | p50 < 300 ms, p99 < 1 s |`,
        `| last \`/answer\` → spec comment posted | ${ms(percentile(toSpec, 50))} | ${ms(percentile(toSpec, 99))} | — |`,
        '',
        `\`/approve-spec\` → ${subtasks.length} subtask issues created, ${links} dependency links, plan comment and labels: **${ms(approveMs)}** (target < 2 s for 12), ${calls} Gitea API calls (${writes} writes).`,
      ];
      const markdown = lines.join('\n');
      console.log(markdown);
      return markdown;
    } finally {
      await h.close();
    }
  },
};
