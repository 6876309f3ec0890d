import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, botComments, type Harness, REPO, startHarness } from './harness.ts';

/**
 * A bot account that is not an administrator of the repository may not ask Gitea what access
 * other people have (403). That is AiWorker's configuration, not the commenter's access: the
 * issue is told once how to fix it, and no command that needs the check runs.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: 'bot_access' });
});
afterAll(async () => {
  await h?.close();
});

const labelsOf = (n: number) => h.gitea.issue(REPO, n)?.labels ?? [];

describe('a bot account without admin on the repository', () => {
  it('says once that the bot needs admin, runs nothing, and blames no one', async () => {
    const { gitea } = h;
    const issue = await gitea.as('alice').openIssue(REPO, {
      title: 'Gift cards',
      body: 'Customers buy gift cards and redeem them at checkout.',
      labels: ['ai'],
    });
    await h.settle();
    expect(labelsOf(issue.number)).toContain('ai-status/clarifying');

    gitea.setPermission(REPO, BOT, 'write');
    await gitea.as('alice').comment(REPO, issue.number, '/spec');
    await gitea.as('acme-admin').comment(REPO, issue.number, '/approve-spec');
    await h.settle();

    const config = botComments(gitea, issue.number, 'config');
    expect(config).toHaveLength(1);
    expect(config[0]!.body).toContain('the bot account aiworker-bot needs admin on acme/shop');
    expect(config[0]!.body).toContain('acme/shop → Settings → Collaborators, give aiworker-bot');
    expect(config[0]!.body).toContain('This is not about anyone');
    const replies = botComments(gitea, issue.number, 'reply').map((reply) => reply.body);
    expect(replies.filter((body) => /you have|needs write access/.test(body))).toEqual([]);
    expect(labelsOf(issue.number)).toContain('ai-status/clarifying');
    expect(botComments(gitea, issue.number, 'spec')).toEqual([]);

    // The issue's author answering needs no permission check, so it still works.
    await gitea.as('alice').comment(REPO, issue.number, '/answer 1 Printed codes only');
    await h.settle();
    expect(botComments(gitea, issue.number, 'questions')[0]!.body).toContain('Printed codes only');

    // Once the bot is an admin again, the same command runs.
    gitea.setPermission(REPO, BOT, 'admin');
    await gitea.as('alice').comment(REPO, issue.number, '/spec');
    await h.settle();
    expect(labelsOf(issue.number)).toContain('ai-status/spec-review');
    expect(botComments(gitea, issue.number, 'config')).toHaveLength(1);
  });
});
