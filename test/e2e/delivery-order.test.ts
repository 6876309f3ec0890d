import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, botComments, type Harness, REPO, startHarness } from './harness.ts';

/**
 * Each decision of the bot with two deliveries swapped, as Gitea's worker pool can send them:
 * the later event arrives first, the earlier one's stale snapshot last. The bot must end where
 * Gitea is, not where the last payload says.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: 'delivery_order' });
  h.gitea.setPermission(REPO, 'bob', 'write');
});
afterAll(async () => {
  await h?.close();
});

/**
 * Runs `act` with deliveries held, then sends what it fired in reverse order, each one handled
 * before the next arrives: the earliest snapshot comes last.
 */
async function swapped(act: () => Promise<unknown>): Promise<void> {
  h.gitea.holdDeliveries();
  try {
    await act();
  } finally {
    await h.gitea.releaseDeliveries(
      (held) => {
        expect(held.length).toBeGreaterThan(1);
        return [...held].reverse();
      },
      { afterEach: () => h.settle() },
    );
  }
  await h.settle();
}

const labelsOf = (n: number) => h.gitea.issue(REPO, n)?.labels ?? [];
const notices = (n: number, event: string) =>
  botComments(h.gitea, n, 'notice').filter((c) => c.body.includes(` event=${event} `));

const subtasksOf = (parent: number) =>
  h.gitea
    .issues(REPO)
    .filter((i) => i.user === BOT && i.body.includes(`<!-- aiworker:subtask parent=${parent} `))
    .sort((a, b) => a.number - b.number);

/** An approved feature: its subtasks, a ready one that others wait for, and those others. */
async function approvedFeature(title: string) {
  const { gitea } = h;
  const issue = await gitea
    .as('alice')
    .openIssue(REPO, { title, body: 'Shoppers see it on the product page.', labels: ['ai'] });
  await h.settle();
  await gitea.as('alice').comment(REPO, issue.number, '/spec');
  await h.settle();
  await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
  await h.settle();
  const subtasks = subtasksOf(issue.number);
  const waitedFor = subtasks.find(
    (s) =>
      s.labels.includes('ai-status/ready') &&
      subtasks.some((o) => h.gitea.dependencies(REPO, o.number).includes(s.number)),
  );
  expect(waitedFor).toBeDefined();
  const waiting = subtasks.filter((o) => h.gitea.dependencies(REPO, o.number).includes(waitedFor!.number));
  return {
    parent: issue.number,
    subtasks,
    first: waitedFor!.number,
    dependents: waiting.map((w) => w.number),
  };
}

describe('the trigger label', () => {
  it('a late snapshot without the label does not stop a conversation whose label is back', async () => {
    const { gitea } = h;
    const issue = await gitea.as('alice').openIssue(REPO, { title: 'Wishlist sharing', labels: ['ai'] });
    await h.settle();
    expect(labelsOf(issue.number)).toContain('ai-status/clarifying');
    await swapped(async () => {
      await gitea.as('alice').removeLabel(REPO, issue.number, 'ai');
      await gitea.as('alice').addLabels(REPO, issue.number, ['ai']);
    });
    expect(labelsOf(issue.number)).toContain('ai-status/clarifying');
    expect(notices(issue.number, 'stopped')).toHaveLength(0);
  });

  it('a late snapshot with the label does not start a conversation whose label is gone', async () => {
    const { gitea } = h;
    const issue = await gitea.as('alice').openIssue(REPO, { title: 'Gift wrapping' });
    await h.settle();
    await swapped(async () => {
      await gitea.as('alice').addLabels(REPO, issue.number, ['ai']);
      await gitea.as('alice').removeLabel(REPO, issue.number, 'ai');
    });
    expect(botComments(gitea, issue.number)).toHaveLength(0);
    expect(gitea.reactions(REPO, { issue: issue.number })).toEqual([]);
    expect(labelsOf(issue.number).some((l) => l.startsWith('ai-status/'))).toBe(false);
  });

  it('a late `ai` label on a pull request that lost it gets no reply', async () => {
    const { gitea } = h;
    const pr = await gitea.as('alice').openPullRequest(REPO, { title: 'Tidy the cart', head: 'tidy-cart' });
    await h.settle();
    await swapped(async () => {
      await gitea.as('alice').addLabels(REPO, pr.number, ['ai']);
      await gitea.as('alice').removeLabel(REPO, pr.number, 'ai');
    });
    expect(botComments(gitea, pr.number)).toHaveLength(0);
  });
});

