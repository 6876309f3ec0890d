import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { giteaRepoReader } from '../../src/context/gitea-reader.ts';
import { isRetryable } from '../../src/domain/errors.ts';
import { managedLabelSpecs, statusLabel } from '../../src/domain/labels.ts';
import { createGiteaClient, type GiteaClient } from '../../src/gitea/client.ts';
import { checkGitea } from '../../src/gitea/doctor.ts';
import {
  BotNotRepoAdminError,
  GiteaNotFoundError,
  GiteaRetryableError,
  SelfDependencyError,
} from '../../src/gitea/errors.ts';
import { findMarker } from '../../src/gitea/markers.ts';
import { setupRepo } from '../../src/gitea/setup.ts';
import { hookUrlFor, WEBHOOK_EVENTS, webhookName } from '../../src/gitea/webhook-spec.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';

/**
 * The Gitea client against the Gitea 1.26 fake (real HTTP, swagger-checked requests, injected
 * failures): idempotent writes under failures, setup twice, permission cache, dependencies,
 * pagination past Gitea's 50-item page cap.
 */

const REPO = 'acme/shop';
const SECRET = 'webhook-secret-0123456789';
// Nothing listens there: deliveries fail fast, which is all these tests need.
const PUBLIC_URL = 'http://127.0.0.1:9';

let fake: GiteaFake;
let client: GiteaClient;
let clock: number;
let botToken: string;

function newClient(extra: { timeoutMs?: number } = {}): GiteaClient {
  return createGiteaClient({
    baseUrl: fake.url,
    token: botToken,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    timeoutMs: extra.timeoutMs ?? 5_000,
    now: () => clock,
  });
}

beforeEach(async () => {
  clock = 1_000_000;
  fake = await startGiteaFake();
  fake.addUser('acme');
  botToken = fake.addUser('aiworker-bot', { password: 'bot-password' }).token;
  fake.addUser('alice');
  fake.addUser('carol');
  fake.createRepo('acme', 'shop', { files: { 'README.md': '# Shop\n', 'src/index.ts': 'export {};\n' } });
  fake.setPermission(REPO, 'aiworker-bot', 'admin');
  fake.setPermission(REPO, 'alice', 'write');
  client = newClient();
});

afterEach(async () => {
  await fake.close();
});

async function openIssue(title = 'Add Stripe checkout'): Promise<number> {
  return (await fake.as('alice').openIssue(REPO, { title, body: 'We need payments.' })).number;
}

describe('ensureComment', () => {
  const marker = { kind: 'questions', attrs: { task: 1, round: 1 } };

  it('keeps exactly one bot comment per marker, edited in place', async () => {
    const n = await openIssue();
    const first = await client.comments.ensure('acme', 'shop', n, marker, '1. Which providers?');
    const same = await client.comments.ensure('acme', 'shop', n, marker, '1. Which providers?');
    const changed = await client.comments.ensure('acme', 'shop', n, marker, '1. Which payment providers?');
    expect(first).toMatchObject({ created: true, updated: false });
    expect(same).toEqual({ id: first.id, created: false, updated: false });
    expect(changed).toEqual({ id: first.id, created: false, updated: true });
    const comments = fake.comments(REPO, n);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.user).toBe('aiworker-bot');
    expect(comments[0]?.body).toContain('1. Which payment providers?');
    expect(findMarker(comments[0]?.body, 'questions', { task: 1, round: 1 })).toBeDefined();
  });

  it('posts no duplicate when Gitea stores the comment and answers 500', async () => {
    const n = await openIssue();
    fake.failNext({ method: 'POST', path: /\/issues\/\d+\/comments$/, status: 500, afterEffect: true });
    const result = await client.comments.ensure('acme', 'shop', n, marker, 'Questions');
    expect(result.created).toBe(true);
    expect(fake.comments(REPO, n).map((c) => c.id)).toEqual([result.id]);
    expect(fake.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/comments'))).toHaveLength(1);
  });

  it('posts no duplicate when Gitea stores the comment and the answer never comes', async () => {
    const n = await openIssue();
    const impatient = newClient({ timeoutMs: 300 });
    fake.failNext({
      method: 'POST',
      path: /\/issues\/\d+\/comments$/,
      status: 'timeout',
      afterEffect: true,
      hangMs: 2_000,
    });
    const result = await impatient.comments.ensure('acme', 'shop', n, marker, 'Questions');
    expect(result.created).toBe(true);
    expect(fake.comments(REPO, n)).toHaveLength(1);
  });

  it('creates the comment when the failed try left nothing behind', async () => {
    const n = await openIssue();
    fake.failNext({ method: 'POST', path: /\/issues\/\d+\/comments$/, status: 502, times: 2 });
    const result = await client.comments.ensure('acme', 'shop', n, marker, 'Questions');
    expect(result.created).toBe(true);
    expect(fake.comments(REPO, n)).toHaveLength(1);
  });
});

