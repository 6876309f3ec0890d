import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ContentType, giteaApi } from 'gitea-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DeliveryOrder, type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/gitea/receiver.ts';

const REPO = 'alice/shop';
const SECRET = 'webhook-secret';
const BOT_EVENTS = ['issues', 'issue_comment', 'pull_request', 'push', 'status', 'workflow_run'];

let fake: GiteaFake;
let receiver: WebhookReceiver;
let botToken: string;

type Json = Record<string, unknown>;

async function api(
  path: string,
  init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  const token = init.token === undefined ? botToken : init.token;
  if (token) headers.Authorization = `token ${token}`;
  if (init.body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${fake.url}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

function parsed(body: string): Json {
  return JSON.parse(body) as Json;
}

async function deliveredPayloads(): Promise<
  Array<{ eventType: string; action: string | undefined; payload: Json }>
> {
  await fake.waitForDeliveries();
  return fake.deliveries.map((d) => ({
    eventType: d.eventType,
    action: d.action,
    payload: parsed(d.payload),
  }));
}

function fixture(path: string): Json {
  return parsed(readFileSync(new URL(`../../fixtures/gitea/${path}`, import.meta.url), 'utf8'));
}

beforeEach(async () => {
  fake = await startGiteaFake();
  receiver = await startWebhookReceiver();
  botToken = fake.addUser('aiworker-bot', { password: 'bot-password' }).token;
  fake.addUser('alice');
  fake.addUser('bob');
  fake.createRepo('alice', 'shop', {
    files: { 'README.md': '# shop\n', 'src/app.ts': 'export const app = 1;\n', 'package.json': '{}\n' },
  });
  fake.setPermission(REPO, 'aiworker-bot', 'admin');
  fake.addHook(REPO, { url: receiver.url, secret: SECRET, events: BOT_EVENTS });
});

afterEach(async () => {
  await fake.close();
  await receiver.close();
});

describe('the API contract', () => {
  it('answers 404 for a route Gitea does not have, and 501 for a Gitea route the fake lacks', async () => {
    const unknown = await api('/repos/alice/shop/frobnicate');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ message: "The target couldn't be found." });

    const missing = await api('/repos/alice/shop/releases');
    expect(missing.status).toBe(501);
    expect((missing.json as Json).message).toContain('GET /api/v1/repos/{owner}/{repo}/releases');
  });

  it('refuses a body without a required field with 422 and changes nothing', async () => {
    const res = await api('/repos/alice/shop/issues', { method: 'POST', body: { body: 'no title' } });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ message: '[Title]: Required', url: `${fake.url}/api/swagger` });
    expect(fake.issues(REPO)).toEqual([]);

    const pull = await api('/repos/alice/shop/pulls', { method: 'POST', body: { title: 'x', base: 'main' } });
    expect(pull.status).toBe(422);
    expect((pull.json as Json).message).toBe('[Head]: Required');
  });

  it('refuses a wrongly typed field the way Go unmarshalling does', async () => {
    const res = await api('/repos/alice/shop/issues', {
      method: 'POST',
      body: { title: 't', labels: ['ai'] },
    });
    expect(res.status).toBe(422);
    expect((res.json as Json).message).toBe(
      '[]: json: cannot unmarshal string into Go struct field CreateIssueOption.labels of type int64',
    );
  });

  it('rejects a JSON body sent as text/plain, as Gitea does to gitea-js dependency calls', async () => {
    await fake.as('alice').openIssue(REPO, { title: 'blocker' });
    await fake.as('alice').openIssue(REPO, { title: 'blocked' });
    const client = giteaApi(fake.url, { token: botToken });
    const meta = { owner: 'alice', repo: 'shop', index: 1 };

    const refused = await client.repos
      .issueCreateIssueDependencies('alice', 'shop', '2', meta)
      .catch((e) => e);
    expect(refused.status).toBe(422);
    expect(refused.error).toMatchObject({ message: '[]: Unsupported Content-Type' });
    expect(fake.dependencies(REPO, 2)).toEqual([]);

    const accepted = await client.repos.issueCreateIssueDependencies('alice', 'shop', '2', meta, {
      type: ContentType.Json,
    });
    expect(accepted.status).toBe(201);
    expect(fake.dependencies(REPO, 2)).toEqual([1]);
  });
});

describe('authentication', () => {
  it('answers 401 in Gitea shape for a bad token, and accepts token, Bearer and basic auth', async () => {
    const bad = await api('/user', { token: 'not-a-token' });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({
      message: 'user does not exist [uid: 0, name: ]',
      url: `${fake.url}/api/swagger`,
    });

    const none = await api('/user', { token: null });
    expect(none.status).toBe(401);
    expect((none.json as Json).message).toBe('token is required');

    const bearer = await api('/user', { token: null, headers: { Authorization: `Bearer ${botToken}` } });
    expect((bearer.json as Json).login).toBe('aiworker-bot');

    const basic = Buffer.from('aiworker-bot:bot-password').toString('base64');
    const viaBasic = await api('/user', { token: null, headers: { Authorization: `Basic ${basic}` } });
    expect((viaBasic.json as Json).login).toBe('aiworker-bot');
  });

  it('mints tokens only under basic auth, and a deleted token stops working', async () => {
    const basic = { Authorization: `Basic ${Buffer.from('aiworker-bot:bot-password').toString('base64')}` };
    const body = { name: 'agent-run-1', scopes: ['write:repository'] };

    const withToken = await api('/users/aiworker-bot/tokens', { method: 'POST', body });
    expect(withToken.status).toBe(401);
    expect((withToken.json as Json).message).toBe('auth method not allowed');

    const created = await api('/users/aiworker-bot/tokens', {
      method: 'POST',
      body,
      token: null,
      headers: basic,
    });
    expect(created.status).toBe(201);
    const minted = created.json as Json;
    expect(minted.sha1).toMatch(/^[0-9a-f]{40}$/);
    expect((await api('/user', { token: String(minted.sha1) })).status).toBe(200);

    const forOther = await api('/users/alice/tokens', { method: 'POST', body, token: null, headers: basic });
    expect(forOther.status).toBe(403);

    const deleted = await api(`/users/aiworker-bot/tokens/${minted.id}`, {
      method: 'DELETE',
      token: null,
      headers: basic,
    });
    expect(deleted.status).toBe(204);
    expect((await api('/user', { token: String(minted.sha1) })).status).toBe(401);
  });
});