describe('the config file', () => {
  it('a fix counts at once, even when its push is handled after the label event', async () => {
    const { gitea } = h;
    gitea.setFiles(REPO, { '.gitea/aiworker.yaml': 'questions:\n  max: 3\n  maximum: 4\n' });
    await h.settle();
    const broken = await gitea.as('alice').openIssue(REPO, { title: 'Store credit', labels: ['ai'] });
    await h.settle();
    expect(botComments(gitea, broken.number, 'config-error')).toHaveLength(1);
    const later = await gitea.as('alice').openIssue(REPO, { title: 'Back in stock alerts' });
    await h.settle();
    try {
      await swapped(async () => {
        gitea.setFiles(REPO, { '.gitea/aiworker.yaml': 'questions:\n  max: 2\n' });
        await gitea.as('alice').addLabels(REPO, later.number, ['ai']);
      });
      expect(labelsOf(later.number)).toContain('ai-status/clarifying');
      const questions = botComments(gitea, later.number, 'questions')[0]?.body ?? '';
      expect((questions.match(/^\d+\. \*\*/gm) ?? []).length).toBeLessThanOrEqual(2);
      expect(botComments(gitea, later.number, 'config-error')).toHaveLength(0);
    } finally {
      gitea.setFiles(REPO, { '.gitea/aiworker.yaml': null });
      await h.settle();
    }
  });
});

describe('subtask issues', () => {
  it('a late `closed` of a subtask reopened since neither finishes it nor starts what waits for it', async () => {
    const { gitea } = h;
    const f = await approvedFeature('Product reviews');
    await swapped(async () => {
      await gitea.as('alice').close(REPO, f.first);
      await gitea.as('alice').reopen(REPO, f.first);
    });
    expect(gitea.issue(REPO, f.first)?.state).toBe('open');
    expect(labelsOf(f.first)).toContain('ai-status/ready');
    for (const d of f.dependents) expect(labelsOf(d)).toContain('ai-status/blocked');
  });

  it('a late `reopened` of a subtask closed again keeps it done and what waits for it ready', async () => {
    const { gitea } = h;
    const f = await approvedFeature('Product questions and answers');
    await gitea.as('alice').close(REPO, f.first);
    await h.settle();
    expect(labelsOf(f.first)).toContain('ai-status/done');
    await swapped(async () => {
      await gitea.as('alice').reopen(REPO, f.first);
      await gitea.as('alice').close(REPO, f.first);
    });
    expect(labelsOf(f.first)).toContain('ai-status/done');
    const readyNow = f.dependents.filter((d) => labelsOf(d).includes('ai-status/ready'));
    expect(readyNow.length).toBeGreaterThan(0);
  });
});

