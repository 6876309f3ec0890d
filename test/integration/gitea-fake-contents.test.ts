import { afterEach, describe, expect, it } from 'vitest';
import { type ApiCall, apiClient } from '../fakes/gitea/api-client.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/gitea/receiver.ts';

/**
 * What promotion through a GitOps repository needs of the Gitea fake, held to Gitea's source:
 * routers/api/v1/repo/file.go and services/repository/files/update.go (contents writes and
 * their checks, per version), content.go (reads), routers/api/v1/repo/branch.go (branches),
 * services/repository/push.go (the webhooks of a push), routers/api/v1/repo/commits.go.
 */

type Json = Record<string, unknown>;
const GITOPS = 'alice/gitops';
const STAGING = 'shop/staging/kustomization.yaml';
const VERSIONS = ['1.24.7', '1.25.4', '1.26.3'] as const;

const kustomization = (tag: string) =>
  `resources:\n  - ../base\nimages:\n  - name: shop\n    newName: gitea.example.com/alice/shop\n    newTag: ${tag}\n`;
const b64 = (text: string) => Buffer.from(text).toString('base64');

let fake: GiteaFake;
let receiver: WebhookReceiver;
let botToken: string;
const api: ApiCall = apiClient(
  () => fake.url,
  () => botToken,
);

async function start(version = '1.26.3') {
  fake = await startGiteaFake({ version });
  receiver = await startWebhookReceiver();
  botToken = fake.addUser('aiworker-bot', { password: 'pw' }).token;
  fake.addUser('alice');
  fake.createRepo('alice', 'gitops', {
    files: {
      'README.md': '# gitops\n',
      [STAGING]: kustomization('v1'),
      'shop/base/kustomization.yaml': 'resources: []\n',
    },
  });
  fake.setPermission(GITOPS, 'aiworker-bot', 'write');
  fake.addHook(GITOPS, { url: receiver.url, secret: 's', events: ['push', 'create', 'pull_request'] });
}

afterEach(async () => {
  await fake.close();
  await receiver.close();
});

const contents = (path: string, ref?: string) =>
  api(`/repos/alice/gitops/contents/${path}${ref ? `?ref=${encodeURIComponent(ref)}` : ''}`);
const shaOf = async (path: string, ref?: string) => String(((await contents(path, ref)).json as Json).sha);
const put = (path: string, body: Json, token?: string) =>
  api(`/repos/alice/gitops/contents/${path}`, { method: 'PUT', body, ...(token ? { token } : {}) });

async function events(): Promise<Array<{ type: string; payload: Json }>> {
  await fake.waitForDeliveries();
  return fake.deliveries.map((d) => ({ type: d.eventType, payload: JSON.parse(d.payload) as Json }));
}

describe.each(VERSIONS)('updating a file in Gitea %s', (version) => {
  const minor = version.slice(0, 4);

  it('updates with the current blob sha and refuses a stale one with 422', async () => {
    await start(version);
    const sha = await shaOf(STAGING);
    const stale = await put(STAGING, { content: b64(kustomization('v2')), sha: 'f'.repeat(40) });
    expect(stale.status).toBe(422);
    expect(stale.json).toEqual({
      message: `sha does not match [given: ${'f'.repeat(40)}, expected: ${sha}]`,
      url: `${fake.url}/api/swagger`,
    });
    const updated = await put(STAGING, { content: b64(kustomization('v2')), sha });
    expect(updated.status).toBe(200);
    expect(fake.files(GITOPS)[STAGING]).toBe(kustomization('v2'));
  });

  it('without a sha: 1.24 and 1.25 refuse the body, 1.26 creates a new file (and refuses an existing one)', async () => {
    await start(version);
    const existing = await put(STAGING, { content: b64(kustomization('v2')) });
    const fresh = await put('shop/production/kustomization.yaml', { content: b64(kustomization('v1')) });
    if (minor === '1.26') {
      expect(existing).toMatchObject({
        status: 422,
        json: { message: `repository file already exists [path: ${STAGING}]` },
      });
      expect(fresh.status).toBe(201);
      expect(fake.files(GITOPS)['shop/production/kustomization.yaml']).toBe(kustomization('v1'));
    } else {
      expect(existing).toMatchObject({ status: 422, json: { message: '[SHA]: Required' } });
      expect(fresh).toMatchObject({ status: 422, json: { message: '[SHA]: Required' } });
      expect(fake.files(GITOPS)['shop/production/kustomization.yaml']).toBeUndefined();
    }
  });

  it('answers an update of a missing file with 404 (1.25, 1.26) or 500 (1.24) and the git error', async () => {
    await start(version);
    const sha = await shaOf(STAGING);
    const missing = await put('shop/prod/kustomization.yaml', { content: b64('x'), sha });
    expect(missing.status).toBe(minor === '1.24' ? 500 : 404);
    expect(missing.json).toMatchObject({ message: 'object does not exist [id: , rel_path: prod]' });
  });

  it('refuses a reader with 403 in this version’s words, after reading the body', async () => {
    await start(version);
    const reader = fake.addUser('carol').token;
    const sha = await shaOf(STAGING);
    const refused = await put(STAGING, { content: b64('x'), sha }, reader);
    expect(refused.status).toBe(403);
    expect((refused.json as Json).message).toBe(
      minor === '1.24'
        ? 'user should have a permission to write to this branch'
        : 'user should have a permission to write to the target branch',
    );
    const unbound = await api(`/repos/alice/gitops/contents/${STAGING}`, {
      method: 'PUT',
      body: {},
      token: reader,
    });
    expect(unbound.status).toBe(422);
  });
});