describe('comments of an issue that does not exist', () => {
  it('end in a permanent not-found, though Gitea answers 500 for them', async () => {
    const error = await client.comments
      .ensure('acme', 'shop', 404, { kind: 'reply', attrs: { cause: 'c1' } }, 'hello')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GiteaNotFoundError);
    expect((error as Error).message).toContain('issue #404 does not exist in acme/shop');
    expect(isRetryable(error)).toBe(false);
    // The client's own retries of the 500, then one look at the issue; nothing is posted.
    const listed = fake.calls.filter((c) => c.path.endsWith('/repos/acme/shop/issues/404/comments'));
    expect(listed.map((c) => [c.method, c.status])).toEqual(Array(4).fill(['GET', 500]));
    expect(
      fake.calls.filter((c) => c.path.endsWith('/repos/acme/shop/issues/404')).map((c) => c.status),
    ).toEqual([404]);
  });

  it('stay retryable when Gitea fails for an issue that exists', async () => {
    const n = await openIssue();
    fake.failNext({ method: 'GET', path: /\/comments$/, status: 500, times: 4 });
    const error = await client.comments.list('acme', 'shop', n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GiteaRetryableError);
    expect(isRetryable(error)).toBe(true);
    expect(await client.comments.list('acme', 'shop', n)).toEqual([]);
  });
});

describe('under a 20 % failure rate (half of the failures after the effect)', () => {
  /** What the queue does with a retryable failure: run the whole job again. */
  async function asJob<T>(job: () => Promise<T>): Promise<T> {
    for (let run = 1; ; run++) {
      try {
        return await job();
      } catch (error) {
        if (!(error instanceof GiteaRetryableError) || run >= 10) throw error;
      }
    }
  }

  it('setup, labels, comments, subtasks and links end up exactly once', async () => {
    const issues = [await openIssue('one'), await openIssue('two'), await openIssue('three')];
    fake.setFailureRate(0.2, { seed: 42, afterEffectShare: 0.5, statuses: [500, 502, 503] });
    await asJob(() =>
      setupRepo(client, { owner: 'acme', repo: 'shop', publicUrl: PUBLIC_URL, webhookSecret: SECRET }),
    );
    for (const n of issues) {
      for (let i = 0; i < 2; i++) {
        await asJob(() =>
          client.comments.ensure('acme', 'shop', n, { kind: 'spec', attrs: { task: n } }, `Spec of #${n}`),
        );
      }
      await asJob(() => client.labels.add('acme', 'shop', n, [statusLabel('spec-review')]));
    }
    const subtasks: number[] = [];
    for (const key of ['s1', 's2']) {
      const { issue } = await asJob(() =>
        client.issues.ensure(
          'acme',
          'shop',
          { kind: 'subtask', attrs: { parent: issues[0] ?? 0, key } },
          { title: key },
        ),
      );
      subtasks.push(issue.number);
    }
    await asJob(() => client.dependencies.add('acme', 'shop', subtasks[1] ?? 0, subtasks[0] ?? 0));
    fake.clearFailures();

    expect(fake.calls.some((c) => c.injected === 'after-effect')).toBe(true);
    expect(fake.labels(REPO)).toHaveLength(managedLabelSpecs().length);
    expect(await client.hooks.list('acme', 'shop')).toHaveLength(1);
    for (const n of issues) {
      expect(fake.comments(REPO, n).map((c) => c.body)).toEqual([expect.stringContaining(`Spec of #${n}`)]);
      expect(fake.issue(REPO, n)?.labels).toEqual([statusLabel('spec-review')]);
    }
    expect(fake.issues(REPO).filter((i) => i.title === 's1' || i.title === 's2')).toHaveLength(2);
    expect(fake.dependencies(REPO, subtasks[1] ?? 0)).toEqual([subtasks[0]]);
  });
});

