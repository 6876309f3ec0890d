import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LocalRunner } from '../../src/agents/runners/local.ts';
import type { AgentRunSpec, RunStatus } from '../../src/agents/runners/types.ts';

/**
 * The local runner against a git server over HTTP that wants a token, as Gitea does: real
 * `git http-backend` (CGI) behind a node HTTP server that checks Basic credentials. The last
 * test runs the agent image's entrypoint under the runner, end to end.
 */

const TOKEN = '6d1f0b3a9e8c7d2f4a5b6c7d8e9f0a1b2c3d4e5f';
const MCP_TOKEN = 'mcp-http-run-token-51e0c9';
const AGENT_ENTRYPOINT = path.resolve(import.meta.dirname, '../../agent/entrypoint.sh');

let work: string;
let projectRoot: string;
let git: { server: Server; url: string; authorizations: Array<string | undefined> };
let mcp: { server: Server; url: string; titles: string[] };
const runners: LocalRunner[] = [];

function gitSync(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  });
}

function tokenOf(authorization: string | undefined): string | null {
  if (!authorization?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

/** `git http-backend` as CGI, behind Basic authentication. */
function serveGit(
  req: IncomingMessage,
  res: ServerResponse,
  authorizations: Array<string | undefined>,
): void {
  authorizations.push(req.headers.authorization);
  if (tokenOf(req.headers.authorization) !== TOKEN) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Gitea"' }).end('Unauthorized\n');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const cgi = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      REMOTE_USER: 'aiworker',
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  cgi.stdout.on('end', () => res.end());
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'aiworker-local-http-'));
  projectRoot = path.join(work, 'repositories');
  const origin = path.join(projectRoot, 'acme', 'shop.git');
  const seed = path.join(work, 'seed');
  await mkdir(path.dirname(origin), { recursive: true });
  gitSync(work, 'init', '--quiet', '--bare', '--initial-branch', 'main', origin);
  gitSync(work, 'init', '--quiet', '--initial-branch', 'main', seed);
  await writeFile(path.join(seed, 'README.md'), 'Shop over HTTP\n');
  gitSync(seed, 'add', '.');
  gitSync(seed, 'commit', '--quiet', '-m', 'first');
  gitSync(seed, 'push', '--quiet', origin, 'main');

  const authorizations: Array<string | undefined> = [];
  const gitServer = createServer((req, res) => serveGit(req, res, authorizations));
  git = { server: gitServer, url: await listen(gitServer), authorizations };

  const titles: string[] = [];
  const mcpServer = createServer(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${MCP_TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    const server = new McpServer({ name: 'aiworker-test', version: '1.0.0' });
    server.registerTool(
      'open_pull_request',
      { inputSchema: { title: z.string(), body: z.string().optional() } },
      async ({ title }) => {
        titles.push(title);
        return { content: [{ type: 'text' as const, text: `Opened pull request #5: ${title}` }] };
      },
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close());
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  mcp = { server: mcpServer, url: `${await listen(mcpServer)}/mcp`, titles };
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
  git.authorizations.length = 0;
});

afterAll(async () => {
  await new Promise((resolve) => git.server.close(resolve));
  await new Promise((resolve) => mcp.server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

let nextRunId = 900;

function makeSpec(token: string): AgentRunSpec {
  const runId = nextRunId++;
  return {
    runId,
    repo: 'acme/shop',
    issueNumber: 4,
    attempt: 1,
    cloneUrl: `${git.url}/acme/shop.git`,
    defaultBranch: 'main',
    deadlineSeconds: 300,
    env: {
      AIWORKER_MCP_URL: mcp.url,
      AIWORKER_MCP_TOKEN: MCP_TOKEN,
      AIWORKER_TASK: 'acme/shop#4',
      AIWORKER_RUN_ID: String(runId),
      GITEA_URL: git.url,
      AIWORKER_GIT_TOKEN: token,
      AIWORKER_BRANCH: 'ai/4-wishlist',
    },
  };
}

async function waitForEnd(runner: LocalRunner, externalId: string): Promise<RunStatus> {
  for (let i = 0; i < 1200; i++) {
    const status = await runner.status(externalId);
    if (status && ['succeeded', 'failed', 'cancelled'].includes(status.phase)) return status;
    await sleep(50);
  }
  throw new Error(`run ${externalId} never ended`);
}

describe('LocalRunner over HTTP', { timeout: 90_000 }, () => {
  it('clones with the run’s token as a header, and leaves the token nowhere in the clone', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const runner = new LocalRunner({ command: 'cat README.md', root, pollIntervalMs: 50 });
    runners.push(runner);
    const handle = await runner.start(makeSpec(TOKEN));
    const status = await waitForEnd(runner, handle.externalId);
    expect(status.phase).toBe('succeeded');
    expect(status.logTail).toContain('Shop over HTTP');
    expect(git.authorizations.length).toBeGreaterThan(0);
    expect(git.authorizations.every((a) => tokenOf(a) === TOKEN)).toBe(true);
    const config = await readFile(path.join(root, handle.externalId, 'repo', '.git', 'config'), 'utf8');
    expect(config).toContain(`url = ${git.url}/acme/shop.git`);
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(Buffer.from(`aiworker:${TOKEN}`).toString('base64'));
    expect(config.toLowerCase()).not.toContain('extraheader');
  });

  it('fails the run with git’s reason when the token is refused, and does not echo the token', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const runner = new LocalRunner({ command: 'echo should not run', root, pollIntervalMs: 50 });
    runners.push(runner);
    const wrong = 'aaaaaaaabbbbbbbbccccccccddddddddeeeeeeee';
    const handle = await runner.start(makeSpec(wrong));
    const status = await waitForEnd(runner, handle.externalId);
    expect(status.phase).toBe('failed');
    expect(status.message).toMatch(
      /^CloneFailed: git clone of http:\/\/127\.0\.0\.1:\d+\/acme\/shop\.git \(branch main\) failed: /,
    );
    expect(status.message).toMatch(/Authentication failed|could not read Username|401/);
    expect(status.logTail).not.toContain('should not run');
    expect(`${status.message}${status.logTail}`).not.toContain(wrong);
  });

  it('runs the agent image’s entrypoint: clone, Claude, push over HTTP, pull request through MCP', async () => {
    const root = await mkdtemp(path.join(work, 'runs-'));
    const bin = path.join(work, 'bin');
    await mkdir(bin, { recursive: true });
    // Stands in for Claude Code: one commit, as an agent would make.
    await writeFile(
      path.join(bin, 'claude'),
      '#!/bin/sh\necho "wishlist" > wishlist.txt\ngit add wishlist.txt\ngit commit --quiet -m "Add the wishlist"\necho \'{"type":"result","subtype":"success"}\'\n',
    );
    await chmod(path.join(bin, 'claude'), 0o755);
    const runner = new LocalRunner({
      command: `bash ${AGENT_ENTRYPOINT}`,
      root,
      pollIntervalMs: 50,
      path: `${bin}:${process.env.PATH}`,
      agentEnv: { ANTHROPIC_API_KEY: 'sk-ant-placeholder-for-the-stub' },
    });
    runners.push(runner);
    const handle = await runner.start(makeSpec(TOKEN));
    const status = await waitForEnd(runner, handle.externalId);
    expect(status.logTail).toContain('Opened pull request #5: Add the wishlist');
    expect(status.phase).toBe('succeeded');
    expect(mcp.titles).toContain('Add the wishlist');
    const origin = path.join(projectRoot, 'acme', 'shop.git');
    expect(gitSync(origin, 'log', '--format=%s', 'ai/4-wishlist').trim().split('\n')).toEqual([
      'Add the wishlist',
      'first',
    ]);
    // The push authenticated like the clone did, and the token never reached the output.
    expect(git.authorizations.every((a) => tokenOf(a) === TOKEN)).toBe(true);
    expect(status.logTail).not.toContain(TOKEN);
  });
});
