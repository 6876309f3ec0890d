import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentsHarness, runsOfIssue, startAgentsHarness } from './agents-harness.ts';
import { BOT, REPO } from './harness.ts';

let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgentsHarness({ label: 'agents_limits', env: { AGENT_MAX_CONCURRENT: '2' } });
});
afterAll(async () => {
  await h?.close();
});

const subtasksOf = (parent: number) =>
  h.gitea
    .issues(REPO)
    .filter((i) => i.user === BOT && i.body.includes(`<!-- aiworker:subtask parent=${parent} `))
    .sort((a, b) => a.number - b.number);

/** Samples how many runs hold a slot, as often as it can, until stopped. */
function sampleConcurrency() {
  let stopped = false;
  let max = 0;
  const samples: number[] = [];
  const loop = (async () => {
    while (!stopped) {
      const active = (await h.runs()).filter((r) => r.finishedAt === null).length;
      samples.push(active);
      max = Math.max(max, active);
      await sleep(20);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { max, samples };
    },
  };
}

describe('concurrency limits', () => {
  it('never runs more agents at once than AGENT_MAX_CONCURRENT; waiting subtasks start as slots free up', async () => {
    const { gitea } = h;
    await h.setPlan({ default: { mode: 'wait' } });
    const sampler = sampleConcurrency();
    const firsts: number[] = [];
    for (const title of [
      'Export orders as CSV',
      'Export customers as CSV',
      'Export products as CSV',
      'Export invoices as CSV',
    ]) {
      const issue = await gitea
        .as('alice')
        .openIssue(REPO, { title, body: 'Admins download them as a CSV file.', labels: ['ai'] });
      await h.settle();
      await gitea.as('alice').comment(REPO, issue.number, '/spec');
      await h.settle();
      await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
      await h.settle();
      firsts.push(
        ...subtasksOf(issue.number)
          .filter((s) => gitea.dependencies(REPO, s.number).length === 0)
          .map((s) => s.number),
      );
    }
    expect(firsts.length).toBeGreaterThanOrEqual(4);
    // Two run; the others are ready and wait for a slot.
    const running = async () => (await h.runs()).filter((r) => r.finishedAt === null);
    await h.waitFor('two agents to run', async () => (await running()).length === 2);
    const waiting = firsts.filter((n) => gitea.issue(REPO, n)?.labels.includes('ai-status/ready'));
    expect(waiting).toHaveLength(firsts.length - 2);
    // The oldest features were served first.
    expect((await running()).map((r) => r.issueNumber).sort((a, b) => a - b)).toEqual(firsts.slice(0, 2));

    // One agent finishes: the freed slot goes to the next waiting subtask, and no more.
    const [done] = await running();
    await h.release({ run: done!.id });
    await h.waitFor(
      `run #${done!.id} to end`,
      async () => (await h.runs()).find((r) => r.id === done!.id)?.status === 'succeeded',
    );
    await h.waitFor('the next subtask to start', async () => (await runsOfIssue(h, firsts[2]!)).length === 1);
    await h.settle();
    expect((await running()).length).toBe(2);
    expect(gitea.issue(REPO, firsts[3]!)?.labels).toContain('ai-status/ready');

    // Everyone finishes.
    await h.release('all');
    await h.waitFor('every first-wave subtask to reach review', () =>
      firsts.every((n) => gitea.issue(REPO, n)?.labels.includes('ai-status/review')),
    );
    await h.waitFor('every run to end', async () => (await running()).length === 0);
    const { max, samples } = await sampler.stop();
    expect(samples.length).toBeGreaterThan(10);
    expect(max).toBe(2);
    const runs = await h.runs();
    expect(runs.filter((r) => firsts.includes(r.issueNumber)).every((r) => r.status === 'succeeded')).toBe(
      true,
    );
  }, 120_000);
});