describe('labels and setup', () => {
  it('ensureLabels creates, then finds everything unchanged, and fixes a wrong label', async () => {
    const specs = managedLabelSpecs();
    const first = await client.labels.ensure('acme', 'shop', specs);
    expect(first.outcomes.every((o) => o.outcome === 'created')).toBe(true);
    const second = await client.labels.ensure('acme', 'shop', specs);
    expect(second.outcomes.every((o) => o.outcome === 'unchanged')).toBe(true);
    expect(second.ids).toEqual(first.ids);
    expect(fake.labels(REPO)).toHaveLength(specs.length);

    const done = fake.labels(REPO).find((l) => l.name === statusLabel('done'));
    expect(done?.exclusive).toBe(true);
  });

  it('ensureLabels corrects a label someone made by hand with the wrong color and scope', async () => {
    const handMade = fake.createLabel(REPO, {
      name: statusLabel('blocked'),
      color: '#000000',
      exclusive: false,
    });
    const result = await client.labels.ensure('acme', 'shop', managedLabelSpecs());
    expect(result.outcomes.find((o) => o.name === statusLabel('blocked'))?.outcome).toBe('updated');
    expect(result.ids[statusLabel('blocked')]).toBe(handMade.id);
    const fixed = fake.labels(REPO).filter((l) => l.name === statusLabel('blocked'));
    expect(fixed).toHaveLength(1);
    expect(fixed[0]).toMatchObject({ exclusive: true });
    expect(fixed[0]?.color.replace('#', '')).toBe('b60205');
  });

  it('setup twice: the second run changes nothing and says so', async () => {
    const first = await setupRepo(client, {
      owner: 'acme',
      repo: 'shop',
      publicUrl: PUBLIC_URL,
      webhookSecret: SECRET,
    });
    expect(first.labels.map((l) => l.outcome)).toEqual(first.labels.map(() => 'created'));
    expect(first.webhook.outcome).toBe('created');

    fake.resetCalls();
    const second = await setupRepo(client, {
      owner: 'acme',
      repo: 'shop',
      publicUrl: PUBLIC_URL,
      webhookSecret: SECRET,
    });
    expect(second.labels.every((l) => l.outcome === 'unchanged')).toBe(true);
    expect(second.webhook).toMatchObject({ id: first.webhook.id, outcome: 'unchanged' });
    expect(fake.calls.filter((c) => c.method !== 'GET')).toEqual([]);

    const hooks = await client.hooks.list('acme', 'shop');
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({
      url: hookUrlFor(`${PUBLIC_URL}/webhooks/gitea`, SECRET),
      contentType: 'json',
      active: true,
    });
    for (const event of WEBHOOK_EVENTS) expect(hooks[0]?.events).toContain(event);
  });

  it('setup with a new secret replaces the hook, and deliveries are signed with it', async () => {
    const first = await setupRepo(client, {
      owner: 'acme',
      repo: 'shop',
      publicUrl: PUBLIC_URL,
      webhookSecret: SECRET,
    });
    const rotated = 'rotated-secret-9876543210';
    const report = await setupRepo(client, {
      owner: 'acme',
      repo: 'shop',
      publicUrl: PUBLIC_URL,
      webhookSecret: rotated,
    });
    expect(report.webhook).toMatchObject({ outcome: 'replaced', reason: 'secret-changed' });
    const hooks = await client.hooks.list('acme', 'shop');
    expect(hooks.map((hook) => hook.id)).toEqual([report.webhook.id]);
    expect(report.webhook.id).not.toBe(first.webhook.id);
    const settled = await setupRepo(client, {
      owner: 'acme',
      repo: 'shop',
      publicUrl: PUBLIC_URL,
      webhookSecret: rotated,
    });
    expect(settled.webhook.outcome).toBe('unchanged');

    await openIssue('Signed delivery');
    await fake.waitForDeliveries();
    const delivery = fake.deliveries.find((d) => d.event === 'issues');
    expect(delivery).toBeDefined();
    const expected = createHmac('sha256', rotated)
      .update(delivery?.body ?? '')
      .digest('hex');
    expect(delivery?.headers['X-Gitea-Signature']).toBe(expected);
  });

  it('setup keeps one hook when the create of a replacement fails after it took effect', async () => {
    await setupRepo(client, { owner: 'acme', repo: 'shop', publicUrl: PUBLIC_URL, webhookSecret: SECRET });
    fake.failNext({ method: 'POST', path: /\/hooks$/, status: 503, afterEffect: true });
    const rotated = 'rotated-secret-9876543210';
    const report = await setupRepo(client, {
      owner: 'acme',
      repo: 'shop',
      publicUrl: PUBLIC_URL,
      webhookSecret: rotated,
    });
    expect(report.webhook.outcome).toBe('replaced');
    const hooks = await client.hooks.list('acme', 'shop');
    expect(hooks.map((hook) => [hook.id, hook.name])).toEqual([[report.webhook.id, webhookName(rotated)]]);
  });

  it('setup under failures that took effect creates no duplicate label or hook', async () => {
    fake.failNext({ method: 'POST', path: /\/labels$/, status: 500, afterEffect: true, times: 2 });
    fake.failNext({ method: 'POST', path: /\/hooks$/, status: 503, afterEffect: true });
    const report = await setupRepo(client, {
      owner: 'acme',
      repo: 'shop',
      publicUrl: PUBLIC_URL,
      webhookSecret: SECRET,
    });
    expect(report.webhook.outcome).toBe('created');
    const names = fake.labels(REPO).map((l) => l.name);
    expect(names).toHaveLength(managedLabelSpecs().length);
    expect(new Set(names).size).toBe(names.length);
    expect(await client.hooks.list('acme', 'shop')).toHaveLength(1);
    const injected = fake.calls.filter((c) => c.injected === 'after-effect');
    expect(injected).toHaveLength(3);
  });

  it('reads more than 50 labels across pages', async () => {
    for (let i = 1; i <= 120; i++) fake.createLabel(REPO, { name: `area/${String(i).padStart(3, '0')}` });
    const labels = await client.labels.list('acme', 'shop');
    expect(labels).toHaveLength(120);
    expect(new Set(labels.map((l) => l.name)).size).toBe(120);
    const pages = fake.calls.filter((c) => c.path.endsWith('/labels') && c.method === 'GET');
    expect(pages.map((c) => c.query.page)).toEqual(['1', '2', '3']);
  });

  it('sets labels by name; exclusive status labels replace each other', async () => {
    await client.labels.ensure('acme', 'shop', managedLabelSpecs());
    const n = await openIssue();
    await client.labels.add('acme', 'shop', n, ['ai', statusLabel('clarifying')]);
    await client.labels.add('acme', 'shop', n, [statusLabel('spec-review')]);
    expect(fake.issue(REPO, n)?.labels.sort()).toEqual(['ai', statusLabel('spec-review')]);
    await client.labels.remove('acme', 'shop', n, 'ai');
    await client.labels.remove('acme', 'shop', n, 'never-existed');
    expect(fake.issue(REPO, n)?.labels).toEqual([statusLabel('spec-review')]);
  });

  it('refuses an unknown label name with the fix', async () => {
    const error = await client.issues
      .create('acme', 'shop', { title: 'x', labels: ['ai-status/nope'] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GiteaNotFoundError);
    expect((error as Error).message).toMatch(/no label named "ai-status\/nope".*aiworker setup/);
  });
});

describe('issues, dependencies and pull requests', () => {
  it('creates a marked subtask issue once, even after a 500 that stored it', async () => {
    await client.labels.ensure('acme', 'shop', managedLabelSpecs());
    const marker = { kind: 'subtask', attrs: { parent: 1, key: 's1' } };
    fake.failNext({ method: 'POST', path: /\/repos\/acme\/shop\/issues$/, status: 500, afterEffect: true });
    const first = await client.issues.ensure('acme', 'shop', marker, {
      title: 'Stripe webhook handler',
      body: 'Handle checkout.session.completed',
      labels: ['ai-subtask'],
    });
    const again = await client.issues.ensure('acme', 'shop', marker, { title: 'Stripe webhook handler' });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, issue: { number: first.issue.number } });
    const subtasks = fake.issues(REPO).filter((i) => i.title === 'Stripe webhook handler');
    expect(subtasks).toHaveLength(1);
    expect(subtasks[0]?.labels).toEqual(['ai-subtask']);
  });

  it('links dependencies with a JSON body, once', async () => {
    const a = await openIssue('schema');
    const b = await openIssue('api');
    expect(await client.dependencies.add('acme', 'shop', b, a)).toEqual({ added: true });
    expect(await client.dependencies.add('acme', 'shop', b, a)).toEqual({ added: false });
    expect(fake.dependencies(REPO, b)).toEqual([a]);
    const post = fake.calls.find((c) => c.method === 'POST' && c.path.endsWith('/dependencies'));
    expect(post?.body).toEqual({ owner: 'acme', repo: 'shop', index: a });
    expect((await client.dependencies.list('acme', 'shop', b)).map((i) => i.number)).toEqual([a]);
  });

  it('never links an issue to itself, which Gitea would accept', async () => {
    const n = await openIssue();
    for (const blocker of [n, { number: n }, { owner: 'ACME', repo: 'Shop', number: n }]) {
      await expect(client.dependencies.add('acme', 'shop', n, blocker)).rejects.toBeInstanceOf(
        SelfDependencyError,
      );
    }
    expect(fake.calls.filter((c) => c.path.endsWith('/dependencies'))).toEqual([]);
    expect(fake.dependencies(REPO, n)).toEqual([]);
    await client.issues.edit('acme', 'shop', n, { state: 'closed' });
    expect(fake.issue(REPO, n)?.state).toBe('closed');
  });

  it('opens a pull request once for a head and base', async () => {
    fake.setFiles(REPO, { 'src/pay.ts': 'export const pay = 1;\n' }, { branch: 'ai/2-stripe' });
    const first = await client.pulls.create('acme', 'shop', {
      head: 'ai/2-stripe',
      base: 'main',
      title: 'Stripe checkout',
      body: 'Closes #2',
    });
    const again = await client.pulls.create('acme', 'shop', {
      head: 'ai/2-stripe',
      base: 'main',
      title: 'x',
    });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, pullRequest: { number: first.pullRequest.number } });
    expect(first.pullRequest).toMatchObject({
      head: { ref: 'ai/2-stripe' },
      base: { ref: 'main' },
      state: 'open',
    });
    expect((await client.pulls.get('acme', 'shop', first.pullRequest.number)).title).toBe('Stripe checkout');
  });
});