describe('labels', () => {
  it('keeps one exclusive label per scope on an issue, whether added by name or by id', async () => {
    const clarifying = fake.createLabel(REPO, { name: 'ai-status/clarifying', exclusive: true });
    const review = fake.createLabel(REPO, { name: 'ai-status/spec-review', exclusive: true });
    fake.createLabel(REPO, { name: 'ai' });
    fake.createLabel(REPO, { name: 'size/small' });
    fake.createLabel(REPO, { name: 'size/large' });
    await fake.as('alice').openIssue(REPO, { title: 'Payments' });

    await api('/repos/alice/shop/issues/1/labels', {
      method: 'POST',
      body: { labels: ['ai', 'ai-status/clarifying'] },
    });
    await api('/repos/alice/shop/issues/1/labels', {
      method: 'POST',
      body: { labels: ['size/small', 'size/large'] },
    });
    const added = await api('/repos/alice/shop/issues/1/labels', {
      method: 'POST',
      body: { labels: [review.id] },
    });

    expect(added.status).toBe(200);
    expect((added.json as Json[]).map((l) => l.name)).toEqual([
      'ai',
      'ai-status/spec-review',
      'size/large',
      'size/small',
    ]);
    expect(fake.issue(REPO, 1)?.labels).not.toContain(clarifying.name);
  });

  it('replaces, removes one and clears labels, firing label_updated then label_cleared', async () => {
    const ai = fake.createLabel(REPO, { name: 'ai' });
    fake.createLabel(REPO, { name: 'bug' });
    await fake.as('alice').openIssue(REPO, { title: 'x' });
    await fake.waitForDeliveries();
    const before = fake.deliveries.length;

    const replaced = await api('/repos/alice/shop/issues/1/labels', {
      method: 'PUT',
      body: { labels: ['bug', 'ai'] },
    });
    expect((replaced.json as Json[]).map((l) => l.name)).toEqual(['ai', 'bug']);
    expect((await api(`/repos/alice/shop/issues/1/labels/${ai.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(fake.issue(REPO, 1)?.labels).toEqual(['bug']);
    expect((await api('/repos/alice/shop/issues/1/labels', { method: 'DELETE' })).status).toBe(204);
    expect(fake.issue(REPO, 1)?.labels).toEqual([]);

    const events = (await deliveredPayloads()).slice(before);
    expect(events.map((e) => `${e.eventType}:${e.action}`)).toEqual([
      'issue_label:label_updated',
      'issue_label:label_updated',
      'issue_label:label_cleared',
    ]);
    for (const event of events) expect(event.payload).not.toHaveProperty('label');
  });

  it('pages the label list with X-Total-Count and a Link header', async () => {
    for (let i = 0; i < 35; i++) fake.createLabel(REPO, { name: `label-${String(i).padStart(2, '0')}` });
    const first = await api('/repos/alice/shop/labels');
    expect(first.headers.get('x-total-count')).toBe('35');
    expect((first.json as Json[]).length).toBe(30);
    expect(first.headers.get('link')).toContain('rel="next"');
    const second = await api('/repos/alice/shop/labels?page=2');
    expect((second.json as Json[]).map((l) => l.name)).toEqual(
      ['30', '31', '32', '33', '34'].map((n) => `label-${n}`),
    );
    const small = await api('/repos/alice/shop/labels?page=3&limit=10');
    expect((small.json as Json[]).map((l) => l.name)[0]).toBe('label-20');
  });
});

describe('issues', () => {
  it('keeps internal ids apart from numbers, shared by issues and pull requests', async () => {
    const issue = await fake.as('alice').openIssue(REPO, { title: 'one' });
    const pull = await fake.as('alice').openPullRequest(REPO, { title: 'two', head: 'feature' });
    expect([issue.number, pull.number]).toEqual([1, 2]);
    expect(issue.id).not.toBe(issue.number);
    const got = await api(`/repos/alice/shop/issues/${issue.id}`);
    expect(got.status).toBe(404);
    const pr = await api('/repos/alice/shop/pulls/2');
    expect((pr.json as Json).id).not.toBe(pull.id);
    expect((pr.json as Json).number).toBe(2);
  });

  it('lists with state, type and label filters and pages newest first', async () => {
    fake.createLabel(REPO, { name: 'ai' });
    for (let i = 1; i <= 12; i++) await fake.as('alice').openIssue(REPO, { title: `issue ${i}` });
    await api('/repos/alice/shop/issues/3/labels', { method: 'POST', body: { labels: ['ai'] } });
    await fake.as('alice').close(REPO, 4);
    await fake.as('alice').openPullRequest(REPO, { title: 'pr', head: 'feature' });

    const open = await api('/repos/alice/shop/issues?type=issues&limit=5');
    expect(open.headers.get('x-total-count')).toBe('11');
    expect((open.json as Json[]).map((i) => i.number)).toEqual([12, 11, 10, 9, 8]);
    const labelled = await api('/repos/alice/shop/issues?labels=ai');
    expect((labelled.json as Json[]).map((i) => i.number)).toEqual([3]);
    const closed = await api('/repos/alice/shop/issues?state=closed');
    expect((closed.json as Json[]).map((i) => i.number)).toEqual([4]);
    const pulls = await api('/repos/alice/shop/issues?type=pulls');
    expect((pulls.json as Json[]).map((i) => i.number)).toEqual([13]);
  });

  it('opening an issue with labels fires opened then label_updated, signed with the hook secret', async () => {
    const ai = fake.createLabel(REPO, { name: 'ai' });
    const created = await api('/repos/alice/shop/issues', {
      method: 'POST',
      body: { title: 'Add Stripe payments', body: 'We need payments', labels: [ai.id] },
    });
    expect(created.status).toBe(201);
    await fake.waitForDeliveries();

    expect(
      receiver.received.map((r) => [r.headers['x-gitea-event'], r.headers['x-gitea-event-type']]),
    ).toEqual([
      ['issues', 'issues'],
      ['issues', 'issue_label'],
    ]);
    const [opened, labelled] = receiver.received.map((r) => parsed(r.body));
    expect(opened?.action).toBe('opened');
    expect(labelled?.action).toBe('label_updated');
    expect(labelled?.issue).toMatchObject({ labels: [{ name: 'ai' }] });
    expect(opened?.sender).toMatchObject({ login: 'aiworker-bot' });

    for (const { headers, body } of receiver.received) {
      const sha256 = createHmac('sha256', SECRET).update(body).digest('hex');
      const sha1 = createHmac('sha1', SECRET).update(body).digest('hex');
      expect(headers['x-gitea-signature']).toBe(sha256);
      expect(headers['x-hub-signature-256']).toBe(`sha256=${sha256}`);
      expect(headers['x-hub-signature']).toBe(`sha1=${sha1}`);
      expect(headers['x-gogs-signature']).toBe(sha256);
      expect(headers['x-github-event']).toBe(headers['x-gitea-event']);
      expect(headers['x-github-delivery']).toBe(headers['x-gitea-delivery']);
      expect(headers['x-gogs-delivery']).toBe(headers['x-gitea-delivery']);
      expect(headers['content-type']).toBe('application/json');
      expect(headers['user-agent']).toBe('Go-http-client/1.1');
      expect(body.startsWith('{\n  "action": ')).toBe(true);
    }
    expect(new Set(receiver.received.map((r) => r.headers['x-gitea-delivery'])).size).toBe(2);
  });

  it('refuses to close an issue whose dependencies are open, but keeps the other edits', async () => {
    await fake.as('alice').openIssue(REPO, { title: 'blocker' });
    await fake.as('alice').openIssue(REPO, { title: 'blocked' });
    await fake.as('alice').addDependency(REPO, 2, 1);

    const refused = await api('/repos/alice/shop/issues/2', {
      method: 'PATCH',
      body: { title: 'renamed', state: 'closed' },
    });
    expect(refused.status).toBe(412);
    expect((refused.json as Json).message).toBe(
      'cannot close this issue because it still has open dependencies',
    );
    expect(fake.issue(REPO, 2)).toMatchObject({ title: 'renamed', state: 'open' });

    await fake.as('alice').close(REPO, 1);
    const closed = await api('/repos/alice/shop/issues/2', { method: 'PATCH', body: { state: 'closed' } });
    expect(closed.status).toBe(201);
    expect(fake.issue(REPO, 2)?.state).toBe('closed');
  });
});

describe('issue dependencies', () => {
  beforeEach(async () => {
    for (const title of ['one', 'two', 'three']) await fake.as('alice').openIssue(REPO, { title });
  });

  const meta = (index: number) => ({ owner: 'alice', repo: 'shop', index });

  it('links, lists both directions and unlinks', async () => {
    const created = await api('/repos/alice/shop/issues/2/dependencies', { method: 'POST', body: meta(1) });
    expect(created.status).toBe(201);
    expect((created.json as Json).number).toBe(2);
    const deps = await api('/repos/alice/shop/issues/2/dependencies');
    expect((deps.json as Json[]).map((i) => i.number)).toEqual([1]);
    const blocks = await api('/repos/alice/shop/issues/1/blocks');
    expect((blocks.json as Json[]).map((i) => i.number)).toEqual([2]);

    await api('/repos/alice/shop/issues/1/blocks', { method: 'POST', body: meta(3) });
    expect(fake.dependencies(REPO, 3)).toEqual([1]);
    expect(
      (await api('/repos/alice/shop/issues/2/dependencies', { method: 'DELETE', body: meta(1) })).status,
    ).toBe(201);
    expect(fake.dependencies(REPO, 2)).toEqual([]);
  });

  it('rejects duplicates, two issues blocking each other and unknown issues', async () => {
    await api('/repos/alice/shop/issues/2/dependencies', { method: 'POST', body: meta(1) });
    const duplicate = await api('/repos/alice/shop/issues/2/dependencies', { method: 'POST', body: meta(1) });
    expect(duplicate.status).toBe(500);
    const cycle = await api('/repos/alice/shop/issues/1/dependencies', { method: 'POST', body: meta(2) });
    expect(cycle.status).toBe(500);
    expect((cycle.json as Json).message).toContain('circular dependencies exists');
    const unknown = await api('/repos/alice/shop/issues/3/dependencies', { method: 'POST', body: meta(99) });
    expect(unknown.status).toBe(404);
    const noRepo = await api('/repos/alice/shop/issues/3/dependencies', {
      method: 'POST',
      body: { index: 1 },
    });
    expect(noRepo.status).toBe(404);
    expect(fake.dependencies(REPO, 1)).toEqual([]);
    expect(fake.dependencies(REPO, 3)).toEqual([]);
  });

  it('stores a self-dependency through the API, after which the issue cannot be closed', async () => {
    const self = await api('/repos/alice/shop/issues/3/dependencies', { method: 'POST', body: meta(3) });
    expect(self.status).toBe(201);
    expect(fake.dependencies(REPO, 3)).toEqual([3]);
    const again = await api('/repos/alice/shop/issues/3/dependencies', { method: 'POST', body: meta(3) });
    expect(again.status).toBe(500);
    expect((again.json as Json).message).toContain('issue dependency does already exist');
    const close = await api('/repos/alice/shop/issues/3', { method: 'PATCH', body: { state: 'closed' } });
    expect(close.status).toBe(412);
    // The web UI refuses it.
    await expect(fake.as('alice').addDependency(REPO, 2, 2)).rejects.toThrow(
      'You cannot make an issue depend on itself.',
    );
    expect(fake.dependencies(REPO, 2)).toEqual([]);
  });

  it('needs write access to the blocked issue', async () => {
    const bob = fake.createToken('bob');
    const res = await api('/repos/alice/shop/issues/2/dependencies', {
      method: 'POST',
      body: meta(1),
      token: bob,
    });
    expect(res.status).toBe(404);
    expect(fake.dependencies(REPO, 2)).toEqual([]);
  });
});

describe('comments and reactions', () => {
  it('fires edited with changes.body.from when a comment is edited through the API', async () => {
    await fake.as('alice').openIssue(REPO, { title: 'x' });
    const created = await api('/repos/alice/shop/issues/1/comments', {
      method: 'POST',
      body: { body: 'first <b>draft</b>' },
    });
    const id = (created.json as Json).id as number;
    const edited = await api(`/repos/alice/shop/issues/comments/${id}`, {
      method: 'PATCH',
      body: { body: 'final' },
    });
    expect(edited.status).toBe(200);
    expect((edited.json as Json).body).toBe('final');

    const events = await deliveredPayloads();
    const edit = events.find((e) => e.action === 'edited');
    expect(edit?.eventType).toBe('issue_comment');
    expect(edit?.payload.changes).toEqual({ body: { from: 'first <b>draft</b>' } });
    expect(edit?.payload.comment).toMatchObject({ id, body: 'final' });
    expect(edit?.payload.is_pull).toBe(false);
    // Go's encoder escapes HTML characters inside the signed body.
    const raw = fake.deliveries.find((d) => d.action === 'edited')?.body ?? '';
    expect(raw).toContain('first \\u003cb\\u003edraft\\u003c/b\\u003e');
  });

  it('lists every comment in one call, honouring since', async () => {
    let now = new Date('2026-01-01T10:00:00Z');
    await fake.close();
    fake = await startGiteaFake({ now: () => now });
    fake.addUser('alice');
    botToken = fake.addUser('aiworker-bot').token;
    fake.createRepo('alice', 'shop');
    await fake.as('alice').openIssue(REPO, { title: 'x' });
    for (let i = 0; i < 40; i++) await fake.as('alice').comment(REPO, 1, `early ${i}`);
    now = new Date('2026-01-01T12:00:00Z');
    await fake.as('alice').comment(REPO, 1, 'late');

    const all = await api('/repos/alice/shop/issues/1/comments');
    expect((all.json as Json[]).length).toBe(41);
    const recent = await api('/repos/alice/shop/issues/1/comments?since=2026-01-01T11:00:00Z');
    expect((recent.json as Json[]).map((c) => c.body)).toEqual(['late']);
  });

  it('answers 500, not 404, for the comments of an issue that does not exist', async () => {
    const repoId = ((await api('/repos/alice/shop')).json as Json).id;
    const issueNotExist = {
      message: `issue does not exist [id: 0, repo_id: ${repoId}, index: 42]`,
      url: `${fake.url}/api/swagger`,
    };
    const list = await api('/repos/alice/shop/issues/42/comments');
    expect(list.status).toBe(500);
    expect(list.json).toEqual(issueNotExist);
    const create = await api('/repos/alice/shop/issues/42/comments', {
      method: 'POST',
      body: { body: 'hi' },
    });
    expect(create.status).toBe(500);
    expect(create.json).toEqual(issueNotExist);
    expect((await api('/repos/alice/shop/issues/42')).status).toBe(404);
  });

  it('answers 201 for a new reaction and 200 when it already exists', async () => {
    await fake.as('alice').openIssue(REPO, { title: 'x' });
    const comment = await fake.as('alice').comment(REPO, 1, '/answer 1 Stripe');
    const first = await api('/repos/alice/shop/issues/1/reactions', {
      method: 'POST',
      body: { content: 'eyes' },
    });
    const again = await api('/repos/alice/shop/issues/1/reactions', {
      method: 'POST',
      body: { content: 'eyes' },
    });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.json).toMatchObject({ content: 'eyes', user: { login: 'aiworker-bot' } });
    const onComment = await api(`/repos/alice/shop/issues/comments/${comment.id}/reactions`, {
      method: 'POST',
      body: { content: '+1' },
    });
    expect(onComment.status).toBe(201);
    const refused = await api('/repos/alice/shop/issues/1/reactions', {
      method: 'POST',
      body: { content: 'party' },
    });
    expect(refused.status).toBe(403);
    expect(fake.reactions(REPO, { issue: 1 })).toEqual([{ user: 'aiworker-bot', content: 'eyes' }]);
    expect(fake.reactions(REPO, { comment: comment.id })).toEqual([{ user: 'aiworker-bot', content: '+1' }]);
  });

  it('sends comments on a pull request as pull_request_comment with is_pull', async () => {
    await fake.as('alice').openPullRequest(REPO, { title: 'feat', head: 'feature' });
    await api('/repos/alice/shop/issues/1/comments', { method: 'POST', body: { body: 'looks good' } });
    const events = await deliveredPayloads();
    const comment = events.find((e) => e.eventType === 'pull_request_comment');
    expect(fake.deliveries.find((d) => d.eventType === 'pull_request_comment')?.event).toBe('issue_comment');
    expect(comment?.payload.is_pull).toBe(true);
    expect(comment?.payload.pull_request).toMatchObject({ number: 1, head: { ref: 'feature' } });
  });
});

describe('pull requests', () => {
  it('merging closes the issue the body closes and reports closed + merged', async () => {
    await fake.as('alice').openIssue(REPO, { title: 'Add payments' });
    const pr = await fake.as('alice').openPullRequest(REPO, {
      title: 'Payments',
      head: 'ai/1-payments',
      body: 'Implements payments.\n\nCloses #1',
      files: { 'src/payments.ts': 'export const pay = true;\n' },
    });
    const headBefore = pr.pull?.headSha;
    const newHead = await fake.as('alice').pushToPullRequest(REPO, pr.number);
    expect(newHead).not.toBe(headBefore);

    const merged = await api(`/repos/alice/shop/pulls/${pr.number}/merge`, {
      method: 'POST',
      body: { Do: 'merge' },
    });
    expect(merged.status).toBe(200);
    const again = await api(`/repos/alice/shop/pulls/${pr.number}/merge`, {
      method: 'POST',
      body: { Do: 'merge' },
    });
    expect(again.status).toBe(405);

    const events = await deliveredPayloads();
    const sync = events.find((e) => e.action === 'synchronized');
    expect(sync?.eventType).toBe('pull_request_sync');
    expect(sync?.payload.pull_request).toMatchObject({ head: { sha: newHead } });

    const closedPr = events.find((e) => e.eventType === 'pull_request' && e.action === 'closed');
    const pull = closedPr?.payload.pull_request as Json;
    expect(pull.merged).toBe(true);
    expect(pull.merge_commit_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(pull.head).toMatchObject({ ref: 'ai/1-payments', sha: newHead });
    const closedIssue = events.find((e) => e.eventType === 'issues' && e.action === 'closed');
    expect(closedIssue?.payload.number).toBe(1);
    expect(closedIssue?.payload.commit_id).toBe(pull.merge_commit_sha);
    expect(fake.issue(REPO, 1)?.state).toBe('closed');
    expect(fake.files(REPO)['src/payments.ts']).toBe('export const pay = true;\n');
    expect(fake.branchSha(REPO)).toBe(pull.merge_commit_sha);

    const fetched = await api(`/repos/alice/shop/pulls/${pr.number}`);
    expect(fetched.json).toMatchObject({
      merged: true,
      state: 'closed',
      merge_commit_sha: pull.merge_commit_sha,
    });
  });

  it('webhook payloads carry every top-level field of real Gitea payloads', async () => {
    fake.createLabel(REPO, { name: 'ai' });
    await fake.as('alice').openIssue(REPO, { title: 'x', labels: ['ai'] });
    await fake.as('alice').comment(REPO, 1, 'hello');
    const pr = await fake.as('alice').openPullRequest(REPO, { title: 'feat', head: 'feature' });
    await fake.as('alice').mergePullRequest(REPO, pr.number);
    const events = await deliveredPayloads();
    const byKind = (type: string, action: string) =>
      events.find((e) => e.eventType === type && e.action === action);

    const cases: Array<[Json | undefined, Json]> = [
      [byKind('issues', 'opened')?.payload, fixture('issues.opened.json')],
      [byKind('issue_label', 'label_updated')?.payload, fixture('issue_label.label_updated.json')],
      [byKind('issue_comment', 'created')?.payload, fixture('issue_comment.created.json')],
      [byKind('pull_request', 'closed')?.payload, fixture('pull_request.closed.merged.json')],
    ];
    for (const [ours, real] of cases) {
      expect(ours).toBeDefined();
      for (const key of Object.keys(real)) expect(ours).toHaveProperty(key);
      for (const nested of ['issue', 'comment', 'pull_request', 'repository', 'sender']) {
        const realPart = real[nested] as Json | undefined;
        if (!realPart) continue;
        // Fields Gitea dropped since these captures, or that only old versions had.
        const gone = ['secret', 'assignee', 'assignees'];
        for (const key of Object.keys(realPart).filter((k) => !gone.includes(k))) {
          expect(ours?.[nested]).toHaveProperty(key);
        }
      }
    }
  });
});

describe('webhooks', () => {
  it('redelivers the same body under a new delivery id', async () => {
    await fake.as('alice').openIssue(REPO, { title: 'x' });
    await fake.waitForDeliveries();
    const original = fake.deliveries[0];
    if (!original) throw new Error('no delivery');
    const again = await fake.redeliver(original.id);
    expect(again.id).not.toBe(original.id);
    expect(again.body).toBe(original.body);
    expect(again.status).toBe(200);
    const last = receiver.received.at(-1);
    expect(last?.headers['x-gitea-delivery']).toBe(again.id);
    expect(last?.headers['x-gitea-signature']).toBe(
      createHmac('sha256', SECRET).update(original.body).digest('hex'),
    );
  });

  it('filters by the hook events the way Gitea maps them', async () => {
    const pushOnly = await startWebhookReceiver();
    const issuesOnly = await startWebhookReceiver();
    try {
      const a = await api('/repos/alice/shop/hooks', {
        method: 'POST',
        body: {
          type: 'gitea',
          config: { url: pushOnly.url, content_type: 'json', secret: 's' },
          active: true,
        },
      });
      expect(a.status).toBe(201);
      expect((a.json as Json).events).toEqual(['push']);
      await api('/repos/alice/shop/hooks', {
        method: 'POST',
        body: {
          type: 'gitea',
          config: { url: issuesOnly.url, content_type: 'json' },
          events: ['issues'],
          active: true,
        },
      });
      await fake.as('alice').openIssue(REPO, { title: 'x' });
      await fake.as('alice').comment(REPO, 1, 'c');
      fake.setFiles(REPO, { 'a.txt': 'a\n' });
      await fake.waitForDeliveries();
      expect(pushOnly.received.map((r) => r.headers['x-gitea-event'])).toEqual(['push']);
      // `issues` in the API also enables issue comments and label events, as in Gitea.
      expect(issuesOnly.received.map((r) => r.headers['x-gitea-event-type'])).toEqual([
        'issues',
        'issue_comment',
      ]);
    } finally {
      await pushOnly.close();
      await issuesOnly.close();
    }
  });

  it('edits a hook: name and events, but never its secret; a missing event list means push only', async () => {
    const hooks = (await api('/repos/alice/shop/hooks')).json as Json[];
    const id = hooks[0]?.id;
    const edited = await api(`/repos/alice/shop/hooks/${id}`, {
      method: 'PATCH',
      body: { name: ' aiworker ', config: { secret: 'rotated' }, events: ['issue_comment'], active: true },
    });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ name: 'aiworker', events: ['issue_comment'], active: true });
    expect(edited.json).not.toHaveProperty('config.secret');

    await fake.as('alice').openIssue(REPO, { title: 'x' });
    await fake.as('alice').comment(REPO, 1, 'c');
    await fake.waitForDeliveries();
    expect(receiver.received.map((r) => r.headers['x-gitea-event-type'])).toEqual(['issue_comment']);
    const [delivery] = receiver.received;
    // editHook ignores config.secret: deliveries are still signed with the old one.
    expect(delivery?.headers['x-gitea-signature']).toBe(
      createHmac('sha256', SECRET)
        .update(delivery?.body ?? '')
        .digest('hex'),
    );

    const reset = await api(`/repos/alice/shop/hooks/${id}`, { method: 'PATCH', body: { active: true } });
    expect(reset.json).toMatchObject({ name: 'aiworker', events: ['push'] });
  });

  it('replaces the branch filter and authorization header on every edit', async () => {
    const created = await api('/repos/alice/shop/hooks', {
      method: 'POST',
      body: {
        type: 'gitea',
        config: { url: receiver.url, content_type: 'json' },
        branch_filter: 'main',
        authorization_header: 'Bearer abc',
      },
    });
    expect(created.json).toMatchObject({ branch_filter: 'main', authorization_header: 'Bearer abc' });
    const id = (created.json as Json).id;
    const edited = await api(`/repos/alice/shop/hooks/${id}`, {
      method: 'PATCH',
      body: { events: ['push'] },
    });
    expect(edited.json).toMatchObject({ branch_filter: '', authorization_header: '', active: false });
  });

  for (const version of ['1.24.7', '1.25.4']) {
    it(`has no hook names in Gitea ${version}: name is neither stored nor returned`, async () => {
      const old = await startGiteaFake({ version });
      try {
        old.addUser('alice');
        const token = old.addUser('aiworker-bot').token;
        old.createRepo('alice', 'shop');
        old.setPermission(REPO, 'aiworker-bot', 'admin');
        const call = async (path: string, method: string, body?: unknown) => {
          const res = await fetch(`${old.url}/api/v1${path}`, {
            method,
            headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          return (await res.json()) as Json;
        };
        const created = await call('/repos/alice/shop/hooks', 'POST', {
          type: 'gitea',
          name: 'aiworker',
          config: { url: receiver.url, content_type: 'json', secret: 's' },
          active: true,
        });
        expect(created).not.toHaveProperty('name');
        const edited = await call(`/repos/alice/shop/hooks/${created.id}`, 'PATCH', { name: 'again' });
        expect(edited).not.toHaveProperty('name');
        expect(await call('/repos/alice/shop/hooks', 'GET')).toEqual([edited]);
      } finally {
        await old.close();
      }
    });
  }

  it('records failed deliveries with the receiver status, in order per hook', async () => {
    receiver.respondWith(503);
    await fake.as('alice').openIssue(REPO, { title: 'a' });
    await fake.as('alice').openIssue(REPO, { title: 'b' });
    await fake.waitForDeliveries();
    expect(fake.deliveries.map((d) => d.status)).toEqual([503, 503]);
    expect(receiver.received.map((r) => (parsed(r.body).issue as Json).title)).toEqual(['a', 'b']);
  });
});

describe('delivery order', () => {
  /** Titles of the issues whose `opened` deliveries reached the receiver, in arrival order. */
  const arrivedTitles = (r: WebhookReceiver) =>
    r.received.map((x) => ((parsed(x.body).issue as Json | undefined)?.title as string) ?? '?');

  async function openSix(order: DeliveryOrder): Promise<string[]> {
    const g = await startGiteaFake({ delivery: order });
    const r = await startWebhookReceiver();
    try {
      g.addUser('alice');
      g.createRepo('alice', 'shop');
      g.addHook(REPO, { url: r.url, secret: SECRET, events: ['issues'] });
      for (const title of ['a', 'b', 'c', 'd', 'e', 'f']) await g.as('alice').openIssue(REPO, { title });
      await g.waitForDeliveries();
      expect(g.deliveries.map((d) => d.sentIndex).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      return arrivedTitles(r);
    } finally {
      await g.close();
      await r.close();
    }
  }

  /** Whether `order` splits into at most `runs` runs of consecutive events, each in order. */
  function fromAtMostRuns(order: string[], emitted: string[], runs: number): boolean {
    // A new run starts where an event does not directly follow its predecessor in `order`'s runs.
    const position = new Map(emitted.map((t, i) => [t, i]));
    const starts = new Set<number>();
    const placed = new Set<number>();
    for (const title of order) {
      const i = position.get(title) ?? -1;
      if (!placed.has(i - 1)) starts.add(i);
      placed.add(i);
    }
    return starts.size <= runs;
  }

  it('imitates a worker pool: swapped for some seeds, the same order again for a seed, never beyond the workers', async () => {
    const emitted = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(await openSix({ mode: 'in-order' })).toEqual(emitted);
    // One worker (Gitea on a host with fewer than 4 CPUs) delivers in order too.
    expect(await openSix({ mode: 'pool', workers: 1, seed: 3 })).toEqual(emitted);

    const orders = new Map<number, string[]>();
    for (const seed of [1, 2, 3, 4, 5, 6])
      orders.set(seed, await openSix({ mode: 'pool', workers: 2, seed }));
    for (const order of orders.values()) {
      expect([...order].sort()).toEqual(emitted);
      expect(fromAtMostRuns(order, emitted, 2)).toBe(true);
    }
    expect([...orders.values()].some((order) => order.join() !== emitted.join())).toBe(true);
    expect(await openSix({ mode: 'pool', workers: 2, seed: 4 })).toEqual(orders.get(4));
  });

  it('holds deliveries back and sends them in the order a test chooses', async () => {
    fake.holdDeliveries();
    await fake.as('alice').openIssue(REPO, { title: 'first' });
    await fake.as('alice').openIssue(REPO, { title: 'second' });
    await fake.waitForDeliveries();
    expect(receiver.received).toHaveLength(0);
    await expect(fake.releaseDeliveries((held) => held.slice(1))).rejects.toThrow(/exactly once/);
    const seenBetween: number[] = [];
    await fake.releaseDeliveries((held) => [...held].reverse(), {
      afterEach: async () => {
        seenBetween.push(receiver.received.length);
      },
    });
    expect(arrivedTitles(receiver)).toEqual(['second', 'first']);
    expect(seenBetween).toEqual([1, 2]);
    await fake.as('alice').openIssue(REPO, { title: 'third' });
    await fake.waitForDeliveries();
    expect(arrivedTitles(receiver)).toEqual(['second', 'first', 'third']);
  });

  it('refuses a pool Gitea cannot have', () => {
    expect(() => fake.setDeliveryOrder({ mode: 'pool', workers: 11 })).toThrow(/1\.\.10/);
  });
});

describe('pull request reviews', () => {
  async function pullOf(author: string) {
    return fake.as(author).openPullRequest(REPO, {
      title: 'Payments',
      head: `${author}/payments`,
      files: { 'src/payments.ts': 'export const pay = true;\n' },
    });
  }

  it('fires one webhook per submitted review with the type and text but no id; pending fires none', async () => {
    fake.setPermission(REPO, 'bob', 'write');
    const pr = await pullOf('alice');
    await fake.waitForDeliveries();
    receiver.received.length = 0;
    await fake.as('bob').review(REPO, pr.number, { event: 'REQUEST_CHANGES', body: 'Please add tests.' });
    await fake.as('bob').review(REPO, pr.number, { event: 'APPROVED' });
    await fake.as('bob').review(REPO, pr.number, { event: 'COMMENT', body: '/help' });
    await fake.as('bob').review(REPO, pr.number, { event: 'PENDING', body: 'draft' });
    await fake.waitForDeliveries();
    expect(
      receiver.received.map((r) => [r.headers['x-gitea-event'], r.headers['x-gitea-event-type']]),
    ).toEqual([
      ['pull_request_rejected', 'pull_request_review_rejected'],
      ['pull_request_approved', 'pull_request_review_approved'],
      ['pull_request_comment', 'pull_request_review_comment'],
    ]);
    const [rejected] = receiver.received.map((r) => parsed(r.body));
    expect(rejected).toMatchObject({
      action: 'reviewed',
      number: pr.number,
      review: { type: 'pull_request_review_rejected', content: 'Please add tests.' },
      sender: { login: 'bob' },
      requested_reviewer: { login: 'bob' },
    });
    const real = fixture('pull_request_review_rejected.reviewed.json');
    for (const key of Object.keys(real)) expect(rejected).toHaveProperty(key);
    expect(Object.keys(rejected?.review as Json)).toEqual(['type', 'content']);
  });

  it("lists reviews with state and staleness, hides others' pending ones, and refuses what Gitea refuses", async () => {
    fake.setPermission(REPO, 'bob', 'write');
    const pr = await pullOf('alice');
    const alice = fake.createToken('alice');
    const bob = fake.createToken('bob');
    const refused = await api(`/repos/alice/shop/pulls/${pr.number}/reviews`, {
      method: 'POST',
      token: alice,
      body: { event: 'APPROVED' },
    });
    expect(refused).toMatchObject({ status: 422, json: { message: 'approve your own pull is not allowed' } });
    const bodiless = await api(`/repos/alice/shop/pulls/${pr.number}/reviews`, {
      method: 'POST',
      token: bob,
      body: { event: 'REQUEST_CHANGES' },
    });
    expect(bodiless).toMatchObject({
      status: 422,
      json: { message: 'review event REQUEST_CHANGES requires a body' },
    });

    const created = await api(`/repos/alice/shop/pulls/${pr.number}/reviews`, {
      method: 'POST',
      token: bob,
      body: { event: 'REQUEST_CHANGES', body: 'Needs tests.' },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      state: 'REQUEST_CHANGES',
      body: 'Needs tests.',
      commit_id: pr.pull?.headSha,
      stale: false,
      official: true,
      dismissed: false,
      user: { login: 'bob' },
    });
    expect((created.json as Json).html_url).toMatch(new RegExp(`/pulls/${pr.number}#issuecomment-\\d+$`));
    await fake.as('bob').review(REPO, pr.number, { event: 'PENDING', body: 'thinking' });

    const newHead = await fake.as('alice').pushToPullRequest(REPO, pr.number);
    await fake.as('bob').review(REPO, pr.number, { event: 'APPROVED' });
    const asAlice = await api(`/repos/alice/shop/pulls/${pr.number}/reviews`, { token: alice });
    // bob's pending review became his approval (Gitea reuses a reviewer's pending review).
    expect((asAlice.json as Json[]).map((r) => [r.state, r.stale, r.commit_id === newHead])).toEqual([
      ['REQUEST_CHANGES', true, false],
      ['APPROVED', false, true],
    ]);
    expect(asAlice.headers.get('x-total-count')).toBe('2');

    await fake.as('alice').closePullRequest(REPO, pr.number);
    const onClosed = await api(`/repos/alice/shop/pulls/${pr.number}/reviews`, {
      method: 'POST',
      token: bob,
      body: { event: 'APPROVED' },
    });
    expect(onClosed).toMatchObject({
      status: 422,
      json: { message: "can't submit review for a closed or merged PR" },
    });
  });
});

describe('failure injection', () => {
  it('a failed request leaves no trace: no comment, no webhook', async () => {
    await fake.as('alice').openIssue(REPO, { title: 'x' });
    await fake.waitForDeliveries();
    const before = fake.deliveries.length;
    fake.failNext({ method: 'POST', path: /\/comments$/, status: 503 });
    const failed = await api('/repos/alice/shop/issues/1/comments', { method: 'POST', body: { body: 'hi' } });
    expect(failed.status).toBe(503);
    expect(fake.comments(REPO, 1)).toEqual([]);
    await fake.waitForDeliveries();
    expect(fake.deliveries.length).toBe(before);

    const retried = await api('/repos/alice/shop/issues/1/comments', {
      method: 'POST',
      body: { body: 'hi' },
    });
    expect(retried.status).toBe(201);
    expect(fake.comments(REPO, 1).map((c) => c.body)).toEqual(['hi']);
    expect(fake.calls.map((c) => c.injected)).toEqual(['failure', undefined]);
  });

  it('an after-effect failure applies the change and its webhook but still answers 500', async () => {
    await fake.as('alice').openIssue(REPO, { title: 'x' });
    fake.failNext({ path: /\/comments$/, afterEffect: true });
    const failed = await api('/repos/alice/shop/issues/1/comments', { method: 'POST', body: { body: 'hi' } });
    expect(failed.status).toBe(500);
    expect(fake.comments(REPO, 1).map((c) => c.body)).toEqual(['hi']);
    const events = await deliveredPayloads();
    expect(events.some((e) => e.eventType === 'issue_comment' && e.action === 'created')).toBe(true);
  });

  it('a timeout leaves the client without an answer', async () => {
    fake.failNext({ path: /\/version$/, status: 'timeout' });
    const outcome = await fetch(`${fake.url}/api/v1/version`, { signal: AbortSignal.timeout(300) }).then(
      (res) => `status ${res.status}`,
      (error: Error) => error.name,
    );
    expect(outcome).toBe('TimeoutError');
    expect((await api('/version')).json).toEqual({ version: '1.26.3' });
  });

  it('a failure rate with a seed fails the same requests every run', async () => {
    const run = async () => {
      fake.setFailureRate(0.3, { seed: 42, statuses: [500, 502] });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await api('/version')).status);
      fake.clearFailures();
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(first).toEqual(second);
    expect(first.filter((s) => s !== 200).length).toBeGreaterThan(0);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(first.every((s) => [200, 500, 502].includes(s))).toBe(true);
  });
});

describe('repository content and permissions', () => {
  it('serves the tree in pages with truncated, contents as base64 and raw files by ref', async () => {
    const tree = await api('/repos/alice/shop/git/trees/main?recursive=true&per_page=2');
    const body = tree.json as Json;
    expect(body.total_count).toBe(4);
    expect(body.truncated).toBe(true);
    expect((body.tree as Json[]).map((e) => e.path)).toEqual(['README.md', 'package.json']);
    const last = await api('/repos/alice/shop/git/trees/main?recursive=true&per_page=2&page=2');
    expect((last.json as Json).truncated).toBe(false);
    expect(((last.json as Json).tree as Json[]).map((e) => `${e.type} ${e.path}`)).toEqual([
      'tree src',
      'blob src/app.ts',
    ]);

    const sha = fake.setFiles(REPO, { 'src/app.ts': 'export const app = 2;\n' }, { branch: 'next' });
    const contents = await api('/repos/alice/shop/contents/src/app.ts?ref=next');
    expect(Buffer.from(String((contents.json as Json).content), 'base64').toString()).toBe(
      'export const app = 2;\n',
    );
    expect((await api('/repos/alice/shop/raw/src/app.ts?ref=main')).text).toBe('export const app = 1;\n');
    expect((await api('/repos/alice/shop/raw/next/src/app.ts')).text).toBe('export const app = 2;\n');
    expect(((await api('/repos/alice/shop/branches/next')).json as Json).commit).toMatchObject({ id: sha });
    expect((await api('/repos/alice/shop/contents/missing.txt')).status).toBe(404);
  });

  it('writes files through the contents API with sha checks, each write a pushed commit', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const created = await api('/repos/alice/shop/contents/deploy/staging.yaml', {
      method: 'POST',
      body: { content: b64('image: v1\n'), message: 'Promote v1' },
    });
    expect(created.status).toBe(201);
    const sha = ((created.json as Json).content as Json).sha as string;
    expect(((created.json as Json).commit as Json).message).toBe('Promote v1\n');

    const again = await api('/repos/alice/shop/contents/deploy/staging.yaml', {
      method: 'POST',
      body: { content: b64('image: v1\n') },
    });
    expect(again.status).toBe(422);
    const stale = await api('/repos/alice/shop/contents/deploy/staging.yaml', {
      method: 'PUT',
      body: { content: b64('image: v2\n'), sha: 'f'.repeat(40) },
    });
    expect(stale.status).toBe(422);
    const updated = await api('/repos/alice/shop/contents/deploy/staging.yaml', {
      method: 'PUT',
      body: { content: b64('image: v2\n'), sha },
    });
    expect(updated.status).toBe(200);
    expect(fake.files(REPO)['deploy/staging.yaml']).toBe('image: v2\n');

    const bob = fake.createToken('bob');
    const refused = await api('/repos/alice/shop/contents/x.txt', {
      method: 'POST',
      body: { content: b64('x') },
      token: bob,
    });
    expect(refused.status).toBe(403);

    const pushes = (await deliveredPayloads()).filter((e) => e.eventType === 'push');
    expect(pushes.map((p) => (p.payload.head_commit as Json).message)).toEqual([
      'Promote v1\n',
      'Update deploy/staging.yaml\n',
    ]);
  });

  it('reports collaborator permissions as Gitea does', async () => {
    fake.addUser('carol');
    fake.setPermission(REPO, 'bob', 'write');
    const permission = async (user: string) =>
      (await api(`/repos/alice/shop/collaborators/${user}/permission`)).json as Json;
    expect(await permission('alice')).toMatchObject({ permission: 'owner', role_name: 'owner' });
    expect(await permission('aiworker-bot')).toMatchObject({ permission: 'admin' });
    expect(await permission('bob')).toMatchObject({ permission: 'write', user: { login: 'bob' } });
    expect(await permission('carol')).toMatchObject({ permission: 'read' });
    expect((await api('/repos/alice/shop/collaborators/nobody/permission')).status).toBe(404);
  });

  it('tells a stranger read on a public repository and none on a private one', async () => {
    fake.addUser('carol');
    fake.createRepo('alice', 'vault', { private: true });
    fake.setPermission('alice/vault', 'aiworker-bot', 'admin');
    const ask = async (repo: string) =>
      (await api(`/repos/alice/${repo}/collaborators/carol/permission`)).json as Json;
    expect(await ask('shop')).toMatchObject({ permission: 'read', role_name: 'read' });
    expect(await ask('vault')).toMatchObject({ permission: 'none', role_name: 'none' });
  });

  it('refuses to tell anyone but admins about other users, before looking the user up', async () => {
    fake.setPermission(REPO, 'aiworker-bot', 'write');
    fake.setPermission(REPO, 'bob', 'write');
    const refusal = {
      message:
        'Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own',
      url: `${fake.url}/api/swagger`,
    };
    for (const user of ['bob', 'alice', 'nobody']) {
      const res = await api(`/repos/alice/shop/collaborators/${user}/permission`);
      expect(res.status).toBe(403);
      expect(res.json).toEqual(refusal);
    }
    // Anyone may ask about themselves, in any letter case.
    const own = await api('/repos/alice/shop/collaborators/AiWorker-Bot/permission');
    expect(own.status).toBe(200);
    expect(own.json).toMatchObject({ permission: 'write', user: { login: 'aiworker-bot' } });
    const siteAdmin = fake.addUser('root', { admin: true }).token;
    const asked = await api('/repos/alice/shop/collaborators/bob/permission', { token: siteAdmin });
    expect(asked.json).toMatchObject({ permission: 'write' });
  });

  it('records commit statuses, combines them and fires status webhooks', async () => {
    const sha = fake.branchSha(REPO) ?? '';
    const post = (state: string, context: string) =>
      api(`/repos/alice/shop/statuses/${sha}`, {
        method: 'POST',
        body: { state, context, target_url: 'http://preview.example/pr-1', description: 'Preview' },
      });
    expect((await post('pending', 'aiworker/preview')).status).toBe(201);
    await post('success', 'aiworker/preview');
    await post('failure', 'ci/build');
    const combined = (await api('/repos/alice/shop/commits/main/status')).json as Json;
    expect(combined.state).toBe('failure');
    expect(combined.total_count).toBe(2);
    expect(fake.statuses(REPO, sha).map((s) => s.state)).toEqual(['failure', 'success', 'pending']);
    const events = await deliveredPayloads();
    expect(events.filter((e) => e.eventType === 'status').map((e) => e.payload.state)).toEqual([
      'pending',
      'success',
      'failure',
    ]);
  });
});
