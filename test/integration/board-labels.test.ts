import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AI_STATUSES, statusLabel } from '../../src/domain/labels.ts';
import type { TaskState } from '../../src/domain/lifecycle.ts';
import { LabelsBoard } from '../../src/gitea/board/labels.ts';
import { createGiteaClient } from '../../src/gitea/client.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';

/**
 * The labels board against the Gitea fake's REST API: the `ai-status/*` label of an issue is
 * its column; exclusive labels replace each other; nothing is written when it is already right.
 */

const REPO = 'acme/shop';
const repo = { owner: 'acme', name: 'shop' };

let fake: GiteaFake;
let board: LabelsBoard;

function labelWrites() {
  return fake.calls.filter((c) => c.method !== 'GET');
}

function statusLabelsOf(number: number): string[] {
  return (fake.issue(REPO, number)?.labels ?? []).filter((name) => name.startsWith('ai-status/'));
}

beforeEach(async () => {
  fake = await startGiteaFake();
  fake.addUser('acme');
  const token = fake.addUser('aiworker-bot', { password: 'bot-password' }).token;
  fake.createRepo('acme', 'shop');
  fake.setPermission(REPO, 'aiworker-bot', 'admin');
  board = new LabelsBoard(
    createGiteaClient({ baseUrl: fake.url, token, retry: { baseDelayMs: 1, maxDelayMs: 5 }, labelTtlMs: 0 }),
  );
});

afterEach(async () => {
  await fake.close();
});

describe('prepare', () => {
  it('creates the exclusive ai-status labels once', async () => {
    const first = await board.prepare(repo);
    expect(first.board).toEqual({ kind: 'labels' });
    const labels = fake.labels(REPO);
    expect(labels.map((l) => l.name).sort()).toEqual(AI_STATUSES.map(statusLabel).sort());
    expect(labels.every((l) => l.exclusive)).toBe(true);
    expect(first.notes).toHaveLength(AI_STATUSES.length);
    expect(first.notes[0]).toBe('label ai-status/clarifying: created');

    fake.resetCalls();
    const second = await board.prepare(repo);
    expect(second).toEqual({ board: { kind: 'labels' }, notes: [] });
    expect(labelWrites()).toEqual([]);
  });
});

describe('place', () => {
  beforeEach(async () => {
    await board.prepare(repo);
    fake.createLabel(REPO, { name: 'ai' });
  });

  it('moves the status label through the states, keeping the other labels', async () => {
    const issue = await fake.as('acme').openIssue(REPO, { title: 'Checkout', labels: ['ai'] });
    const steps: Array<[TaskState, string]> = [
      ['blocked', 'ai-status/blocked'],
      ['ready', 'ai-status/ready'],
      ['running', 'ai-status/running'],
      ['review', 'ai-status/review'],
      ['done', 'ai-status/done'],
    ];
    for (const [state, label] of steps) {
      expect(await board.place(repo, { kind: 'labels' }, issue, state)).toEqual({ kind: 'labels' });
      expect(statusLabelsOf(issue.number)).toEqual([label]);
    }
    expect(fake.issue(REPO, issue.number)?.labels).toContain('ai');
  });

  it('writes nothing when the label is already right', async () => {
    const issue = await fake.as('acme').openIssue(REPO, { title: 'Checkout' });
    await board.place(repo, { kind: 'labels' }, issue, 'spec_review');
    fake.resetCalls();
    await board.place(repo, { kind: 'labels' }, issue, 'specifying');
    expect(statusLabelsOf(issue.number)).toEqual(['ai-status/spec-review']);
    expect(labelWrites()).toEqual([]);
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /api/v1/repos/${REPO}/issues/${issue.number}`,
    ]);
  });

  it('removes every status label for a state that has none', async () => {
    const issue = await fake.as('acme').openIssue(REPO, { title: 'Checkout' });
    await board.place(repo, { kind: 'labels' }, issue, 'clarifying');
    await board.place(repo, { kind: 'labels' }, issue, 'stopped');
    expect(statusLabelsOf(issue.number)).toEqual([]);
  });

  it('removes status labels left over where the labels are not exclusive', async () => {
    await fake.close();
    fake = await startGiteaFake();
    fake.addUser('acme');
    const token = fake.addUser('aiworker-bot').token;
    fake.createRepo('acme', 'shop');
    fake.setPermission(REPO, 'aiworker-bot', 'admin');
    for (const name of ['ai-status/blocked', 'ai-status/failed', 'ai-status/ready']) {
      fake.createLabel(REPO, { name, exclusive: false });
    }
    board = new LabelsBoard(createGiteaClient({ baseUrl: fake.url, token, labelTtlMs: 0 }));
    const issue = await fake.as('acme').openIssue(REPO, {
      title: 'Checkout',
      labels: ['ai-status/blocked', 'ai-status/failed'],
    });
    await board.place(repo, { kind: 'labels' }, issue, 'ready');
    expect(statusLabelsOf(issue.number)).toEqual(['ai-status/ready']);
  });
});