describe("a subtask's pull request", () => {
  it('a late `opened` of a pull request closed since does not put the subtask in review', async () => {
    const { gitea } = h;
    const f = await approvedFeature('Size guide');
    await swapped(async () => {
      const pr = await gitea.as('alice').openPullRequest(REPO, {
        title: 'Size guide',
        body: `Closes #${f.first}`,
        head: 'alice/size-guide',
      });
      await gitea.as('alice').closePullRequest(REPO, pr.number);
    });
    // The bot never saw it open: the subtask is where it was, and can still be dispatched.
    expect(labelsOf(f.first)).toContain('ai-status/ready');
    expect(notices(f.first, 'pr-closed')).toHaveLength(0);
  });

  it('a late `closed` of a pull request reopened since leaves the subtask in review', async () => {
    const { gitea } = h;
    const f = await approvedFeature('Recently viewed products');
    const pr = await gitea.as('alice').openPullRequest(REPO, {
      title: 'Recently viewed',
      body: `Closes #${f.first}`,
      head: 'alice/recently-viewed',
    });
    await h.settle();
    expect(labelsOf(f.first)).toContain('ai-status/review');
    await swapped(async () => {
      await gitea.as('alice').closePullRequest(REPO, pr.number);
      await gitea.as('alice').reopen(REPO, pr.number);
    });
    expect(labelsOf(f.first)).toContain('ai-status/review');
    expect(notices(f.first, 'pr-closed')).toHaveLength(0);
  });

  it('a redelivered close of an earlier pull request does not fail the one in review now', async () => {
    const { gitea } = h;
    const f = await approvedFeature('Store locator');
    const first = await gitea.as('alice').openPullRequest(REPO, {
      title: 'Store locator',
      body: `Closes #${f.first}`,
      head: 'alice/locator',
    });
    await h.settle();
    await gitea.as('alice').closePullRequest(REPO, first.number);
    await h.settle();
    expect(labelsOf(f.first)).toContain('ai-status/failed');
    await gitea.as('alice').openPullRequest(REPO, {
      title: 'Store locator, take two',
      body: `Closes #${f.first}`,
      head: 'alice/locator-2',
    });
    await h.settle();
    expect(labelsOf(f.first)).toContain('ai-status/review');

    const closed = gitea.deliveries.find(
      (d) => d.action === 'closed' && JSON.parse(d.payload).pull_request?.number === first.number,
    );
    await gitea.redeliver(closed!.id);
    await h.settle();
    expect(labelsOf(f.first)).toContain('ai-status/review');
    expect(notices(f.first, 'pr-closed')).toHaveLength(1);
  });

  it('new commits start nothing and are shown once, with the head the pull request has now', async () => {
    const { gitea } = h;
    const f = await approvedFeature('Compare products');
    const pr = await gitea.as('alice').openPullRequest(REPO, {
      title: 'Compare products',
      body: `Closes #${f.first}`,
      head: 'alice/compare',
    });
    await h.settle();
    await swapped(async () => {
      await gitea.as('alice').pushToPullRequest(REPO, pr.number);
      await gitea.as('alice').pushToPullRequest(REPO, pr.number);
    });
    const head = gitea.issue(REPO, pr.number)?.pull?.headSha ?? '';
    const shown = notices(f.first, 'pr-commits');
    expect(shown).toHaveLength(1);
    expect(shown[0]!.body).toContain(`its head is now \`${head.slice(0, 10)}\``);
    expect(shown[0]!.body).toContain('They start no agent run');
    expect(labelsOf(f.first)).toContain('ai-status/review');

    // Redelivered, the note stays as it is.
    const before = gitea.comments(REPO, f.first).map((c) => `${c.id}:${c.updatedAt}:${c.body}`);
    for (const d of gitea.deliveries.filter((x) => x.eventType === 'pull_request_sync'))
      await gitea.redeliver(d.id);
    await h.settle();
    expect(gitea.comments(REPO, f.first).map((c) => `${c.id}:${c.updatedAt}:${c.body}`)).toEqual(before);
  });

  it('shows a request for changes and an approval on the subtask, whatever order the reviews arrive in', async () => {
    const { gitea } = h;
    const f = await approvedFeature('Product badges');
    const pr = await gitea.as('alice').openPullRequest(REPO, {
      title: 'Badges',
      body: `Closes #${f.first}`,
      head: 'alice/badges',
    });
    await h.settle();
    await swapped(async () => {
      await gitea
        .as('bob')
        .review(REPO, pr.number, { event: 'REQUEST_CHANGES', body: 'Badges need alt text.' });
      await gitea.as('carol').review(REPO, pr.number, { event: 'APPROVED' });
    });
    let shown = notices(f.first, 'pr-review');
    expect(shown).toHaveLength(1);
    expect(shown[0]!.body).toContain('Changes requested: pull request #');
    expect(shown[0]!.body).toMatch(/@bob requested changes .*“Badges need alt text\.”/);
    expect(shown[0]!.body).toContain('@carol approved');
    expect(labelsOf(f.first)).toContain('ai-status/review');

    // Fixed and approved: the same note now says so; older verdicts are marked.
    await gitea.as('alice').pushToPullRequest(REPO, pr.number);
    await gitea.as('bob').review(REPO, pr.number, { event: 'APPROVED' });
    await h.settle();
    shown = notices(f.first, 'pr-review');
    expect(shown).toHaveLength(1);
    expect(shown[0]!.body).toContain('✅ Approved: pull request #');
    expect(shown[0]!.body).toMatch(/@carol approved .*on an older commit/);
    expect(shown[0]!.body).toContain(`Merging it closes #${f.first}`);

    const before = gitea.comments(REPO, f.first).map((c) => `${c.id}:${c.updatedAt}:${c.body}`);
    for (const d of gitea.deliveries.filter((x) => x.eventType.startsWith('pull_request_review_')))
      await gitea.redeliver(d.id);
    await h.settle();
    expect(gitea.comments(REPO, f.first).map((c) => `${c.id}:${c.updatedAt}:${c.body}`)).toEqual(before);
  });
});
