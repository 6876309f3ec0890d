import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentsHarness, runsOfIssue, startAgentsHarness } from './agents-harness.ts';
import { BOT, botComments, REPO } from './harness.ts';

let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgentsHarness({
    label: 'status',
    files: { '.gitea/aiworker.yaml': 'agents:\n  dispatch: manual\n' },
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

/** Says `/status` as carol (anyone may) and returns the reply's lines after the mention. */
async function status(issue: number): Promise<string[]> {
  const asked = await h.gitea.as('carol').comment(REPO, issue, '/status');
  await h.settle();
  const reply = botComments(h.gitea, issue, 'reply').find((c) => c.body.includes(`cause=c${asked.id}.0`));
  expect(reply).toBeDefined();
  const [marker, first = '', ...rest] = reply!.body.split('\n');
  expect(marker).toMatch(/^<!-- aiworker:reply /);
  expect(first.startsWith('@carol **State:** ')).toBe(true);
  return [first.slice('@carol '.length), ...rest];
}

/** The cells of the table row of subtask `#n`. */
function rowOf(lines: string[], n: number): string[] | undefined {
  const line = lines.find((l) => l.startsWith(`| #${n} `));
  return line
    ?.slice(1, -1)
    .split(' | ')
    .map((cell) => cell.trim());
}

describe('/status', () => {
  it('shows every subtask with its pull request and latest run, and what runs now, on the feature and on a subtask', async () => {
    const { gitea } = h;
    await h.setPlan({ default: { mode: 'wait' } });
    const feature = await gitea.as('alice').openIssue(REPO, {
      title: 'Export orders as CSV',
      body: 'Admins download them as a CSV file.',
      labels: ['ai'],
    });
    await h.settle();
    // Before any plan: no table, nothing running; the budget line stays.
    let lines = await status(feature.number);
    expect(lines.some((l) => l.startsWith('| Subtask |'))).toBe(false);
    expect(lines).toContain('**Now:** nothing is queued or running.');
    expect(lines.some((l) => l.startsWith('**Budget used:** $'))).toBe(true);

    await gitea.as('alice').comment(REPO, feature.number, '/spec');
    await h.settle();
    await gitea.as('alice').comment(REPO, feature.number, '/approve-spec v1');
    await h.settle();
    const subtasks = subtasksOf(feature.number);
    expect(subtasks.length).toBeGreaterThan(1);
    const first = subtasks.find((s) => gitea.dependencies(REPO, s.number).length === 0)!;
    const blocked = subtasks.find((s) => s.labels.includes('ai-status/blocked'))!;
    expect(first).toBeDefined();
    expect(blocked).toBeDefined();

    // A table row per subtask: issue and title, state, pull request, latest run.
    lines = await status(feature.number);
    const header = lines.indexOf('| Subtask | State | Pull request | Latest agent run |');
    expect(header).toBeGreaterThan(0);
    expect(lines[header - 1]).toBe(''); // a blank line before the table
    for (const subtask of subtasks) {
      const title = subtask.title.replace(/\|/g, '\\|');
      expect(rowOf(lines, subtask.number)?.[0]).toBe(`#${subtask.number} ${title}`);
    }
    expect(rowOf(lines, first.number)).toEqual([`#${first.number} ${first.title}`, 'ready', '—', '—']);
    expect(rowOf(lines, blocked.number)?.slice(1)).toEqual(['blocked', '—', '—']);
    // The approver is named, not notified again by every `/status`; answers are closed.
    expect(lines).toContain('**Spec:** v1, approved by alice');
    expect(lines.find((l) => l.startsWith('**Questions:**'))).not.toContain('open');
    // Manual dispatch: the ready subtask waits for a person.
    expect(lines).toContain(`- #${first.number} is ready: say \`/dispatch\` to start an agent.`);

    await gitea.as('alice').comment(REPO, feature.number, `/dispatch #${first.number}`);
    await h.settle();
    await h.waitFor(
      `#${first.number} to run`,
      async () => (await runsOfIssue(h, first.number)).at(-1)?.status === 'running',
    );
    lines = await status(feature.number);
    expect(rowOf(lines, first.number)?.slice(1)).toEqual(['running', '—', 'attempt 1: running']);
    expect(lines).toContain(`- #${first.number}: agent run running (attempt 1).`);

    // On the subtask issue: the subtask, its feature, its own run.
    lines = await status(first.number);
    expect(lines).toContain('**State:** being worked on by an agent');
    expect(lines).toContain(
      `**Feature:** #${feature.number} Export orders as CSV — in progress, 0 of ${subtasks.length} subtasks done`,
    );
    expect(lines.filter((l) => /^\| #\d+ /.test(l)).map((l) => rowOf([l], first.number)?.[0])).toEqual([
      `#${first.number} ${first.title}`,
    ]);
    expect(lines).toContain(`- #${first.number}: agent run running (attempt 1).`);
    expect(
      lines.some((l) => l.startsWith(`**Budget used:** $`) && l.includes(`for #${feature.number}`)),
    ).toBe(true);

    // The agent opens its pull request and ends: the row shows both, nothing runs any more.
    await h.release('all');
    await h.waitFor(
      `#${first.number} to reach review`,
      () => gitea.issue(REPO, first.number)?.labels.includes('ai-status/review') ?? false,
    );
    await h.waitFor(
      'the run to end',
      async () => (await runsOfIssue(h, first.number)).at(-1)?.status === 'succeeded',
    );
    const [run] = await runsOfIssue(h, first.number);
    expect(run?.prNumber).toBeGreaterThan(0);
    lines = await status(feature.number);
    expect(rowOf(lines, first.number)?.slice(1)).toEqual([
      'review',
      `#${run!.prNumber}`,
      'attempt 1: succeeded',
    ]);
    expect(lines).toContain('**Now:** nothing is queued or running.');
  }, 120_000);
});