describe('promotion commits', () => {
  it('a person’s edit between the bot’s read and its write makes the write fail; a fresh read succeeds', async () => {
    await start();
    const seen = await shaOf(STAGING);
    const alice = await fake
      .as('alice')
      .writeFile(GITOPS, STAGING, kustomization('hotfix'), { message: 'Hotfix' });
    const stale = await put(STAGING, { content: b64(kustomization('v2')), sha: seen });
    expect(stale.status).toBe(422);
    expect(fake.files(GITOPS)[STAGING]).toBe(kustomization('hotfix'));
    const fresh = await contents(STAGING);
    expect(fresh.json).toMatchObject({ last_commit_sha: alice });
    const retried = await put(STAGING, { content: b64(kustomization('v2')), sha: (fresh.json as Json).sha });
    expect(retried.status).toBe(200);
    const pushes = (await events()).filter((e) => e.type === 'push').map((e) => e.payload);
    expect(pushes.map((p) => [(p.head_commit as Json).message, (p.pusher as Json).login])).toEqual([
      ['Hotfix\n', 'alice'],
      [`Update ${STAGING}\n`, 'aiworker-bot'],
    ]);
  });

  it('commits with the message trimmed and the author given, which is the committer too', async () => {
    await start();
    const sha = await shaOf(STAGING);
    const written = await put(STAGING, {
      content: b64(kustomization('v2')),
      sha,
      message: '  Promote shop to staging\n\nBuilt from abc123\n\n',
      author: { name: 'AiWorker', email: 'aiworker@example.com' },
      dates: { author: '2025-03-01T10:00:00Z' },
    });
    expect(written.status).toBe(200);
    const commit = (written.json as Json).commit as Json;
    expect(commit).toMatchObject({
      message: 'Promote shop to staging\n\nBuilt from abc123\n',
      author: { name: 'AiWorker', email: 'aiworker@example.com', date: '2025-03-01T10:00:00Z' },
      committer: { name: 'AiWorker', email: 'aiworker@example.com', date: '2025-03-01T10:00:00Z' },
      created: '0001-01-01T00:00:00Z',
    });
    expect((written.json as Json).content).toMatchObject({
      path: STAGING,
      last_commit_sha: commit.sha,
      html_url: `${fake.url}/alice/gitops/src/branch/main/${STAGING}`,
      download_url: `${fake.url}/alice/gitops/raw/branch/main/${STAGING}`,
      git_url: `${fake.url}/api/v1/repos/alice/gitops/git/blobs/${(written.json as Json as { content: Json }).content.sha}`,
    });
    const [push] = (await events()).filter((e) => e.type === 'push');
    // Nobody has that email: the payload names no user for the author.
    expect(push?.payload.head_commit).toHaveProperty('author', {
      name: 'AiWorker',
      email: 'aiworker@example.com',
      username: '',
    });
  });

  it('commits to a new branch made from the base, reported as Gitea reports a new branch', async () => {
    await start();
    const base = fake.branchSha(GITOPS) ?? '';
    const sha = await shaOf(STAGING);
    const written = await put(STAGING, {
      content: b64(kustomization('v2')),
      sha,
      branch: 'main',
      new_branch: 'promote/shop-staging',
    });
    expect(written.status).toBe(200);
    const head = fake.branchSha(GITOPS, 'promote/shop-staging');
    expect(fake.branchSha(GITOPS)).toBe(base);
    expect(fake.files(GITOPS, 'promote/shop-staging')[STAGING]).toBe(kustomization('v2'));
    expect((written.json as Json).content).toMatchObject({
      url: `${fake.url}/api/v1/repos/alice/gitops/contents/${STAGING}?ref=promote%2Fshop-staging`,
    });
    const delivered = await events();
    expect(delivered.map((e) => e.type)).toEqual(['create', 'push']);
    expect(delivered[1]?.payload).toMatchObject({
      ref: 'refs/heads/promote/shop-staging',
      before: '0000000000000000000000000000000000000000',
      after: head,
      total_commits: 1,
      compare_url: `${fake.url}/alice/gitops/compare/${base}...${head}`,
    });
    const again = await put(STAGING, { content: b64('x'), sha, new_branch: 'promote/shop-staging' });
    expect(again).toMatchObject({
      status: 422,
      json: { message: 'branch already exists [name: promote/shop-staging]' },
    });
    const noBase = await put(STAGING, { content: b64('x'), sha, branch: 'nope' });
    expect(noBase.status).toBe(404);
    expect((noBase.json as Json).message).toMatch(/^branch does not exist \[repo_id: \d+ name: nope\]$/);
  });

  it('a pull request from such a branch, merged by a person, moves the base and fires its webhooks', async () => {
    await start();
    const sha = await shaOf(STAGING);
    await put(STAGING, {
      content: b64(kustomization('v2')),
      sha,
      new_branch: 'promote/shop-staging',
      message: 'Promote',
    });
    const opened = await api('/repos/alice/gitops/pulls', {
      method: 'POST',
      body: { head: 'promote/shop-staging', base: 'main', title: 'Promote shop to staging' },
    });
    expect(opened.status).toBe(201);
    const number = Number((opened.json as Json).number);
    const base = fake.branchSha(GITOPS) ?? '';
    const promoted = fake.branchSha(GITOPS, 'promote/shop-staging');
    await fake.as('alice').mergePullRequest(GITOPS, number);
    const merged = fake.branchSha(GITOPS) ?? '';
    expect(merged).not.toBe(base);
    expect(fake.files(GITOPS)[STAGING]).toBe(kustomization('v2'));
    const delivered = (await events()).filter((e) => e.type !== 'create');
    const closed = delivered.find((e) => e.type === 'pull_request' && e.payload.action === 'closed');
    expect(closed?.payload.pull_request).toMatchObject({ merged: true });
    const push = delivered.filter((e) => e.type === 'push').at(-1)?.payload;
    expect(push).toMatchObject({ ref: 'refs/heads/main', before: base, after: merged, total_commits: 2 });
    expect(((push?.commits ?? []) as Json[]).map((c) => c.id)).toEqual([merged, promoted]);
    const mergedPull = await api(`/repos/alice/gitops/pulls/${number}`);
    expect(mergedPull.json).toMatchObject({ merged: true, merge_commit_sha: merged });
  });

  it('a write to the head branch of an open pull request synchronizes it', async () => {
    await start();
    const sha = await shaOf(STAGING);
    await put(STAGING, { content: b64(kustomization('v2')), sha, new_branch: 'promote/a' });
    await api('/repos/alice/gitops/pulls', {
      method: 'POST',
      body: { head: 'promote/a', base: 'main', title: 'Promote' },
    });
    const onBranch = await shaOf(STAGING, 'promote/a');
    await put(STAGING, { content: b64(kustomization('v3')), sha: onBranch, branch: 'promote/a' });
    const kinds = (await events()).map((e) => `${e.type}${e.payload.action ? ` ${e.payload.action}` : ''}`);
    expect(kinds).toEqual([
      'create',
      'push',
      'pull_request opened',
      'push',
      'pull_request_sync synchronized',
    ]);
  });
});

