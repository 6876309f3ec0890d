import { afterEach, describe, expect, it } from 'vitest';
import { type ApiCall, apiClient } from '../fakes/gitea/api-client.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/gitea/receiver.ts';

/**
 * Commit statuses in the Gitea fake, held to Gitea's source: routers/api/v1/repo/status.go,
 * services/repository/commitstatus, models/git/commit_status.go, modules/commitstatus (1.25,
 * 1.26) and modules/structs/commit_status.go (1.24) for the combined state, and
 * services/webhook/notifier.go `CreateCommitStatus` with modules/structs/hook.go
 * `CommitStatusPayload` for the webhook.
 */

type Json = Record<string, unknown>;
const REPO = 'alice/shop';

let fake: GiteaFake;
let receiver: WebhookReceiver;
let botToken: string;
const api: ApiCall = apiClient(
  () => fake.url,
  () => botToken,
);

async function start(version?: string) {
  fake = await startGiteaFake(version ? { version } : {});
  receiver = await startWebhookReceiver();
  botToken = fake.addUser('aiworker-bot', { password: 'pw' }).token;
  fake.addUser('alice');
  fake.createRepo('alice', 'shop', { files: { 'README.md': '# shop\n' } });
  fake.setPermission(REPO, 'aiworker-bot', 'write');
  fake.addHook(REPO, { url: receiver.url, secret: 's', events: ['status', 'workflow_run'] });
}

afterEach(async () => {
  await fake.close();
  await receiver.close();
});

const post = (ref: string, body: Json) => api(`/repos/alice/shop/statuses/${ref}`, { method: 'POST', body });

async function statusDeliveries(): Promise<Json[]> {
  await fake.waitForDeliveries();
  return fake.deliveries.filter((d) => d.eventType === 'status').map((d) => JSON.parse(d.payload) as Json);
}

describe('posting a status', () => {
  it('fires the status webhook with the fields CreateCommitStatus fills, in CommitStatusPayload order', async () => {
    await start();
    const sha = fake.branchSha(REPO) ?? '';
    const created = await post(sha, {
      state: 'pending',
      context: 'aiworker/preview',
      description: 'Deploying the preview',
      target_url: 'https://pr-1.previews.example.com',
    });
    expect(created.status).toBe(201);
    const [payload] = await statusDeliveries();
    if (!payload) throw new Error('no status webhook');
    expect(Object.keys(payload)).toEqual([
      'commit',
      'context',
      'created_at',
      'description',
      'id',
      'repository',
      'sender',
      'sha',
      'state',
      'target_url',
      'updated_at',
    ]);
    expect(payload).toMatchObject({
      context: 'aiworker/preview',
      description: 'Deploying the preview',
      sha,
      state: 'pending',
      target_url: 'https://pr-1.previews.example.com',
      created_at: payload.updated_at,
    });
    // The payload's id is the table's id; the API shows the commit's own index.
    expect(typeof payload.id).toBe('number');
    expect((created.json as Json).id).toBe(1);
    expect((payload.commit as Json).id).toBe(sha);
    expect((payload.sender as Json).login).toBe('aiworker-bot');
    // Repository permissions are the owner's, whoever posted.
    expect((payload.repository as Json).permissions).toEqual({ admin: true, push: true, pull: true });
    const delivery = fake.deliveries.find((d) => d.eventType === 'status');
    expect(delivery?.headers['X-Gitea-Event']).toBe('status');
    expect(delivery?.headers['X-Gitea-Event-Type']).toBe('status');
  });

  it('makes an empty target URL absolute in the webhook (ROOT_URL) and keeps it empty in the API', async () => {
    await start();
    const sha = fake.branchSha(REPO) ?? '';
    const created = await post(sha, { state: 'success', context: 'aiworker/deploy/staging' });
    expect((created.json as Json).target_url).toBe('');
    const [payload] = await statusDeliveries();
    expect(payload?.target_url).toBe(`${fake.url}/`);
  });

  it('resolves a short sha or a branch to the full commit, trims the text, and numbers statuses per commit', async () => {
    await start();
    const sha = fake.branchSha(REPO) ?? '';
    await post(sha.slice(0, 10), { state: 'pending', context: '  aiworker/preview  ', description: ' x ' });
    const second = await post('main', { state: 'success', context: 'aiworker/preview' });
    expect(second.json).toMatchObject({
      id: 2,
      context: 'aiworker/preview',
      url: `${fake.url}/api/v1/repos/alice/shop/statuses/${sha}`,
    });
    expect(fake.statuses(REPO, sha).map((s) => [s.state, s.context, s.description, s.creator])).toEqual([
      ['success', 'aiworker/preview', '', 'aiworker-bot'],
      ['pending', 'aiworker/preview', 'x', 'aiworker-bot'],
    ]);
    const other = fake.setFiles(REPO, { 'a.txt': 'a' });
    expect((await post(other, { state: 'pending', context: 'c' })).json).toMatchObject({ id: 1 });
  });

  it('answers 500 with GetCommit’s error for a commit that does not exist, and stores any state unchecked', async () => {
    await start();
    const missing = 'f'.repeat(40);
    const refused = await post(missing, { state: 'success', context: 'c' });
    expect(refused.status).toBe(500);
    expect(refused.json).toMatchObject({
      message: `GetCommit[${missing}]: object does not exist [id: ${missing}, rel_path: ]`,
    });
    const odd = await post('main', { state: 'bogus', context: 'c' });
    expect(odd.status).toBe(201);
    expect((odd.json as Json).status).toBe('bogus');
  });

  it('needs write access to the repository', async () => {
    await start();
    const reader = fake.addUser('carol').token;
    const refused = await api('/repos/alice/shop/statuses/main', {
      method: 'POST',
      body: { state: 'success', context: 'c' },
      token: reader,
    });
    expect(refused.status).toBe(403);
    expect(await statusDeliveries()).toEqual([]);
  });
});

