import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, botComments, type Harness, REPO, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: 'conv_builtin' });
});
afterAll(async () => {
  await h?.close();
});

describe('the conversation loop with the builtin planner', () => {
  it('asks repo-specific questions, takes answers, writes a spec, revises it and approves it', async () => {
    const { gitea } = h;
    const issue = await gitea.as('alice').openIssue(REPO, {
      title: 'Accept card payments at checkout',
      body: 'Customers should be able to pay for their cart at checkout. We need payments before launch.',
      labels: ['ai'],
    });
    await h.settle();

    // Trigger: 👀, clarifying label, ONE questions comment with numbered questions.
    expect(gitea.reactions(REPO, { issue: issue.number })).toContainEqual({ user: BOT, content: 'eyes' });
    expect(gitea.issue(REPO, issue.number)?.labels).toContain('ai-status/clarifying');
    const questions = botComments(gitea, issue.number, 'questions');
    expect(questions).toHaveLength(1);
    const body = questions[0]!.body;
    expect(body).toMatch(/^1\. /m);
    expect(body).toMatch(/Stripe/);
    expect(body).toContain('/answer');
    const count = (body.match(/^\d+\. \*\*/gm) ?? []).length;
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(5);

    // Answer all but the last in one comment, then the last one: each is acknowledged.
    const lines = Array.from(
      { length: count - 1 },
      (_, i) => `/answer ${i + 1} ${i === 0 ? 'Stripe only' : 'yes'}`,
    );
    if (lines.length > 0) {
      const first = await gitea.as('alice').comment(REPO, issue.number, lines.join('\n'));
      await h.settle();
      expect(gitea.reactions(REPO, { comment: first.id })).toContainEqual({ user: BOT, content: '+1' });
      expect(botComments(gitea, issue.number, 'spec')).toHaveLength(0);
      expect(botComments(gitea, issue.number, 'questions')[0]!.body).toContain('Answers so far');

      // One reply for the whole comment says what is still open, and what `/spec` would do.
      const progressOf = (commentId: number) =>
        botComments(gitea, issue.number, 'reply').filter((r) =>
          r.body.includes(`cause=c${commentId}.answers`),
        );
      const progress = progressOf(first.id);
      expect(progress).toHaveLength(1);
      const lastQuestion = new RegExp(`^${count}\\. \\*\\*(.+)\\*\\*$`, 'm').exec(body)?.[1] ?? '';
      expect(lastQuestion).not.toBe('');
      expect(progress[0]!.body).toContain(`@alice ${count - 1} of ${count} questions answered. Still open:`);
      expect(progress[0]!.body).toContain(`- **${count}.** ${lastQuestion}`);
      expect(progress[0]!.body).not.toContain('- **1.** ');
      expect(progress[0]!.body).toMatch(/`\/spec` to write the specification now with the stated assumption/);

      // Gitea redelivers the comment: the same reply, not a second one.
      const delivery = gitea.deliveries.find(
        (d) => (JSON.parse(d.payload) as { comment?: { id?: number } }).comment?.id === first.id,
      );
      await gitea.redeliver(delivery!.id);
      await h.settle();
      expect(progressOf(first.id).map((r) => `${r.id}:${r.body}`)).toEqual(
        progress.map((r) => `${r.id}:${r.body}`),
      );
    }
    const last = await gitea.as('alice').comment(REPO, issue.number, `/answer ${count} EUR only`);
    await h.settle();
    expect(gitea.reactions(REPO, { comment: last.id })).toContainEqual({ user: BOT, content: '+1' });
    const done = botComments(gitea, issue.number, 'reply').filter((r) =>
      r.body.includes(`cause=c${last.id}.answers`),
    );
    expect(done.map((r) => r.body.split('\n').slice(1).join('\n'))).toEqual([
      `@alice All ${count} questions are answered, so AiWorker is writing the specification now.`,
    ]);

    // The spec: one comment, version 1, spec-review label.
    let specs = botComments(gitea, issue.number, 'spec');
    expect(specs).toHaveLength(1);
    expect(specs[0]!.body).toContain('Specification v1');
    for (const section of [
      'Goals',
      'Context',
      'Architecture',
      'Edge cases',
      'Acceptance criteria',
      'Assumptions',
    ]) {
      expect(specs[0]!.body).toContain(section);
    }
    expect(specs[0]!.body).toMatch(/complexity/i);
    expect(gitea.issue(REPO, issue.number)?.labels).toContain('ai-status/spec-review');

    // A non-collaborator cannot approve; the reply names the permission; nothing changes.
    const refused = await gitea.as('bob').comment(REPO, issue.number, '/approve-spec');
    await h.settle();
    const replies = botComments(gitea, issue.number, 'reply');
    expect(replies.some((r) => r.body.includes('@bob') && /write/.test(r.body))).toBe(true);
    expect(gitea.reactions(REPO, { comment: refused.id })).toHaveLength(0);
    expect(gitea.issue(REPO, issue.number)?.labels).toContain('ai-status/spec-review');

    // Revise: the same comment is edited in place to v2 with what changed.
    await gitea.as('alice').comment(REPO, issue.number, '/revise-spec also support PayPal');
    await h.settle();
    specs = botComments(gitea, issue.number, 'spec');
    expect(specs).toHaveLength(1);
    expect(specs[0]!.body).toContain('Specification v2');
    expect(specs[0]!.body).toMatch(/PayPal/);

    // Approving an old version is refused; approving v2 freezes it.
    await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
    await h.settle();
    expect(gitea.issue(REPO, issue.number)?.labels).toContain('ai-status/spec-review');
    expect(
      botComments(gitea, issue.number, 'reply').some((r) => r.body.includes('v1 is not the latest')),
    ).toBe(true);

    const approve = await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v2');
    await h.settle();
    // Approval freezes the spec and splits it into subtasks at once.
    expect(gitea.issue(REPO, issue.number)?.labels).toContain('ai-status/in-progress');
    expect(botComments(gitea, issue.number, 'plan')).toHaveLength(1);
    expect(gitea.reactions(REPO, { comment: approve.id })).toContainEqual({ user: BOT, content: 'hooray' });
    specs = botComments(gitea, issue.number, 'spec');
    expect(specs[0]!.body).toMatch(/approved by @alice/);

    // Answers after approval are refused with a reason.
    await gitea.as('alice').comment(REPO, issue.number, '/answer 1 PayPal only');
    await h.settle();
    expect(botComments(gitea, issue.number, 'reply').some((r) => r.body.includes('already approved'))).toBe(
      true,
    );

    // Database: every version stored, the approval recorded with who and which version.
    const [rows] = await h.db.pool.query(
      'SELECT version, approved_by FROM task_specifications ORDER BY version',
    );
    expect(rows).toEqual([
      { version: 1, approved_by: null },
      { version: 2, approved_by: 'alice' },
    ]);
  });

  it('answers /status and /help, and ignores edited comments and the bot itself', async () => {
    const { gitea } = h;
    // Only people with write access can label; carol (not a collaborator) may still ask.
    const issue = await gitea.as('alice').openIssue(REPO, { title: 'Export orders as CSV', labels: ['ai'] });
    await h.settle();
    const status = await gitea.as('carol').comment(REPO, issue.number, '/status');
    const help = await gitea.as('carol').comment(REPO, issue.number, '/help');
    await h.settle();
    const replies = botComments(gitea, issue.number, 'reply');
    expect(replies.find((r) => r.body.includes(`cause=c${status.id}.0`))?.body).toMatch(/State:.*answers/);
    const helpReply = replies.find((r) => r.body.includes(`cause=c${help.id}.0`))?.body ?? '';
    expect(helpReply).toContain('/approve-spec');
    // The mention sits on its own line: glued to the heading it would turn it into plain text.
    expect(helpReply.split('\n').slice(1, 4)).toEqual(['@carol', '', '### AiWorker commands in acme/shop']);

    // Editing a comment into a command never runs it.
    const plain = await gitea.as('alice').comment(REPO, issue.number, 'thanks!');
    await gitea.as('alice').editComment(REPO, plain.id, '/spec');
    await h.settle();
    expect(botComments(gitea, issue.number, 'spec')).toHaveLength(0);
    expect(gitea.issue(REPO, issue.number)?.labels).toContain('ai-status/clarifying');
  });
});