describe('branches', () => {
  it('creates a branch from the default branch or a ref, announced with create and an empty push', async () => {
    await start();
    const main = fake.branchSha(GITOPS) ?? '';
    const created = await api('/repos/alice/gitops/branches', {
      method: 'POST',
      body: { new_branch_name: 'promote/x' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'promote/x', commit: { id: main } });
    const delivered = await events();
    expect(delivered.map((e) => e.type)).toEqual(['create', 'push']);
    expect(delivered[1]?.payload).toMatchObject({
      total_commits: 0,
      commits: [],
      head_commit: { id: main },
      compare_url: `${fake.url}/alice/gitops/compare/main...${main}`,
    });
    const fromRef = await api('/repos/alice/gitops/branches', {
      method: 'POST',
      body: { new_branch_name: 'from-sha', old_ref_name: main },
    });
    expect(fromRef.status).toBe(201);
  });

  it('refuses what CreateBranch refuses, with its words', async () => {
    await start();
    const create = (body: Json) => api('/repos/alice/gitops/branches', { method: 'POST', body });
    await create({ new_branch_name: 'promote/x' });
    expect(await create({ new_branch_name: 'promote/x' })).toMatchObject({
      status: 409,
      json: { message: 'The branch already exists.' },
    });
    expect(await create({ new_branch_name: 'promote' })).toMatchObject({
      status: 409,
      json: { message: 'The branch with the same name already exists.' },
    });
    expect(await create({ new_branch_name: 'y', old_branch_name: 'nope' })).toMatchObject({
      status: 404,
      json: { message: 'The old branch does not exist' },
    });
    expect((await create({})).status).toBe(422);
  });
});

describe('reading the repository', () => {
  it('reports the last commit that changed a file, not the branch head, and a missing path as GetContentsOrList', async () => {
    await start();
    const first = fake.branchSha(GITOPS) ?? '';
    fake.setFiles(GITOPS, { 'other.txt': 'x' });
    expect((await contents(STAGING)).json).toMatchObject({ last_commit_sha: first });
    const byCommit = await contents(STAGING, first);
    expect(byCommit.json).toMatchObject({
      html_url: `${fake.url}/alice/gitops/src/commit/${first}/${STAGING}`,
    });
    const missing = await contents('shop/production/kustomization.yaml');
    expect(missing).toMatchObject({
      status: 404,
      json: { message: 'GetContentsOrList', errors: ['object does not exist [id: , rel_path: production]'] },
    });
    // Only a full commit id names a commit in ?ref=.
    expect((await contents(STAGING, first.slice(0, 10))).status).toBe(404);
  });

  it('serves commits one by one and the history of a path, newest first', async () => {
    await start();
    const first = fake.branchSha(GITOPS) ?? '';
    const sha = await shaOf(STAGING);
    const promoted = await put(STAGING, { content: b64(kustomization('v2')), sha, message: 'Promote v2' });
    const promotion = String(((promoted.json as Json).commit as Json).sha);
    fake.setFiles(GITOPS, { 'other.txt': 'x' });
    const single = await api(`/repos/alice/gitops/git/commits/${promotion}`);
    expect(single.json).toMatchObject({
      sha: promotion,
      commit: { message: 'Promote v2\n', author: { name: 'aiworker-bot' } },
      author: { login: 'aiworker-bot' },
      parents: [{ sha: first, created: '0001-01-01T00:00:00Z' }],
      files: [{ filename: STAGING, status: 'modified' }],
      stats: { total: 2, additions: 1, deletions: 1 },
    });
    expect((await api(`/repos/alice/gitops/git/commits/${'e'.repeat(40)}`)).json).toMatchObject({
      message: `commit doesn't exist: ${'e'.repeat(40)}`,
    });
    const history = await api(
      `/repos/alice/gitops/commits?path=${encodeURIComponent(STAGING)}&stat=false&files=false`,
    );
    expect((history.json as Json[]).map((c) => c.sha)).toEqual([promotion, first]);
    expect(history.headers.get('x-total')).toBe('2');
    const all = await api('/repos/alice/gitops/commits?limit=1');
    expect((all.json as Json[]).length).toBe(1);
    expect(all.headers.get('x-hasmore')).toBe('true');
  });
});