describe('reading statuses', () => {
  it('lists by the sha as written, filters only by the five filterable states, and sorts as Gitea names the sorts', async () => {
    await start();
    const sha = fake.branchSha(REPO) ?? '';
    await post(sha, { state: 'pending', context: 'a' });
    await post(sha, { state: 'skipped', context: 'b' });
    await post(sha, { state: 'success', context: 'a' });
    const ids = async (query: string) =>
      ((await api(`/repos/alice/shop/statuses/${sha}${query}`)).json as Json[]).map((s) => s.id);
    expect(await ids('')).toEqual([3, 2, 1]);
    expect(await ids('?state=success')).toEqual([3]);
    // `skipped` is not a filter Gitea knows: everything comes back.
    expect(await ids('?state=skipped')).toEqual([3, 2, 1]);
    // leastindex sorts by index descending, highestindex ascending (Gitea's naming).
    expect(await ids('?sort=leastindex')).toEqual([3, 2, 1]);
    expect(await ids('?sort=highestindex')).toEqual([1, 2, 3]);
    expect(((await api(`/repos/alice/shop/statuses/${sha.slice(0, 10)}`)).json as Json[]).length).toBe(0);
    const byRef = await api('/repos/alice/shop/commits/main/statuses');
    expect((byRef.json as Json[]).map((s) => s.id)).toEqual([3, 2, 1]);
    expect(byRef.headers.get('x-total-count')).toBe('3');
  });

  it('answers 404 for a ref that is neither a branch nor a commit id of seven or more characters', async () => {
    await start();
    const short = (fake.branchSha(REPO) ?? '').slice(0, 6);
    const answer = await api(`/repos/alice/shop/commits/${short}/status`);
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({
      errors: [`object does not exist [id: ${short}, rel_path: ]`],
      message: 'not found',
      url: `${fake.url}/api/swagger`,
    });
  });
});

/** Combined state of the latest status of each context, per version (see domain/statuses.ts). */
const COMBINATIONS: Array<[string[], Record<'1.24.7' | '1.25.4' | '1.26.3', string>]> = [
  [['success'], { '1.24.7': 'success', '1.25.4': 'success', '1.26.3': 'success' }],
  [['success', 'pending'], { '1.24.7': 'pending', '1.25.4': 'pending', '1.26.3': 'pending' }],
  [['error'], { '1.24.7': 'failure', '1.25.4': 'failure', '1.26.3': 'failure' }],
  [['warning'], { '1.24.7': 'warning', '1.25.4': 'success', '1.26.3': 'failure' }],
  [['pending', 'warning'], { '1.24.7': 'warning', '1.25.4': 'pending', '1.26.3': 'failure' }],
  [['success', 'warning'], { '1.24.7': 'warning', '1.25.4': 'success', '1.26.3': 'failure' }],
  [['skipped'], { '1.24.7': 'skipped', '1.25.4': 'success', '1.26.3': 'success' }],
  [['success', 'skipped'], { '1.24.7': 'success', '1.25.4': 'success', '1.26.3': 'success' }],
  [['skipped', 'failure'], { '1.24.7': 'skipped', '1.25.4': 'failure', '1.26.3': 'failure' }],
];

describe.each(['1.24.7', '1.25.4', '1.26.3'] as const)('the combined status in Gitea %s', (version) => {
  it.each(COMBINATIONS)('combines %j as Gitea does', async (states, expected) => {
    await start(version);
    const sha = fake.branchSha(REPO) ?? '';
    for (const [i, state] of states.entries()) await post(sha, { state, context: `ctx-${i}` });
    const combined = (await api('/repos/alice/shop/commits/main/status')).json as Json;
    expect(combined.state).toBe(expected[version]);
    expect(combined.total_count).toBe(states.length);
  });

  it('takes the latest status of each context only', async () => {
    await start(version);
    const sha = fake.branchSha(REPO) ?? '';
    await post(sha, { state: 'failure', context: 'aiworker / build (push)' });
    await post(sha, { state: 'success', context: 'aiworker / build (push)' });
    await post(sha, { state: 'success', context: 'aiworker/preview' });
    const combined = (await api('/repos/alice/shop/commits/main/status')).json as Json;
    expect(combined.state).toBe('success');
    expect((combined.statuses as Json[]).map((s) => [s.context, s.status])).toEqual([
      ['aiworker / build (push)', 'success'],
      ['aiworker/preview', 'success'],
    ]);
  });

  it('answers for a commit without statuses as this version does', async () => {
    await start(version);
    const sha = fake.branchSha(REPO) ?? '';
    const combined = (await api('/repos/alice/shop/commits/main/status')).json as Json;
    const repoApi = `${fake.url}/api/v1/repos/alice/shop`;
    if (version === '1.24.7') {
      expect(combined).toEqual({
        state: '',
        sha: '',
        total_count: 0,
        statuses: null,
        repository: null,
        commit_url: '',
        url: '',
      });
      return;
    }
    expect(combined).toMatchObject({
      state: version === '1.25.4' ? '' : 'pending',
      sha,
      total_count: 0,
      statuses: null,
      commit_url: `${repoApi}/commits/${sha}`,
      url: `${repoApi}/commits/${sha}/status`,
    });
  });
});
