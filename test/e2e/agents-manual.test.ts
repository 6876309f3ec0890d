import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentsHarness, runsOfIssue, startAgentsHarness } from './agents-harness.ts';
import { BOT, botComments, REPO } from './harness.ts';

let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgentsHarness({
    label: 'agents_manual',
    files: { '.gitea/aiworker.yaml': 'agents:\n  dispatch: manual\n  maxConcurrent: 1\n' },
  });
});
afterAll(async () => {
  await h?.close();
});

const subtasksOf = (parent: number) =>
  h.gitea
    .issues(REPO)
    .filter((i) => i.user === BOT && i.body.includes(`<!-- aiworker:subtask parent=${parent} `))
    .sort((a, b) => a.number - b.number);

const replies = (number: number) => botComments(h.gitea, number, 'reply').map((c) => c.body);

async function approvedFeature(title: string) {
  const { gitea } = h;
  const issue = await gitea
    .as('alice')
    .openIssue(REPO, { title, body: 'Admins download them as a CSV file.', labels: ['ai'] });
  await h.settle();
  await gitea.as('alice').comment(REPO, issue.number, '/spec');
  await h.settle();
  await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
  await h.settle();
  const first = subtasksOf(issue.number).find((s) => gitea.dependencies(REPO, s.number).length === 0);
  expect(first).toBeDefined();
  return { parent: issue.number, first: first!.number };
}

describe('agents.dispatch: manual', () => {
  it('starts nothing on its own; /dispatch starts runs within the repository limit', async () => {
    const { gitea } = h;
    await h.setPlan({ default: { mode: 'wait' } });
    const x = await approvedFeature('Export orders as CSV');
    expect(gitea.issue(REPO, x.first)?.labels).toContain('ai-status/ready');
    expect(await h.runs()).toHaveLength(0);

    await gitea.as('alice').comment(REPO, x.parent, '/dispatch');
    await h.settle();
    expect(replies(x.parent).some((r) => r.includes(`Started #${x.first} (run #`))).toBe(true);
    await h.waitFor(
      `#${x.first} to run`,
      async () => (await runsOfIssue(h, x.first)).at(-1)?.status === 'running',
    );

    // A second feature: its /dispatch waits for the one slot of the repository.
    const y = await approvedFeature('Export customers as CSV');
    await gitea.as('alice').comment(REPO, y.parent, `/dispatch #${y.first}`);
    await h.settle();
    expect(
      replies(y.parent).some(
        (r) =>
          r.includes(`Waiting for a free slot: #${y.first}`) &&
          r.includes('1 of 1 runs of acme/shop are going (`agents.maxConcurrent`)') &&
          r.includes('Say `/dispatch` again once a run ends.'),
      ),
    ).toBe(true);
    expect(await runsOfIssue(h, y.first)).toHaveLength(0);

    // The slot frees up; manual mode still waits for a person.
    await h.release('all');
    await h.waitFor(
      'the first run to end',
      async () => (await runsOfIssue(h, x.first)).at(-1)?.status === 'succeeded',
    );
    await h.settle();
    expect(await runsOfIssue(h, y.first)).toHaveLength(0);
    expect(gitea.issue(REPO, y.first)?.labels).toContain('ai-status/ready');

    // On the subtask itself, /dispatch starts it.
    await gitea.as('alice').comment(REPO, y.first, '/dispatch');
    await h.settle();
    await h.waitFor(
      `#${y.first} to reach review`,
      () => gitea.issue(REPO, y.first)?.labels.includes('ai-status/review') ?? false,
    );
    expect((await runsOfIssue(h, y.first)).map((r) => r.attempt)).toEqual([1]);
  }, 120_000);

  it('/dispatch of something not ready says why; a pull request people open for a subtask puts it in review', async () => {
    const { gitea } = h;
    const z = await approvedFeature('Export products as CSV');
    const blocked = subtasksOf(z.parent).find((s) => s.labels.includes('ai-status/blocked'));
    expect(blocked).toBeDefined();
    await gitea.as('alice').comment(REPO, z.parent, `/dispatch #${blocked!.number}`);
    await h.settle();
    expect(
      replies(z.parent).some((r) =>
        r.includes(`#${blocked!.number} is not ready to start: it is blocked by its dependencies.`),
      ),
    ).toBe(true);
    await gitea.as('alice').comment(REPO, z.parent, '/dispatch #99999');
    await h.settle();
    expect(replies(z.parent).some((r) => r.includes(`#99999 is not a subtask of #${z.parent}.`))).toBe(true);

    // alice does the first subtask herself.
    const pr = await gitea.as('alice').openPullRequest(REPO, {
      title: 'Products CSV export',
      body: `Hand-made.\n\nCloses #${z.first}`,
      head: 'alice/products-csv',
      files: { 'src/export/products.ts': 'export const columns = [];\n' },
    });
    await h.settle();
    expect(gitea.issue(REPO, z.first)?.labels).toContain('ai-status/review');
    await gitea.as('alice').mergePullRequest(REPO, pr.number);
    await h.settle();
    expect(gitea.issue(REPO, z.first)?.state).toBe('closed');
    expect(gitea.issue(REPO, z.first)?.labels).toContain('ai-status/done');
    expect(gitea.issue(REPO, blocked!.number)?.labels).toContain('ai-status/ready');
    expect(await runsOfIssue(h, blocked!.number)).toHaveLength(0);
  }, 120_000);

  it("commits someone pushes to a running agent's branch start nothing, and the subtask says the run is still going", async () => {
    const { gitea } = h;
    await h.setPlan({ default: { mode: 'wait' } });
    const w = await approvedFeature('Export invoices as CSV');
    await gitea.as('alice').comment(REPO, w.first, '/dispatch');
    await h.settle();
    await h.waitFor(
      `#${w.first} to run`,
      async () => (await runsOfIssue(h, w.first)).at(-1)?.status === 'running',
    );
    const [run] = await runsOfIssue(h, w.first);

    // alice takes over: she pushes the run's branch and opens its pull request herself.
    gitea.setFiles(
      REPO,
      { 'src/export/invoices.ts': 'export const columns = [];\n' },
      { branch: run!.branch, pusher: 'alice' },
    );
    const pr = await gitea.as('alice').openPullRequest(REPO, { title: 'Invoices CSV', head: run!.branch });
    await h.settle();
    expect(gitea.issue(REPO, w.first)?.labels).toContain('ai-status/review');
    await gitea.as('alice').pushToPullRequest(REPO, pr.number);
    await h.settle();

    const notes = botComments(gitea, w.first, 'notice').filter((c) => c.body.includes(' event=pr-commits '));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain(`Agent run #${run!.id} is still working on \`${run!.branch}\``);
    expect(notes[0]!.body).toContain('say `/cancel` here to stop it');
    expect(await runsOfIssue(h, w.first)).toHaveLength(1);
    expect(gitea.issue(REPO, w.first)?.labels).toContain('ai-status/review');
    await h.release('all');
    await h.waitFor('the run to end', async () => (await runsOfIssue(h, w.first)).at(-1)?.finishedAt != null);
  }, 120_000);
});
