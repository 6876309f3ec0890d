import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentsHarness, runsOfIssue, startAgentsHarness } from './agents-harness.ts';
import { BOT, botComments, REPO } from './harness.ts';

let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgentsHarness({ label: 'agents_failures' });
});
afterAll(async () => {
  await h?.close();
});

const subtasksOf = (parent: number) =>
  h.gitea
    .issues(REPO)
    .filter((i) => i.user === BOT && i.body.includes(`<!-- aiworker:subtask parent=${parent} `))
    .sort((a, b) => a.number - b.number);

/** An `ai` feature taken to approval; returns the parent and its first-wave subtasks. */
async function approvedFeature(title: string, body: string) {
  const { gitea } = h;
  const issue = await gitea.as('alice').openIssue(REPO, { title, body, labels: ['ai'] });
  await h.settle();
  await gitea.as('alice').comment(REPO, issue.number, '/spec');
  await h.settle();
  await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
  await h.settle();
  const first = subtasksOf(issue.number).filter((s) => gitea.dependencies(REPO, s.number).length === 0);
  expect(first.length).toBeGreaterThan(0);
  return { parent: issue.number, first };
}

const replies = (number: number) => botComments(h.gitea, number, 'reply').map((c) => c.body);

describe('a failing agent', () => {
  it('fails the subtask with the exit code and the output, and /retry succeeds with a new attempt', async () => {
    const { gitea } = h;
    await h.setPlan({ default: { mode: 'fail', exitCode: 3 } });
    const { first } = await approvedFeature(
      'Export orders as CSV',
      'Admins download all orders of a month as a CSV file.',
    );
    const s = first[0]!;
    await h.waitFor(
      `#${s.number} to fail`,
      () => gitea.issue(REPO, s.number)?.labels.includes('ai-status/failed') ?? false,
    );
    const failure = botComments(gitea, s.number, 'run');
    expect(failure).toHaveLength(1);
    expect(failure[0]!.body).toContain('failed (attempt 1)');
    expect(failure[0]!.body).toContain('The agent failed with exit code 3.');
    expect(failure[0]!.body).toContain('**Exit code:** 3');
    expect(failure[0]!.body).toMatch(
      /```text\n[\s\S]*FAIL src\/checkout\/checkout\.test\.ts > charges the card[\s\S]*AssertionError: expected 402 to be 200[\s\S]*```/,
    );
    expect(failure[0]!.body).not.toContain(h.secrets[0]!);
    const [failed] = await runsOfIssue(h, s.number);
    expect(failed).toMatchObject({ status: 'failed', exitCode: 3, attempt: 1 });

    // Someone without write access cannot retry; alice can.
    await gitea.as('bob').comment(REPO, s.number, '/retry');
    await h.settle();
    expect(replies(s.number).some((r) => r.includes('`/retry` needs write access'))).toBe(true);
    expect(await runsOfIssue(h, s.number)).toHaveLength(1);

    await h.setPlan({ default: { mode: 'succeed' } });
    await gitea.as('alice').comment(REPO, s.number, '/retry');
    await h.settle();
    expect(replies(s.number).some((r) => /Started #\d+ \(run #\d+, attempt 2/.test(r))).toBe(true);
    await h.waitFor(
      `#${s.number} to reach review`,
      () => gitea.issue(REPO, s.number)?.labels.includes('ai-status/review') ?? false,
    );
    await h.waitFor(
      'the second run to end',
      async () => (await runsOfIssue(h, s.number)).at(-1)?.status === 'succeeded',
    );
    const runs = await runsOfIssue(h, s.number);
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(runs[1]!.branch).toBe(runs[0]!.branch);
    const pr = gitea.issues(REPO).find((i) => i.pull && i.body.includes(`Closes #${s.number}`));
    expect(pr?.state).toBe('open');

    // A reviewer rejects the pull request: the subtask is failed, not sent to another agent at once.
    await gitea.as('alice').closePullRequest(REPO, pr!.number);
    await h.settle();
    expect(gitea.issue(REPO, s.number)?.labels).toContain('ai-status/failed');
    expect(
      botComments(gitea, s.number, 'notice').some((c) =>
        c.body.includes(`Pull request #${pr!.number} was closed without being merged`),
      ),
    ).toBe(true);
    expect(await runsOfIssue(h, s.number)).toHaveLength(2);
    // The failure comment stays as it was; each attempt has its own one progress comment.
    expect(botComments(gitea, s.number, 'run')).toHaveLength(1);
    const progress = botComments(gitea, s.number, 'progress');
    expect(progress.map((c) => c.body.match(/aiworker:progress run=(\d+)/)?.[1])).toEqual(
      runs.map((r) => String(r.id)),
    );
  }, 120_000);
});

describe('/cancel', () => {
  it('stops a running agent on the subtask; on the parent it stops every run, and /retry there starts again', async () => {
    const { gitea } = h;
    await h.setPlan({ default: { mode: 'wait' } });
    const { parent, first } = await approvedFeature(
      'Import products from a CSV file',
      'Admins upload a CSV of products.',
    );
    const s = first[0]!;
    await h.waitFor(
      `the agent of #${s.number} to report`,
      () => botComments(gitea, s.number, 'progress').length === 1,
    );
    const [run] = await runsOfIssue(h, s.number);
    expect(run?.status).toBe('running');

    await gitea.as('alice').comment(REPO, s.number, '/cancel');
    await h.settle();
    const [cancelled] = await runsOfIssue(h, s.number);
    expect(cancelled).toMatchObject({ status: 'cancelled', result: 'cancelled by @alice' });
    expect(gitea.issue(REPO, s.number)?.labels).toContain('ai-status/failed');
    expect(botComments(gitea, s.number, 'run')[0]?.body).toContain(`Agent run #${run!.id} was cancelled`);
    expect(replies(s.number).some((r) => r.includes(`Cancelled run #${run!.id} of #${s.number}`))).toBe(true);
    // The agent process is gone: it never pushed nor opened a pull request, even once released.
    await h.release({ run: run!.id });
    await h.settle();
    expect(gitea.issues(REPO).some((i) => i.pull && i.body.includes(`Closes #${s.number}`))).toBe(false);

    // Again, and this time cancelled on the parent.
    await gitea.as('alice').comment(REPO, s.number, '/retry');
    await h.settle();
    await h.waitFor('the new attempt to report', () => botComments(gitea, s.number, 'progress').length === 2);
    const second = (await runsOfIssue(h, s.number)).at(-1)!;
    expect(second).toMatchObject({ attempt: 2, status: 'running' });
    await gitea.as('alice').comment(REPO, parent, '/cancel');
    await h.settle();
    expect((await runsOfIssue(h, s.number)).at(-1)).toMatchObject({ id: second.id, status: 'cancelled' });
    const reply = replies(parent).find((r) => r.includes('Cancelled run'));
    expect(reply).toContain(`run #${second.id} of #${s.number}`);
    expect(reply).toContain(`Automatic dispatch of #${parent} is paused`);

    // /retry on the parent retries every failed subtask (and lifts the hold).
    await h.setPlan({ default: { mode: 'succeed' } });
    await gitea.as('alice').comment(REPO, parent, '/retry');
    await h.settle();
    await h.waitFor(
      `#${s.number} to reach review`,
      () => gitea.issue(REPO, s.number)?.labels.includes('ai-status/review') ?? false,
    );
    await h.waitFor(
      'the third run to end',
      async () => (await runsOfIssue(h, s.number)).at(-1)?.status === 'succeeded',
    );
    expect((await runsOfIssue(h, s.number)).map((r) => r.status)).toEqual([
      'cancelled',
      'cancelled',
      'succeeded',
    ]);
  }, 120_000);
});
