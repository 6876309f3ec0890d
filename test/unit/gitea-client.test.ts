import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isRetryable } from '../../src/domain/errors.ts';
import { createGiteaClient } from '../../src/gitea/client.ts';
import { checkGitea } from '../../src/gitea/doctor.ts';
import { BotNotRepoAdminError, GiteaRetryableError } from '../../src/gitea/errors.ts';
import { findMarker, renderMarker } from '../../src/gitea/markers.ts';

/**
 * The client's composite behaviour (ensure…, permission cache, basic auth, Actions calls,
 * doctor) against a small in-memory Gitea served over real HTTP, with injectable failures.
 */

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Answer {
  status: number;
  json?: unknown;
}

interface Failure {
  method: string;
  path: RegExp;
  status: number;
  /** Run the real handler first, then answer with the failure status. */
  afterEffect: boolean;
}

type Route = (req: Seen, match: RegExpMatchArray) => Answer;

const bot = { id: 1, login: 'aiworker-bot', full_name: '', email: 'bot@example.com', is_admin: false };
const alice = { id: 2, login: 'alice', full_name: 'Alice', email: 'a@example.com', is_admin: false };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function miniGitea() {
  const seen: Seen[] = [];
  const failures: Failure[] = [];
  const comments: Array<{ id: number; issue: number; body: string; user: typeof bot }> = [];
  const dependencies = new Map<number, number[]>();
  const permissions: Record<string, string> = { alice: 'write', carol: 'read', 'aiworker-bot': 'admin' };
  let nextId = 100;

  const routes: Array<[string, RegExp, Route]> = [
    ['GET', /^\/user$/, () => ({ status: 200, json: bot })],
    ['GET', /^\/version$/, () => ({ status: 200, json: { version: '1.21.5' } })],
    [
      'GET',
      /^\/repos\/acme\/shop$/,
      () => ({
        status: 200,
        json: {
          id: 5,
          name: 'shop',
          owner: { login: 'acme' },
          permissions: { admin: false, push: true, pull: true },
        },
      }),
    ],
    [
      'GET',
      /^\/repos\/acme\/shop\/issues\/(\d+)$/,
      (_req, m) => ({ status: 200, json: { id: Number(m[1]) + 1000, number: Number(m[1]), user: bot } }),
    ],
    [
      'GET',
      /^\/repos\/acme\/shop\/issues\/(\d+)\/comments$/,
      (_req, m) => ({ status: 200, json: comments.filter((c) => c.issue === Number(m[1])) }),
    ],
    [
      'POST',
      /^\/repos\/acme\/shop\/issues\/(\d+)\/comments$/,
      (req, m) => {
        const comment = {
          id: nextId++,
          issue: Number(m[1]),
          body: JSON.parse(req.body).body as string,
          user: bot,
        };
        comments.push(comment);
        return { status: 201, json: comment };
      },
    ],
    [
      'PATCH',
      /^\/repos\/acme\/shop\/issues\/comments\/(\d+)$/,
      (req, m) => {
        const comment = comments.find((c) => c.id === Number(m[1]));
        if (!comment) return { status: 404, json: { message: 'comment does not exist' } };
        comment.body = JSON.parse(req.body).body;
        return { status: 200, json: comment };
      },
    ],
    [
      'GET',
      /^\/repos\/acme\/shop\/collaborators\/([^/]+)\/permission$/,
      (_req, m) => {
        const login = decodeURIComponent(m[1] ?? '');
        // GetRepoPermissions: only admins may ask about someone else.
        const botIsAdmin = ['admin', 'owner'].includes(permissions['aiworker-bot'] ?? '');
        if (!botIsAdmin && login !== 'aiworker-bot') {
          return {
            status: 403,
            json: {
              message:
                'Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own',
            },
          };
        }
        const permission = permissions[login];
        if (!permission) return { status: 404, json: { message: 'user does not exist' } };
        return { status: 200, json: { permission, role_name: permission, user: { login } } };
      },
    ],
    [
      'GET',
      /^\/repos\/acme\/shop\/issues\/(\d+)\/dependencies$/,
      (_req, m) => ({
        status: 200,
        json: (dependencies.get(Number(m[1])) ?? []).map((n) => ({
          id: n + 1000,
          number: n,
          repository: { full_name: 'acme/shop' },
        })),
      }),
    ],
    [
      'POST',
      /^\/repos\/acme\/shop\/issues\/(\d+)\/dependencies$/,
      (req, m) => {
        // Gitea decodes the body only when it is declared JSON.
        if (!String(req.headers['content-type']).startsWith('application/json')) {
          return { status: 422, json: { message: 'body is not JSON' } };
        }
        const { index } = JSON.parse(req.body) as { index: number };
        const list = dependencies.get(Number(m[1])) ?? [];
        if (list.includes(index)) return { status: 500, json: { message: 'dependency already exists' } };
        dependencies.set(Number(m[1]), [...list, index]);
        return { status: 201, json: { id: index + 1000, number: index } };
      },
    ],
    [
      'POST',
      /^\/repos\/acme\/shop\/issues\/(\d+)\/reactions$/,
      () => ({ status: 200, json: { content: 'eyes', user: bot } }),
    ],
    [
      'POST',
      /^\/users\/([^/]+)\/tokens$/,
      (req) => {
        if (!String(req.headers.authorization).startsWith('Basic ')) {
          return { status: 401, json: { message: 'auth required' } };
        }
        const { name, scopes } = JSON.parse(req.body);
        return {
          status: 201,
          json: { id: 9, name, scopes, sha1: 'f'.repeat(40), token_last_eight: 'ffffffff' },
        };
      },
    ],
    [
      'POST',
      /^\/repos\/acme\/shop\/actions\/workflows\/([^/]+)\/dispatches$/,
      (req) =>
        req.query.get('return_run_details') === 'true'
          ? { status: 200, json: { workflow_run_id: 77, html_url: 'http://g/acme/shop/actions/runs/77' } }
          : { status: 204 },
    ],
    [
      'GET',
      /^\/repos\/acme\/shop\/actions\/runs$/,
      (req) => {
        const page = Number(req.query.get('page'));
        const limit = Number(req.query.get('limit'));
        const all = Array.from({ length: 60 }, (_, i) => ({
          id: 600 - i,
          run_number: 60 - i,
          status: 'completed',
          conclusion: 'success',
          head_sha: req.query.get('head_sha') ?? 'x',
          started_at: '2026-01-01T00:00:00Z',
          completed_at: '0001-01-01T00:00:00Z',
        }));
        return {
          status: 200,
          json: { total_count: all.length, workflow_runs: all.slice((page - 1) * limit, page * limit) },
        };
      },
    ],
  ];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname.replace(/^\/api\/v1/, '');
      const request: Seen = {
        method: req.method ?? 'GET',
        path,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(request);
      const failureIndex = failures.findIndex((f) => f.method === request.method && f.path.test(path));
      const failure = failureIndex >= 0 ? failures.splice(failureIndex, 1)[0] : undefined;
      let answer: Answer = { status: 404, json: { message: 'no route' } };
      if (!failure || failure.afterEffect) {
        for (const [method, pattern, route] of routes) {
          const match = method === request.method ? path.match(pattern) : null;
          if (match) {
            answer = route(request, match);
            break;
          }
        }
      }
      if (failure) answer = { status: failure.status, json: { message: 'injected failure' } };
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.json === undefined ? '' : JSON.stringify(answer.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  let now = 1_000_000;
  const client = createGiteaClient({
    baseUrl: `http://127.0.0.1:${port}`,
    token: 'bot-token',
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    now: () => now,
  });
  return {
    client,
    seen,
    comments,
    permissions,
    advance: (ms: number) => {
      now += ms;
    },
    fail: (f: Omit<Failure, 'afterEffect'> & { afterEffect?: boolean }) =>
      failures.push({ afterEffect: false, ...f }),
  };
}

describe('ensureComment', () => {
  const marker = { kind: 'questions', attrs: { task: 3, round: 1 } };

  it('creates the comment once, embeds the marker, and then leaves it alone', async () => {
    const gitea = await miniGitea();
    const first = await gitea.client.comments.ensure('acme', 'shop', 3, marker, 'Questions v1');
    expect(first).toMatchObject({ created: true, updated: false });
    expect(gitea.comments).toHaveLength(1);
    expect(gitea.comments[0]?.body).toBe(`${renderMarker('questions', { task: 3, round: 1 })}\nQuestions v1`);

    const again = await gitea.client.comments.ensure('acme', 'shop', 3, marker, 'Questions v1');
    expect(again).toEqual({ id: first.id, created: false, updated: false });
    expect(gitea.seen.filter((r) => r.method !== 'GET')).toHaveLength(1);
  });

  it('edits the existing comment in place when the body changed', async () => {
    const gitea = await miniGitea();
    const first = await gitea.client.comments.ensure('acme', 'shop', 3, marker, 'v1');
    const second = await gitea.client.comments.ensure('acme', 'shop', 3, marker, 'v2');
    expect(second).toEqual({ id: first.id, created: false, updated: true });
    expect(gitea.comments).toHaveLength(1);
    expect(gitea.comments[0]?.body).toMatch(/\nv2$/);
  });

  it('does not duplicate the comment when Gitea stores it and then answers 500', async () => {
    const gitea = await miniGitea();
    gitea.fail({ method: 'POST', path: /\/issues\/3\/comments$/, status: 500, afterEffect: true });
    const result = await gitea.client.comments.ensure('acme', 'shop', 3, marker, 'Questions');
    expect(result).toMatchObject({ created: true, updated: false });
    expect(gitea.comments).toHaveLength(1);
    expect(result.id).toBe(gitea.comments[0]?.id);
    expect(gitea.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('creates the comment again when the failed try did not store it', async () => {
    const gitea = await miniGitea();
    gitea.fail({ method: 'POST', path: /\/issues\/3\/comments$/, status: 502 });
    const result = await gitea.client.comments.ensure('acme', 'shop', 3, marker, 'Questions');
    expect(result.created).toBe(true);
    expect(gitea.comments).toHaveLength(1);
    expect(gitea.seen.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('gives up with a retryable error when every try fails, without duplicates', async () => {
    const gitea = await miniGitea();
    for (let i = 0; i < 4; i++) gitea.fail({ method: 'POST', path: /\/issues\/3\/comments$/, status: 503 });
    const error = await gitea.client.comments.ensure('acme', 'shop', 3, marker, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GiteaRetryableError);
    expect(gitea.comments).toHaveLength(0);
  });

  it("never takes over a person's comment that quotes or copies the marker", async () => {
    const gitea = await miniGitea();
    gitea.comments.push({
      id: 1,
      issue: 3,
      body: `${renderMarker('questions', marker.attrs)}\ncopied`,
      user: alice,
    });
    const result = await gitea.client.comments.ensure('acme', 'shop', 3, marker, 'mine');
    expect(result.created).toBe(true);
    expect(gitea.comments.find((c) => c.id === 1)?.body).toMatch(/copied$/);
    expect(
      findMarker(gitea.comments.find((c) => c.id === result.id)?.body, 'questions', marker.attrs),
    ).toBeDefined();
  });
});

describe('getPermission', () => {
  it('maps Gitea answers: levels, and an unknown user (404) as none', async () => {
    const gitea = await miniGitea();
    expect(await gitea.client.permissions.get('acme', 'shop', 'alice')).toBe('write');
    expect(await gitea.client.permissions.get('acme', 'shop', 'carol')).toBe('read');
    expect(await gitea.client.permissions.get('acme', 'shop', 'aiworker-bot')).toBe('admin');
    expect(await gitea.client.permissions.get('acme', 'shop', 'nobody')).toBe('none');
  });

  it("tells Gitea's refusal to a bot that is not repository admin from a user without access", async () => {
    const gitea = await miniGitea();
    gitea.permissions['aiworker-bot'] = 'write';
    const error = await gitea.client.permissions.get('acme', 'shop', 'alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotNotRepoAdminError);
    expect(error).toMatchObject({ repo: 'acme/shop', bot: 'aiworker-bot', botPermission: 'write' });
    expect((error as Error).message).toContain('the bot account aiworker-bot needs admin on acme/shop');
    expect(isRetryable(error)).toBe(false);
    // The bot may still ask about itself.
    expect(await gitea.client.permissions.get('acme', 'shop', 'aiworker-bot')).toBe('write');
  });

  it('caches for 30 s per repository and user, then asks again', async () => {
    const gitea = await miniGitea();
    const asks = () => gitea.seen.filter((r) => r.path.endsWith('/alice/permission')).length;
    expect(await gitea.client.permissions.get('acme', 'shop', 'alice')).toBe('write');
    gitea.permissions.alice = 'admin';
    gitea.advance(29_000);
    expect(await gitea.client.permissions.get('acme', 'shop', 'Alice')).toBe('write');
    expect(asks()).toBe(1);
    gitea.advance(2_000);
    expect(await gitea.client.permissions.get('acme', 'shop', 'alice')).toBe('admin');
    expect(asks()).toBe(2);
  });
});

describe('dependencies', () => {
  it('sends the dependency as JSON and is idempotent', async () => {
    const gitea = await miniGitea();
    expect(await gitea.client.dependencies.add('acme', 'shop', 7, 5)).toEqual({ added: true });
    const post = gitea.seen.find((r) => r.method === 'POST');
    expect(post?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(post?.body ?? '')).toEqual({ owner: 'acme', repo: 'shop', index: 5 });
    expect(await gitea.client.dependencies.add('acme', 'shop', 7, { number: 5 })).toEqual({ added: false });
    expect(gitea.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect((await gitea.client.dependencies.list('acme', 'shop', 7)).map((i) => i.number)).toEqual([5]);
  });

  it('recovers when the link was stored but the answer was a 500', async () => {
    const gitea = await miniGitea();
    gitea.fail({ method: 'POST', path: /\/dependencies$/, status: 500, afterEffect: true });
    expect(await gitea.client.dependencies.add('acme', 'shop', 8, 5)).toEqual({ added: true });
    expect((await gitea.client.dependencies.list('acme', 'shop', 8)).map((i) => i.number)).toEqual([5]);
  });
});

describe('reactions, tokens and Actions', () => {
  it("treats Gitea's 200 'already reacted' as success", async () => {
    const gitea = await miniGitea();
    await expect(gitea.client.issues.react('acme', 'shop', 3, 'eyes')).resolves.toBeUndefined();
  });

  it('mints a token with basic auth, not the bot token', async () => {
    const gitea = await miniGitea();
    const token = await gitea.client.tokens.create('aiworker-bot', 'pa:ss', 'run-42', ['write:repository']);
    expect(token).toEqual({ id: 9, name: 'run-42', token: 'f'.repeat(40), scopes: ['write:repository'] });
    const post = gitea.seen.find((r) => r.path === '/users/aiworker-bot/tokens');
    expect(post?.headers.authorization).toBe(`Basic ${Buffer.from('aiworker-bot:pa:ss').toString('base64')}`);
  });

  it('dispatches a workflow with JSON inputs and returns the run id', async () => {
    const gitea = await miniGitea();
    const result = await gitea.client.actions.dispatch('acme', 'shop', 'build.yml', {
      ref: 'main',
      inputs: { pr: '12' },
    });
    expect(result).toEqual({ runId: 77, htmlUrl: 'http://g/acme/shop/actions/runs/77' });
    const post = gitea.seen.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/repos/acme/shop/actions/workflows/build.yml/dispatches');
    expect(post?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(post?.body ?? '')).toEqual({ ref: 'main', inputs: { pr: '12' } });
  });

  it('lists workflow runs over every page with filters, zero times as null', async () => {
    const gitea = await miniGitea();
    const runs = await gitea.client.actions.runs('acme', 'shop', { headSha: 'abc' });
    expect(runs).toHaveLength(60);
    expect(runs[0]).toMatchObject({
      id: 600,
      headSha: 'abc',
      startedAt: '2026-01-01T00:00:00Z',
      completedAt: null,
    });
    expect(gitea.seen.filter((r) => r.path.endsWith('/actions/runs')).length).toBe(2);
  });
});

describe('doctor', () => {
  it('reports the token, an old version and missing admin rights with fixes', async () => {
    const gitea = await miniGitea();
    gitea.permissions['aiworker-bot'] = 'write';
    const results = await checkGitea(gitea.client, { repo: 'acme/shop' });
    expect(results).toEqual([
      { name: 'Gitea token', ok: true, detail: 'authenticated as aiworker-bot' },
      expect.objectContaining({ name: 'Gitea version', ok: false, severity: 'warning' }),
      expect.objectContaining({
        name: 'repository acme/shop',
        ok: false,
        detail: expect.stringContaining(
          'the bot account aiworker-bot needs admin on acme/shop (it has write access)',
        ),
      }),
    ]);
    expect(results[2]?.fix).toMatch(/give aiworker-bot the Administrator role/);
  });

  it('explains an unknown repository and a bad OWNER/NAME', async () => {
    const gitea = await miniGitea();
    const [, , missing] = await checkGitea(gitea.client, { repo: 'acme/nothing' });
    expect(missing).toMatchObject({
      ok: false,
      detail: 'acme/nothing does not exist or aiworker-bot cannot see it',
    });
    const [, , bad] = await checkGitea(gitea.client, { repo: 'shop' });
    expect(bad?.detail).toMatch(/expected OWNER\/NAME/);
  });
});