describe('repository content, reactions, statuses, tokens', () => {
  it('reads the branch head, the recursive tree and files', async () => {
    const repo = await client.repos.get('acme', 'shop');
    const branch = await client.contents.branch('acme', 'shop', repo.defaultBranch);
    expect(branch.headSha).toBe(fake.branchSha(REPO));
    const tree = await client.contents.tree('acme', 'shop', branch.headSha);
    expect(
      tree.entries
        .filter((e) => e.type === 'blob')
        .map((e) => e.path)
        .sort(),
    ).toEqual(['README.md', 'src/index.ts']);
    expect(tree.truncated).toBe(false);
    expect(await client.contents.file('acme', 'shop', 'README.md', branch.headSha)).toBe('# Shop\n');
    expect(await client.contents.file('acme', 'shop', 'missing.txt')).toBeNull();
  });

  it('serves the context indexer through the RepoReader view', async () => {
    const reader = giteaRepoReader(client, 'acme', 'shop');
    const repo = await reader.getRepo();
    expect(repo).toMatchObject({ defaultBranch: 'main', empty: false });
    const head = await reader.getBranchHead(repo.defaultBranch);
    const tree = await reader.getTree(head);
    expect(tree.entries).toContainEqual({ path: 'src', type: 'tree', size: 0 });
    expect(tree.entries).toContainEqual({ path: 'src/index.ts', type: 'blob', size: 'export {};\n'.length });
    expect(await reader.getFile('src/index.ts', head)).toBe('export {};\n');
    expect(await reader.getFile('nope.ts', head)).toBeNull();
  });

  it('reacts idempotently and sets commit statuses', async () => {
    const n = await openIssue();
    await client.issues.react('acme', 'shop', n, 'eyes');
    await client.issues.react('acme', 'shop', n, 'eyes');
    expect(fake.reactions(REPO, { issue: n })).toEqual([{ user: 'aiworker-bot', content: 'eyes' }]);
    const comment = await fake.as('alice').comment(REPO, n, '/answer 1 Stripe');
    await client.comments.react('acme', 'shop', comment.id, '+1');
    expect(fake.reactions(REPO, { comment: comment.id })).toEqual([{ user: 'aiworker-bot', content: '+1' }]);

    const sha = fake.branchSha(REPO) ?? '';
    await client.statuses.create('acme', 'shop', sha, {
      state: 'success',
      context: 'aiworker/preview',
      targetUrl: 'https://pr-1.shop.example.com',
      description: 'Preview ready',
    });
    expect(fake.statuses(REPO, sha)).toEqual([
      expect.objectContaining({
        context: 'aiworker/preview',
        state: 'success',
        target_url: 'https://pr-1.shop.example.com',
      }),
    ]);
  });

  it('mints and deletes a per-run token with basic auth', async () => {
    const token = await client.tokens.create('aiworker-bot', 'bot-password', 'run-1', ['write:repository']);
    expect(token.token).toMatch(/^[0-9a-f]{40}$/);
    const asRun = createGiteaClient({ baseUrl: fake.url, token: token.token });
    expect((await asRun.users.current()).login).toBe('aiworker-bot');
    expect(await client.tokens.delete('aiworker-bot', 'bot-password', token.id)).toEqual({ deleted: true });
    expect(await client.tokens.delete('aiworker-bot', 'bot-password', token.id)).toEqual({
      deleted: false,
    });
  });
});

