import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGiteaClient, type GiteaClientOptions } from '../../src/gitea/client.ts';
import {
  GiteaError,
  GiteaForbiddenError,
  GiteaNotFoundError,
  GiteaRetryableError,
  GiteaValidationError,
} from '../../src/gitea/errors.ts';

/**
 * The transport against a real HTTP server whose answers each test scripts: retries, backoff
 * waits, timeouts, error mapping, pagination, auth headers.
 */

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply =
  | { status: number; json?: unknown; headers?: Record<string, string> }
  | 'hang'
  | 'hang-body'
  | 'reset';

interface Scripted {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

const servers: Scripted[] = [];

async function scripted(answer: (req: Seen, index: number) => Reply): Promise<Scripted> {
  const seen: Seen[] = [];
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const request: Seen = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(request);
      const reply = answer(request, seen.length - 1);
      if (reply === 'hang') return;
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      if (reply === 'hang-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id": 1, ');
        return;
      }
      const body = reply.json === undefined ? '' : JSON.stringify(reply.json);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle: Scripted = {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function clientFor(server: { url: string }, extra: Partial<GiteaClientOptions> = {}) {
  const waits: number[] = [];
  const client = createGiteaClient({
    baseUrl: server.url,
    token: 'tok-123',
    retry: { baseDelayMs: 10, maxDelayMs: 40 },
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  return { client, waits };
}

const user = { id: 7, login: 'aiworker-bot', full_name: 'Bot', email: 'bot@example.com', is_admin: false };

describe('retries', () => {
  it('retries a GET through 5xx answers and returns the eventual success', async () => {
    const server = await scripted((_req, i) =>
      i < 2 ? { status: 503, json: { message: 'busy' } } : { status: 200, json: user },
    );
    const { client, waits } = clientFor(server);
    await expect(client.users.current()).resolves.toMatchObject({ login: 'aiworker-bot' });
    expect(server.seen).toHaveLength(3);
    // Exponential backoff with jitter: random 0.5 of 10 ms, then of 20 ms.
    expect(waits).toEqual([5, 10]);
  });

  it('gives up after 4 attempts with a retryable error carrying what Gitea said', async () => {
    const server = await scripted(() => ({ status: 500, json: { message: 'database is locked', url: 'x' } }));
    const { client } = clientFor(server);
    const error = await client.repos.get('acme', 'shop').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GiteaRetryableError);
    const retryable = error as GiteaRetryableError;
    expect(retryable).toMatchObject({
      status: 500,
      method: 'GET',
      path: '/repos/acme/shop',
      giteaMessage: 'database is locked',
      isRetryable: true,
      attempts: 4,
      failure: 'server',
    });
    expect(retryable.message).toContain('database is locked');
    expect(server.seen).toHaveLength(4);
  });

  it('honours Retry-After on 429, in seconds and as an HTTP date', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const server = await scripted((_req, i) => {
      if (i === 0) return { status: 429, headers: { 'retry-after': '3' } };
      if (i === 1) return { status: 429, headers: { 'retry-after': new Date(now + 7000).toUTCString() } };
      return { status: 200, json: { version: '1.26.3' } };
    });
    const { client, waits } = clientFor(server, { now: () => now });
    await expect(client.instance.version()).resolves.toBe('1.26.3');
    expect(waits).toEqual([3000, 7000]);
  });

  it('does not wait in place for a Retry-After beyond the limit; the queue gets it', async () => {
    const server = await scripted(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const { client, waits } = clientFor(server);
    const error = (await client.instance.version().catch((e: unknown) => e)) as GiteaRetryableError;
    expect(error).toBeInstanceOf(GiteaRetryableError);
    expect(error.failure).toBe('rate-limited');
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(server.seen).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('times out a request that never answers, and retries it', async () => {
    const server = await scripted((_req, i) => (i === 0 ? 'hang' : { status: 200, json: user }));
    const { client } = clientFor(server, { timeoutMs: 150 });
    await expect(client.users.current()).resolves.toMatchObject({ id: 7 });
    expect(server.seen).toHaveLength(2);
  });

  it('treats a body that stops half-way as a timeout, not as an empty success', async () => {
    const server = await scripted(() => 'hang-body');
    const { client } = clientFor(server, { timeoutMs: 150, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    const error = (await client.users.current().catch((e: unknown) => e)) as GiteaRetryableError;
    expect(error).toBeInstanceOf(GiteaRetryableError);
    expect(error.failure).toBe('timeout');
    expect(error.attempts).toBe(2);
  });

  it('retries a dropped connection for reads', async () => {
    const server = await scripted((_req, i) => (i === 0 ? 'reset' : { status: 200, json: user }));
    const { client } = clientFor(server);
    await expect(client.users.current()).resolves.toMatchObject({ login: 'aiworker-bot' });
    expect(server.seen).toHaveLength(2);
  });

  it('reports an unreachable Gitea as a network failure after all attempts', async () => {
    const server = await scripted(() => ({ status: 200 }));
    const url = server.url;
    await server.close();
    const { client, waits } = clientFor({ url });
    const error = (await client.instance.version().catch((e: unknown) => e)) as GiteaRetryableError;
    expect(error).toBeInstanceOf(GiteaRetryableError);
    expect(error.failure).toBe('network');
    expect(error.status).toBe(0);
    expect(error.attempts).toBe(4);
    expect(waits).toHaveLength(3);
  });
});

describe('non-idempotent writes', () => {
  const comment = { id: 99, body: 'hi', user };

  it('sends a comment once when Gitea fails with 500 (it may have stored it)', async () => {
    const server = await scripted(() => ({ status: 500, json: { message: 'boom' } }));
    const { client } = clientFor(server);
    const error = (await client.comments
      .create('acme', 'shop', 3, 'hi')
      .catch((e: unknown) => e)) as GiteaRetryableError;
    expect(error).toBeInstanceOf(GiteaRetryableError);
    expect(error.mayHaveApplied).toBe(true);
    expect(error.attempts).toBe(1);
    expect(server.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('sends a comment once when the answer times out', async () => {
    const server = await scripted(() => 'hang');
    const { client } = clientFor(server, { timeoutMs: 150 });
    const error = (await client.comments
      .create('acme', 'shop', 3, 'hi')
      .catch((e: unknown) => e)) as GiteaRetryableError;
    expect(error.failure).toBe('timeout');
    expect(error.mayHaveApplied).toBe(true);
    expect(server.seen).toHaveLength(1);
  });

  it('retries a comment refused with 429 (Gitea did not act)', async () => {
    const server = await scripted((_req, i) => (i === 0 ? { status: 429 } : { status: 201, json: comment }));
    const { client } = clientFor(server);
    await expect(client.comments.create('acme', 'shop', 3, 'hi')).resolves.toMatchObject({ id: 99 });
    expect(server.seen).toHaveLength(2);
  });

  it('retries a comment when the connection was refused (nothing was sent)', async () => {
    const server = await scripted(() => ({ status: 200 }));
    const url = server.url;
    await server.close();
    const { client } = clientFor({ url });
    const error = (await client.comments
      .create('acme', 'shop', 3, 'hi')
      .catch((e: unknown) => e)) as GiteaRetryableError;
    expect(error.attempts).toBe(4);
    expect(error.mayHaveApplied).toBe(false);
  });
});

describe('error mapping', () => {
  const cases: Array<[number, new (...args: never[]) => GiteaError, Record<string, unknown>]> = [
    [404, GiteaNotFoundError, {}],
    [401, GiteaForbiddenError, { reason: 'unauthenticated' }],
    [403, GiteaForbiddenError, { reason: 'forbidden' }],
    [422, GiteaValidationError, {}],
    [400, GiteaValidationError, {}],
    [409, GiteaError, {}],
  ];

  for (const [status, type, extra] of cases) {
    it(`maps ${status} to ${type.name}, not retried`, async () => {
      const server = await scripted(() => ({
        status,
        json: { message: `said ${status}`, url: 'https://docs' },
      }));
      const { client } = clientFor(server);
      const error = (await client.issues.get('acme', 'shop', 12).catch((e: unknown) => e)) as GiteaError;
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({
        status,
        method: 'GET',
        path: '/repos/acme/shop/issues/12',
        giteaMessage: `said ${status}`,
        isRetryable: false,
        ...extra,
      });
      expect(error.message).toContain(`said ${status}`);
      expect(server.seen).toHaveLength(1);
    });
  }

  it('keeps validation details Gitea lists in `errors`', async () => {
    const server = await scripted(() => ({
      status: 422,
      json: { message: '', errors: ['Title cannot be empty'] },
    }));
    const { client } = clientFor(server);
    const error = (await client.issues
      .edit('acme', 'shop', 1, { title: '' })
      .catch((e: unknown) => e)) as GiteaError;
    expect(error).toBeInstanceOf(GiteaValidationError);
    expect(error.giteaMessage).toBe('Title cannot be empty');
  });

  it('reports a success without the expected body as an unexpected response', async () => {
    const server = await scripted(() => ({ status: 200 }));
    const { client } = clientFor(server);
    const error = (await client.issues.get('acme', 'shop', 1).catch((e: unknown) => e)) as GiteaError;
    expect(error).toBeInstanceOf(GiteaError);
    expect(error.message).toMatch(/unexpected response/);
  });
});

describe('requests', () => {
  it('authenticates with the token header and sends JSON bodies as JSON', async () => {
    const server = await scripted(() => ({ status: 201, json: { id: 1, body: 'x', user } }));
    const { client } = clientFor(server);
    await client.comments.create('acme', 'shop', 5, 'hello');
    const [req] = server.seen;
    expect(req?.headers.authorization).toBe('token tok-123');
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(req?.body ?? '')).toEqual({ body: 'hello' });
  });

  it('works under a sub-path Gitea (https://host/gitea/)', async () => {
    const server = await scripted(() => ({ status: 200, json: { version: '1.26.3' } }));
    const { client } = clientFor({ url: `${server.url}/gitea/` });
    await client.instance.version();
    expect(server.seen[0]?.path).toBe('/gitea/api/v1/version');
  });
});

describe('pagination', () => {
  const label = (id: number) => ({ id, name: `l${id}`, color: '00aabb', exclusive: false });

  it('reads every page and stops on the short page when Gitea sends no total', async () => {
    const all = Array.from({ length: 120 }, (_, i) => label(i + 1));
    const server = await scripted((req) => {
      const page = Number(req.query.get('page'));
      const limit = Number(req.query.get('limit'));
      return { status: 200, json: all.slice((page - 1) * limit, page * limit) };
    });
    const { client } = clientFor(server);
    const labels = await client.labels.list('acme', 'shop');
    expect(labels.map((l) => l.id)).toEqual(all.map((l) => l.id));
    expect(server.seen.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  it('follows x-total-count when Gitea caps the page size below the asked limit', async () => {
    const all = Array.from({ length: 70 }, (_, i) => label(i + 1));
    const cap = 30; // a Gitea with MAX_RESPONSE_ITEMS = 30
    const server = await scripted((req) => {
      const page = Number(req.query.get('page'));
      return {
        status: 200,
        json: all.slice((page - 1) * cap, page * cap),
        headers: { 'x-total-count': String(all.length) },
      };
    });
    const { client } = clientFor(server);
    const labels = await client.labels.list('acme', 'shop');
    expect(labels).toHaveLength(70);
    expect(server.seen).toHaveLength(3);
  });

  it('stops when x-total-count is reached even if the last page is full', async () => {
    const all = Array.from({ length: 100 }, (_, i) => label(i + 1));
    const server = await scripted((req) => {
      const page = Number(req.query.get('page'));
      const limit = Number(req.query.get('limit'));
      return {
        status: 200,
        json: all.slice((page - 1) * limit, page * limit),
        headers: { 'x-total-count': '100' },
      };
    });
    const { client } = clientFor(server);
    await expect(client.labels.list('acme', 'shop')).resolves.toHaveLength(100);
    expect(server.seen).toHaveLength(2);
  });

  it('reads a recursive tree over every page until Gitea says it is not truncated', async () => {
    const server = await scripted((req) => {
      const page = Number(req.query.get('page'));
      expect(req.query.get('recursive')).toBe('true');
      const entries = Array.from({ length: page < 3 ? 1000 : 10 }, (_, i) => ({
        path: `p${page}/f${i}.ts`,
        type: 'blob',
        size: i,
        sha: 'abc',
        mode: '100644',
      }));
      return {
        status: 200,
        json: { sha: 'tree1', tree: entries, truncated: page < 3, page, total_count: 2010 },
      };
    });
    const { client } = clientFor(server);
    const tree = await client.contents.tree('acme', 'shop', 'abc123');
    expect(tree.entries).toHaveLength(2010);
    expect(tree.truncated).toBe(false);
    const capped = await client.contents.tree('acme', 'shop', 'abc123', { maxEntries: 1500 });
    expect(capped.entries).toHaveLength(1500);
    expect(capped.truncated).toBe(true);
  });
});
