import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentsHarness, runsOfIssue, startAgentsHarness } from './agents-harness.ts';
import { BOT, botComments, REPO } from './harness.ts';

let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgentsHarness({ label: 'agents_waves' });
});
afterAll(async () => {
  await h?.close();
});

const subtasksOf = (parent: number) =>
  h.gitea
    .issues(REPO)
    .filter((i) => i.user === BOT && i.body.includes(`<!-- aiworker:subtask parent=${parent} `))
    .sort((a, b) => a.number - b.number);

const openPullFor = (issue: number) =>
  h.gitea.issues(REPO).find((i) => i.pull && i.state === 'open' && i.body.includes(`Closes #${issue}`));

describe('agents build a feature wave by wave', () => {
  it('approval starts wave 1; each merged pull request unblocks the next wave; the last closes the parent', async () => {
    const { gitea } = h;
    const issue = await gitea.as('alice').openIssue(REPO, {
      title: 'Export orders as CSV',
      body: 'Admins download all orders of a month as a CSV file.',
      labels: ['ai'],
    });
    await h.settle();
    await gitea.as('alice').comment(REPO, issue.number, '/spec');
    await h.settle();
    await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
    await h.settle();
    const subtasks = subtasksOf(issue.number);
    expect(subtasks.length).toBeGreaterThanOrEqual(2);
    // Approval dispatched the first wave at once; the rest waits for its dependencies.
    const first = subtasks.filter((s) => gitea.dependencies(REPO, s.number).length === 0);
    expect(first.length).toBeGreaterThan(0);
    for (const s of first) {
      expect((await runsOfIssue(h, s.number)).map((r) => r.attempt)).toEqual([1]);
      expect(s.labels.some((l) => l === 'ai-status/running' || l === 'ai-status/review')).toBe(true);
    }
    for (const s of subtasks.filter((x) => !first.includes(x)))
      expect(s.labels).toContain('ai-status/blocked');
    const merged = new Set<number>();
    for (let wave = 0; wave < subtasks.length && merged.size < subtasks.length; wave++) {
      const started = subtasksOf(issue.number).filter(
        (s) => s.state === 'open' && !s.labels.includes('ai-status/blocked'),
      );
      expect(started.length).toBeGreaterThan(0);
      for (const s of started) {
        await h.waitFor(`a pull request closing #${s.number}`, () => openPullFor(s.number) !== undefined);
      }
      await h.waitFor('the runs of this wave to end', async () => {
        const runs = await Promise.all(started.map((s) => runsOfIssue(h, s.number)));
        return runs.every((r) => r.at(-1)?.status === 'succeeded');
      });
      await h.settle();
      for (const s of started) {
        expect(gitea.issue(REPO, s.number)?.labels).toContain('ai-status/review');
        // One progress comment per run, edited in place: it ends with the pull request.
        const progress = botComments(gitea, s.number, 'progress');
        expect(progress).toHaveLength(1);
        await h.waitFor(`the progress comment of #${s.number} to name its pull request`, () =>
          botComments(gitea, s.number, 'progress')[0]!.body.includes(`#${openPullFor(s.number)!.number}`),
        );
      }
      // Nothing of a later wave started while this one was in review.
      for (const s of subtasksOf(issue.number).filter(
        (x) => !started.some((y) => y.number === x.number) && x.state === 'open',
      )) {
        expect(await runsOfIssue(h, s.number)).toHaveLength(0);
      }
      for (const s of started) {
        const pr = openPullFor(s.number)!;
        expect(pr.body).toContain(`Closes #${s.number}`);
        await gitea.as('alice').mergePullRequest(REPO, pr.number);
        merged.add(s.number);
      }
      await h.settle();
      for (const s of started) expect(gitea.issue(REPO, s.number)?.state).toBe('closed');
    }
    expect(merged.size).toBe(subtasks.length);
    await h.waitFor('the parent to close', () => gitea.issue(REPO, issue.number)?.state === 'closed');
    const summary = botComments(gitea, issue.number, 'summary');
    expect(summary).toHaveLength(1);
    for (const s of subtasks) expect(summary[0]!.body).toMatch(new RegExp(`#${s.number} .* — PR #\\d+`));
    const runs = await h.runs();
    expect(runs).toHaveLength(subtasks.length);
    expect(runs.every((r) => r.status === 'succeeded' && r.prNumber !== null)).toBe(true);
  }, 180_000);
});
