import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, type Harness, REPO, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  // With the bot's password, the Gitea Project board is used (through Gitea's web routes).
  h = await startHarness({ label: 'board', env: { GITEA_BOT_PASSWORD: 'bot-password-123' } });
});
afterAll(async () => {
  await h?.close();
});

describe('the Gitea Project board', () => {
  it('creates the AiWorker project and moves every card with its task', async () => {
    const { gitea } = h;
    const issue = await gitea.as('alice').openIssue(REPO, { title: 'Export orders as CSV', labels: ['ai'] });
    await h.settle();
    await gitea.as('alice').comment(REPO, issue.number, '/spec');
    await h.settle();
    await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
    await h.settle();

    const projects = gitea.web.projects(REPO);
    expect(projects.map((p) => p.title)).toEqual(['AiWorker']);
    const columnsOf = () => gitea.web.board(REPO, projects[0]!.id);
    expect(columnsOf().map((c) => c.title)).toEqual(['Backlog', 'Ready', 'In Progress', 'Review', 'Done']);
    const subtasks = gitea.issues(REPO).filter((i) => i.user === BOT && i.body.includes('aiworker:subtask'));
    const cardColumn = (n: number) => columnsOf().find((c) => c.issues.includes(n))?.title;
    expect(cardColumn(issue.number)).toBe('In Progress');
    for (const s of subtasks) {
      expect(cardColumn(s.number)).toBe(s.labels.includes('ai-status/ready') ? 'Ready' : 'Backlog');
    }
    const first = subtasks.find((s) => s.labels.includes('ai-status/ready'))!;
    await gitea.as('alice').close(REPO, first.number);
    await h.settle();
    expect(cardColumn(first.number)).toBe('Done');
  });
});