describe('permissions and doctor', () => {
  it('reads permissions, caches them briefly, and treats unknown users as none', async () => {
    expect(await client.permissions.get('acme', 'shop', 'alice')).toBe('write');
    expect(await client.permissions.get('acme', 'shop', 'aiworker-bot')).toBe('admin');
    expect(await client.permissions.get('acme', 'shop', 'nobody-here')).toBe('none');

    fake.setPermission(REPO, 'alice', 'admin');
    clock += 10_000;
    expect(await client.permissions.get('acme', 'shop', 'alice')).toBe('write');
    clock += 25_000;
    expect(await client.permissions.get('acme', 'shop', 'alice')).toBe('admin');
    const asked = fake.calls.filter((c) => c.path.endsWith('/collaborators/alice/permission'));
    expect(asked).toHaveLength(2);
  });

  it('tells a bot that is not repository admin from a user without access', async () => {
    fake.setPermission(REPO, 'aiworker-bot', 'write');
    const error = await client.permissions.get('acme', 'shop', 'alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotNotRepoAdminError);
    expect(error).toMatchObject({ repo: REPO, bot: 'aiworker-bot', botPermission: 'write' });
    expect((error as BotNotRepoAdminError).fix).toContain('give aiworker-bot the Administrator role');
    expect(isRetryable(error)).toBe(false);
    expect(await client.permissions.get('acme', 'shop', 'aiworker-bot')).toBe('write');
  });

  it('reads none for a stranger of a private repository and read for one of a public repository', async () => {
    fake.createRepo('acme', 'vault', { private: true });
    fake.setPermission('acme/vault', 'aiworker-bot', 'admin');
    expect(await client.permissions.get('acme', 'vault', 'carol')).toBe('none');
    expect(await client.permissions.get('acme', 'shop', 'carol')).toBe('read');
  });

  it('doctor reports a bot without admin as a configuration error with the fix', async () => {
    fake.setPermission(REPO, 'aiworker-bot', 'write');
    const [, , repo] = await checkGitea(client, { repo: REPO });
    expect(repo).toMatchObject({ name: `repository ${REPO}`, ok: false });
    expect(repo?.severity).toBeUndefined(); // an error, not a warning
    expect(repo?.detail).toContain(
      'the bot account aiworker-bot needs admin on acme/shop (it has write access)',
    );
    expect(repo?.fix).toContain(
      'acme/shop → Settings → Collaborators, give aiworker-bot the Administrator role',
    );
  });

  it('doctor passes for an admin bot on 1.26 and explains a missing repository', async () => {
    const results = await checkGitea(client, { repo: REPO });
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['Gitea token', true],
      ['Gitea version', true],
      [`repository ${REPO}`, true],
    ]);
    const [, , missing] = await checkGitea(client, { repo: 'acme/none' });
    expect(missing).toMatchObject({ ok: false });
    expect(missing?.fix).toMatch(/collaborator/);
  });

  it('doctor reports a rejected token with how to fix it', async () => {
    const wrong = createGiteaClient({ baseUrl: fake.url, token: 'not-a-token' });
    const [token] = await checkGitea(wrong);
    expect(token).toMatchObject({ name: 'Gitea token', ok: false });
    expect(token?.detail).toMatch(/401/);
    expect(token?.fix).toMatch(/GITEA_TOKEN/);
  });
});
