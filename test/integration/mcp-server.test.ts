import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runBranch } from '../../src/agents/branch.ts';
import { issueRunToken, type RunTokenScope, revokeRunTokens } from '../../src/agents/run-tokens.ts';
import { createLogger } from '../../src/config/logger.ts';
import { giteaRepoReader } from '../../src/context/gitea-reader.ts';
import { agentTokens, auditLog, tasks } from '../../src/db/schema.ts';
import { managedLabelSpecs } from '../../src/domain/labels.ts';
import { createGiteaClient, type GiteaClient } from '../../src/gitea/client.ts';
import { findMarker } from '../../src/gitea/markers.ts';
import { createMcpRouter, MCP_TOOL_NAMES, type McpEndpoint } from '../../src/mcp/index.ts';
import { createHttpApp } from '../../src/server/app.ts';
import { listen, type RunningServer } from '../../src/server/listen.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/services.ts';
import {
  runRow,
  type SeededFeature,
  type SubtaskSeed,
  seedFeature,
  seedPullRun,
  seedRun,
  subtaskRow,
  subtaskState,
  taskRow,
} from './mcp-fixtures.ts';

/**
 * The MCP server as an agent meets it: the real MCP SDK client over Streamable HTTP, the router
 * mounted in the real express app on a real port, MariaDB, and the Gitea fake behind the real
 * Gitea client. Each test builds its own feature, subtasks, run and token.
 */

const OWNER = 'acme';
const NAME = 'shop';
const REPO = `${OWNER}/${NAME}`;
const PLANTED = 'planted-secret-5f2c9e71d0';
const PROGRESS_INTERVAL_MS = 3_000;

let db: TestDatabase;
let fake: GiteaFake;
let gitea: GiteaClient;
let botToken: string;
let endpoint: McpEndpoint;
let server: RunningServer;
let mcpUrl: URL;
const clients: Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase('mcp_server');
  fake = await startGiteaFake();
  fake.addUser(OWNER);
  botToken = fake.addUser('aiworker-bot', { password: 'bot-password' }).token;
  fake.addUser('alice');
  fake.addUser('bob');
  fake.createRepo(OWNER, NAME, {
    files: {
      'README.md': '# Shop\n\nAn Express shop.\n',
      'package.json': '{"name":"shop","dependencies":{"express":"^5.0.0"}}\n',
      'src/cart.ts': 'export function addToCart(productId: string) {\n  return productId;\n}\n',
      'src/wishlist.ts': 'export interface Wishlist {\n  items: string[];\n}\n',
      'src/upstream.ts': `export const upstreamKey = '${PLANTED}';\nexport const legacy = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';\n`,
      '.env': `DATABASE_PASSWORD=${PLANTED}\n`,
      'deploy/id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----\nnope\n-----END OPENSSH PRIVATE KEY-----\n',
    },
  });
  fake.setPermission(REPO, 'aiworker-bot', 'admin');
  fake.setPermission(REPO, 'alice', 'write');
  fake.setPermission(REPO, 'bob', 'write');
  gitea = createGiteaClient({ baseUrl: fake.url, token: botToken, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  await gitea.labels.ensure(OWNER, NAME, managedLabelSpecs());

  const log = createLogger({ level: 'silent' });
  endpoint = createMcpRouter(
    {
      db: db.db,
      gitea,
      readerFor: (owner, repo) => giteaRepoReader(gitea, owner, repo),
      secrets: [botToken, PLANTED],
      publicUrl: 'http://127.0.0.1:8080',
      log,
    },
    { progressIntervalMs: PROGRESS_INTERVAL_MS },
  );
  const app = createHttpApp({
    webhookSecret: 'webhook-secret-not-used-here',
    enqueue: () => Promise.reject(new Error('no webhooks in these tests')),
    readiness: {},
    metrics: createMetrics({ processMetrics: false }),
    logger: log,
    routers: [{ path: '/mcp', handler: endpoint.router }],
  });
  server = await listen(app, { port: 0, host: '127.0.0.1' });
  mcpUrl = new URL(`${server.url}/mcp`);
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => undefined);
});

afterAll(async () => {
  await endpoint?.close();
  await server?.close();
  await fake?.close();
  await db?.drop();
});

// ── helpers ─────────────────────────────────────────────────────────────────────────────────

interface World {
  feature: SeededFeature;
  featureIssue: number;
  /** Subtask key → issue number. */
  issues: Record<string, number>;
  specCommentId: number;
}

const SPEC_BODY = '## Specification v2 (approved)\n\nA wishlist per user.';

async function newFeature(
  subs: Array<Omit<SubtaskSeed, 'issueNumber'>>,
  spec: { architecture?: string } = {},
): Promise<World> {
  const featureIssue = (
    await fake
      .as('alice')
      .openIssue(REPO, { title: 'Wishlist', body: 'Let shoppers keep products for later.' })
  ).number;
  const specComment = await gitea.comments.ensure(
    OWNER,
    NAME,
    featureIssue,
    { kind: 'spec', attrs: { task: featureIssue } },
    SPEC_BODY,
  );
  const issues: Record<string, number> = {};
  for (const sub of subs) {
    const issue = await gitea.issues.create(OWNER, NAME, {
      title: sub.title,
      body: `Part of #${featureIssue}`,
      labels: ['ai-subtask', `ai-status/${sub.state ?? 'ready'}`],
    });
    issues[sub.key] = issue.number;
  }
  const feature = await seedFeature(db.db, {
    repo: { owner: OWNER, name: NAME },
    issueNumber: featureIssue,
    title: 'Wishlist',
    author: 'alice',
    spec: { approvedBy: 'bob', ...spec },
    subtasks: subs.map((sub) => ({ ...sub, issueNumber: issues[sub.key] ?? 0 })),
  });
  return { feature, featureIssue, issues, specCommentId: specComment.id };
}

const WISHLIST_SUBTASKS: Array<Omit<SubtaskSeed, 'issueNumber'>> = [
  {
    key: 'model',
    title: 'Wishlist model',
    state: 'done',
    acceptanceCriteria: ['A wishlist holds product ids'],
  },
  {
    key: 'api',
    title: 'Wishlist API endpoints',
    state: 'running',
    dependencies: ['model'],
    description: 'Add POST and DELETE /wishlist/:productId next to the cart routes.',
    acceptanceCriteria: ['POST /wishlist/:id adds a product', 'DELETE /wishlist/:id removes it'],
    estimatedTime: '3h',
  },
  { key: 'ui', title: 'Wishlist button', state: 'blocked', dependencies: ['api'] },
];

/** A push-mode run on the `api` subtask, with its token. */
async function apiRun(spec: { architecture?: string } = {}) {
  const world = await newFeature(WISHLIST_SUBTASKS, spec);
  const subtask = world.feature.subtasks['api']!;
  const branch = runBranch(subtask.issueNumber, 'Wishlist API endpoints');
  const runId = await seedRun(db.db, { repoId: world.feature.repoId, subtask, branch });
  const { token } = await issueRunToken(db.db, {
    runId,
    repoId: world.feature.repoId,
    issueNumber: subtask.issueNumber,
    ttlSeconds: 3600,
  });
  return { ...world, subtask, runId, branch, token };
}

function transportFor(token: string | null): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(
    mcpUrl,
    token === null ? {} : { requestInit: { headers: { Authorization: `Bearer ${token}` } } },
  );
}

async function connect(token: string | null): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  clients.push(client);
  await client.connect(transportFor(token));
  return client;
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

async function structured<T>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await call(client, name, args);
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  expect(textOf(result).length).toBeGreaterThan(0);
  return result.structuredContent as T;
}

function rawPost(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

// ── the tools ───────────────────────────────────────────────────────────────────────────────

describe('the tool list', () => {
  it('offers the nine tools with input and output schemas and truthful annotations', async () => {
    const { token } = await apiRun();
    const client = await connect(token);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...MCP_TOOL_NAMES].sort());
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.description?.length).toBeGreaterThan(20);
      expect(tool.annotations?.openWorldHint).toBe(false);
      expect(tool.annotations?.destructiveHint).toBe(false);
    }
    const readOnly = tools.filter((tool) => tool.annotations?.readOnlyHint).map((tool) => tool.name);
    expect(readOnly.sort()).toEqual(['get_file', 'get_spec', 'get_task', 'search_codebase']);
    const notIdempotent = tools.filter((tool) => !tool.annotations?.idempotentHint).map((tool) => tool.name);
    expect(notIdempotent).toEqual(['get_next_task']);
    expect(byName.get('get_file')?.inputSchema.required).toEqual(['path']);
    expect(byName.get('open_pull_request')?.inputSchema.required).toEqual(['title']);
    expect(Object.keys(byName.get('update_task_status')?.inputSchema.properties ?? {}).sort()).toEqual([
      'message',
      'status',
    ]);
  });
});

interface TaskView {
  repo: string;
  issueNumber: number;
  title: string;
  description: string;
  acceptanceCriteria: string[];
  estimate: string;
  status: string;
  runId: number;
  branch: string;
  baseBranch: string;
  dependencies: Array<{ key: string; issueNumber: number | null; status: string; done: boolean }>;
  parent: { issueNumber: number; title: string };
  spec: { version: number; title: string; approvedBy: string | null; acceptanceCriteria: string[] } | null;
  relevantFiles: Array<{ path: string }>;
}

describe('get_task', () => {
  it("returns the run's subtask, its dependencies, branch and the approved spec summary", async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const task = await structured<TaskView>(client, 'get_task');
    expect(task).toMatchObject({
      repo: REPO,
      issueNumber: world.subtask.issueNumber,
      title: 'Wishlist API endpoints',
      description: 'Add POST and DELETE /wishlist/:productId next to the cart routes.',
      acceptanceCriteria: ['POST /wishlist/:id adds a product', 'DELETE /wishlist/:id removes it'],
      estimate: '3h',
      status: 'running',
      runId: world.runId,
      branch: `ai/${world.subtask.issueNumber}-wishlist-api-endpoints`,
      baseBranch: 'main',
      parent: { issueNumber: world.featureIssue, title: 'Wishlist' },
    });
    expect(task.dependencies).toEqual([
      {
        key: 'model',
        title: 'Wishlist model',
        issueNumber: world.issues['model'],
        status: 'done',
        done: true,
      },
    ]);
    expect(task.spec).toMatchObject({ version: 2, approvedBy: 'bob' });
    expect(task.spec?.title).not.toBe('Draft that was revised');
    expect(task.relevantFiles.map((file) => file.path)).toContain('src/wishlist.ts');
    expect((await runRow(db.db, world.runId)).heartbeatAt).not.toBeNull();
  });

  it('refuses another issue of the same repository, with an explicit number', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const other = world.issues['ui']!;
    const refused = await call(client, 'get_task', { issueNumber: other });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain(`only issue #${world.subtask.issueNumber}`);
    expect(textOf(refused)).not.toContain('Wishlist button');
    const own = await structured<TaskView>(client, 'get_task', { issueNumber: world.subtask.issueNumber });
    expect(own.issueNumber).toBe(world.subtask.issueNumber);
  });

  it('rejects unknown arguments instead of ignoring them', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const result = await call(client, 'get_task', { issue_number: world.issues['ui'] });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/issue_number/);
  });
});

describe('get_spec', () => {
  it('returns every section of the approved version, with planted secrets redacted', async () => {
    const world = await apiRun({ architecture: `Call the upstream with key ${PLANTED} over HTTPS.` });
    const client = await connect(world.token);
    const spec = await structured<Record<string, unknown>>(client, 'get_spec');
    expect(spec).toMatchObject({
      parent: { issueNumber: world.featureIssue, title: 'Wishlist' },
      version: 2,
      goals: ['Shoppers can keep products for later'],
      edgeCases: ['The same product added twice'],
      acceptanceCriteria: ['A product can be added to and removed from the wishlist'],
      assumptions: ['Only signed-in users have a wishlist'],
      estimatedComplexity: 'medium',
      approvedBy: 'bob',
    });
    expect(spec['architecture']).toBe('Call the upstream with key [redacted] over HTTPS.');
    expect(JSON.stringify(spec)).not.toContain(PLANTED);
  });
});

describe('reading the code', () => {
  it('searches the default branch and never returns a planted secret', async () => {
    const { token } = await apiRun();
    const client = await connect(token);
    const found = await structured<{
      commit: string;
      results: Array<{ path: string; matches: Array<{ line: number; text: string }> }>;
    }>(client, 'search_codebase', { query: 'upstreamKey' });
    expect(found.commit).toBe(fake.branchSha(REPO));
    const upstream = found.results.find((result) => result.path === 'src/upstream.ts');
    expect(upstream?.matches[0]).toEqual({ line: 1, text: "export const upstreamKey = '[redacted]';" });
    expect(found.results.map((result) => result.path)).not.toContain('.env');

    const cart = await structured<{ results: Array<{ path: string }> }>(client, 'search_codebase', {
      query: 'addToCart',
      pathPrefix: 'src/',
    });
    expect(cart.results[0]?.path).toBe('src/cart.ts');
  });

  it('reads a file at the default branch or a branch, redacted', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const file = await structured<{
      path: string;
      ref: string;
      content: string;
      size: number;
      truncated: boolean;
    }>(client, 'get_file', { path: './src/upstream.ts' });
    expect(file).toMatchObject({ path: 'src/upstream.ts', ref: 'main', truncated: false });
    expect(file.content).toBe(
      "export const upstreamKey = '[redacted]';\nexport const legacy = '[redacted]';\n",
    );
    expect(file.size).toBeGreaterThan(file.content.length);

    fake.setFiles(REPO, { 'src/wishlist.ts': 'export const onBranch = true;\n' }, { branch: world.branch });
    const onBranch = await structured<{ content: string }>(client, 'get_file', {
      path: 'src/wishlist.ts',
      ref: world.branch,
    });
    expect(onBranch.content).toBe('export const onBranch = true;\n');
  });

  it('refuses credential files, paths out of the repository and missing files', async () => {
    const { token } = await apiRun();
    const client = await connect(token);
    for (const path of ['.env', 'deploy/id_rsa', '../other/secret.ts', '.git/config']) {
      const refused = await call(client, 'get_file', { path });
      expect(refused.isError, path).toBe(true);
      expect(textOf(refused)).not.toContain(PLANTED);
      expect(textOf(refused)).not.toContain('PRIVATE KEY');
    }
    expect(textOf(await call(client, 'get_file', { path: '.env' }))).toContain('credentials');
    expect(textOf(await call(client, 'get_file', { path: 'src/nope.ts' }))).toContain('does not exist');
  });
});

// ── reporting ───────────────────────────────────────────────────────────────────────────────

function progressComments(issue: number) {
  return fake.comments(REPO, issue).filter((comment) => findMarker(comment.body, 'progress') !== undefined);
}

describe('post_progress', () => {
  it('edits one progress comment per run, keeps the latest text inside the interval and flushes it', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const issue = world.subtask.issueNumber;
    fake.resetCalls();

    const first = await structured<{ state: string; commentId: number }>(client, 'post_progress', {
      message: 'Reading the cart routes',
    });
    expect(first.state).toBe('published');
    const second = await structured<{ state: string; publishAt: string }>(client, 'post_progress', {
      message: 'Wrote the POST route',
      checklist: [{ item: 'POST route', done: true }],
    });
    const third = await structured<{ state: string }>(client, 'post_progress', {
      message: `Both routes done; tests next (token ${PLANTED})`,
      checklist: [
        { item: 'POST route', done: true },
        { item: 'DELETE route', done: true },
        { item: 'Tests', done: false },
      ],
    });
    expect([second.state, third.state]).toEqual(['queued', 'queued']);
    expect(Date.parse(second.publishAt)).toBeGreaterThan(Date.now() - PROGRESS_INTERVAL_MS);

    await vi.waitFor(
      () => {
        const [comment] = progressComments(issue);
        expect(comment?.body).toContain('Both routes done; tests next');
      },
      { timeout: 15_000, interval: 100 },
    );
    const comments = progressComments(issue);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(findMarker(body, 'progress', { run: world.runId })).toBeDefined();
    expect(body).toContain('- [x] DELETE route');
    expect(body).toContain('- [ ] Tests');
    expect(body).toContain(`\`${world.branch}\``);
    expect(body).not.toContain(PLANTED);
    expect(body).not.toContain('Wrote the POST route');
    const created = fake.calls.filter(
      (c) => c.method === 'POST' && c.path.endsWith(`/issues/${issue}/comments`),
    );
    const edits = fake.calls.filter((c) => c.method === 'PATCH' && c.path.includes('/issues/comments/'));
    expect(created).toHaveLength(1);
    expect(edits).toHaveLength(1);
    expect((await runRow(db.db, world.runId)).progressCommentId).toBe(first.commentId);
  });

  it('shows the acceptance criteria until the agent sends its own checklist', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    await structured(client, 'post_progress', { message: 'Starting' });
    const [comment] = progressComments(world.subtask.issueNumber);
    expect(comment?.body).toContain('**Acceptance criteria**');
    expect(comment?.body).toContain('- [ ] POST /wishlist/:id adds a product');
  });

  it('cannot forge a marker through the message', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    await structured(client, 'post_progress', {
      message: `done <!-- aiworker:spec task=${world.featureIssue} -->`,
    });
    const [comment] = progressComments(world.subtask.issueNumber);
    expect(findMarker(comment?.body, 'spec')).toBeUndefined();
  });
});

function statusLabels(issue: number): string[] {
  return (fake.issue(REPO, issue)?.labels ?? []).filter((label) => label.startsWith('ai-status/'));
}

describe('update_task_status', () => {
  it('records the status, moves the task state and shows the ai-status label', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const before = await taskRow(db.db, world.subtask.taskId);
    const result = await structured<{ status: string; previousStatus: string; label: string }>(
      client,
      'update_task_status',
      { status: 'failed', message: 'The test database image is missing' },
    );
    expect(result).toEqual({
      issueNumber: world.subtask.issueNumber,
      status: 'failed',
      previousStatus: 'running',
      state: 'failed',
      label: 'ai-status/failed',
    });
    const after = await taskRow(db.db, world.subtask.taskId);
    expect(after.state).toBe('failed');
    expect(after.stateVersion).toBe(before.stateVersion + 1);
    // The plan row keeps its plan status: the lifecycle lives in the task row only.
    expect((await subtaskRow(db.db, world.feature.featureTaskId, 'api')).status).toBe('created');
    expect(statusLabels(world.subtask.issueNumber)).toEqual(['ai-status/failed']);
    const audits = await db.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.issueNumber, world.subtask.issueNumber),
          eq(auditLog.command, 'mcp.update_task_status'),
        ),
      );
    expect(audits.map((entry) => [entry.result, entry.args])).toEqual([
      ['failed', 'The test database image is missing'],
    ]);
    const [comment] = progressComments(world.subtask.issueNumber);
    expect(comment?.body).toContain('❌ failed');
  });

  it('refuses a status outside running, review, blocked and failed', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const result = await call(client, 'update_task_status', { status: 'done', message: 'merged it myself' });
    expect(result.isError).toBe(true);
    expect(await subtaskState(db.db, world.feature.featureTaskId, 'api')).toBe('running');
  });

  it('refuses a change the lifecycle does not allow, and changes nothing', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    await structured(client, 'update_task_status', { status: 'failed', message: 'The build is red' });
    const failed = await taskRow(db.db, world.subtask.taskId);
    const result = await call(client, 'update_task_status', { status: 'running', message: 'Trying again' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`#${world.subtask.issueNumber} cannot be set to running: it is failed`);
    const after = await taskRow(db.db, world.subtask.taskId);
    expect([after.state, after.stateVersion]).toEqual(['failed', failed.stateVersion]);
    expect(statusLabels(world.subtask.issueNumber)).toEqual(['ai-status/failed']);
  });

  it('refuses any change once the subtask is done', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    await db.db.update(tasks).set({ state: 'done' }).where(eq(tasks.id, world.subtask.taskId));
    const result = await call(client, 'update_task_status', {
      status: 'review',
      message: 'Ready for review',
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('is done (merged)');
    expect(await subtaskState(db.db, world.feature.featureTaskId, 'api')).toBe('done');
  });
});

describe('report_blocker', () => {
  it('asks the people on the issue, labels it blocked and pauses the run, once per question', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const before = await taskRow(db.db, world.subtask.taskId);
    const question = 'Should DELETE /wishlist/:id answer 404 or 204 for a product that is not there?';
    const result = await structured<{ commentId: number; mentioned: string[]; runPaused: boolean }>(
      client,
      'report_blocker',
      { question, details: 'The cart answers 204 in the same case.' },
    );
    expect(result.mentioned).toEqual(['alice', 'bob']);
    expect(result.runPaused).toBe(true);
    const again = await structured<{ commentId: number; runPaused: boolean }>(client, 'report_blocker', {
      question,
    });
    expect(again.commentId).toBe(result.commentId);
    expect(again.runPaused).toBe(false);

    const blockers = fake
      .comments(REPO, world.subtask.issueNumber)
      .filter((comment) => findMarker(comment.body, 'blocker', { run: world.runId }) !== undefined);
    expect(blockers).toHaveLength(1);
    expect(blockers[0]?.body).toContain('@alice @bob');
    expect(blockers[0]?.body).toContain(`> ${question}`);
    expect(blockers[0]?.user).toBe('aiworker-bot');
    expect(statusLabels(world.subtask.issueNumber)).toEqual(['ai-status/blocked']);
    expect((await runRow(db.db, world.runId)).status).toBe('paused');
    // No lifecycle event leads from running to blocked: the state stays, only the label says it.
    const after = await taskRow(db.db, world.subtask.taskId);
    expect([after.state, after.stateVersion]).toEqual(['running', before.stateVersion]);
    const [progress] = progressComments(world.subtask.issueNumber);
    expect(progress?.body).toContain('⛔ blocked');
  });

  it('refuses a fourth new question from the same run', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    for (const n of [1, 2, 3]) await structured(client, 'report_blocker', { question: `Question ${n}?` });
    const fourth = await call(client, 'report_blocker', { question: 'Question 4?' });
    expect(fourth.isError).toBe(true);
    expect(textOf(fourth)).toContain('already asked 3 questions');
    await structured(client, 'report_blocker', { question: 'Question 2?' });
    const asked = fake
      .comments(REPO, world.subtask.issueNumber)
      .filter((comment) => findMarker(comment.body, 'blocker') !== undefined);
    expect(asked).toHaveLength(3);
  });
});

describe('open_pull_request', () => {
  it('opens the PR of the run branch with Closes #N and the spec link, once', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const before = await taskRow(db.db, world.subtask.taskId);
    fake.setFiles(
      REPO,
      { 'src/wishlist-routes.ts': 'export const routes = [];\n' },
      { branch: world.branch },
    );
    const opened = await structured<{
      number: number;
      url: string;
      head: string;
      base: string;
      created: boolean;
      closes: number;
    }>(client, 'open_pull_request', {
      title: 'Wishlist API endpoints',
      body: `Adds the routes.\n\nkey: ${PLANTED}`,
    });
    expect(opened).toMatchObject({
      head: world.branch,
      base: 'main',
      created: true,
      closes: world.subtask.issueNumber,
    });
    const pr = fake.issue(REPO, opened.number);
    expect(pr?.isPull).toBe(true);
    expect(pr?.title).toBe('Wishlist API endpoints');
    expect(pr?.body).toContain(`Closes #${world.subtask.issueNumber}`);
    expect(pr?.body).toContain(`Part of #${world.featureIssue}`);
    expect(pr?.body).toContain(`issuecomment-${world.specCommentId}`);
    expect(pr?.body).toContain('Adds the routes.');
    expect(pr?.body).not.toContain(PLANTED);
    expect(pr?.pull).toMatchObject({ head: world.branch, base: 'main' });

    const again = await structured<{ number: number; created: boolean }>(client, 'open_pull_request', {
      title: 'Wishlist API endpoints (again)',
    });
    expect(again).toMatchObject({ number: opened.number, created: false });
    expect(
      fake.issues(REPO).filter((issue) => issue.isPull && issue.pull?.head === world.branch),
    ).toHaveLength(1);
    expect((await runRow(db.db, world.runId)).prNumber).toBe(opened.number);
    // One transition to review (pull_request_opened), not one per call.
    const after = await taskRow(db.db, world.subtask.taskId);
    expect([after.state, after.stateVersion]).toEqual(['review', before.stateVersion + 1]);
    expect(statusLabels(world.subtask.issueNumber)).toEqual(['ai-status/review']);
  });

  it('fails with the reason when the branch was not pushed', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const result = await call(client, 'open_pull_request', { title: 'Nothing pushed' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('open_pull_request');
    expect(textOf(result)).not.toContain(botToken);
    expect(await subtaskState(db.db, world.feature.featureTaskId, 'api')).toBe('running');
  });
});

// ── pull mode ───────────────────────────────────────────────────────────────────────────────

describe('get_next_task', () => {
  async function pullRuns(count: number, world: World) {
    const runs: Array<{ runId: number; token: string }> = [];
    for (let i = 0; i < count; i++) {
      const runId = await seedPullRun(db.db, {
        repoId: world.feature.repoId,
        featureTaskId: world.feature.featureTaskId,
        issueNumber: world.featureIssue,
        attempt: i + 1,
      });
      const scopes: RunTokenScope[] = ['task', 'pull'];
      const { token } = await issueRunToken(db.db, {
        runId,
        repoId: world.feature.repoId,
        issueNumber: world.featureIssue,
        ttlSeconds: 3600,
        scopes,
      });
      runs.push({ runId, token });
    }
    return runs;
  }

  it('lets agents racing for work claim different ready subtasks, and nothing twice', async () => {
    const world = await newFeature([
      { key: 'a', title: 'Wishlist table', state: 'ready' },
      { key: 'b', title: 'Wishlist cache', state: 'ready' },
      { key: 'c', title: 'Wishlist page', state: 'blocked', dependencies: ['a'] },
    ]);
    const runs = await pullRuns(4, world);
    const agents = await Promise.all(runs.map((run) => connect(run.token)));
    const answers = await Promise.all(
      agents.map((agent) => structured<{ claimed: boolean; task: TaskView | null }>(agent, 'get_next_task')),
    );
    const claimed = answers.filter((answer) => answer.claimed).map((answer) => answer.task?.issueNumber);
    expect(claimed.sort()).toEqual([world.issues['a'], world.issues['b']].sort());
    expect(answers.filter((answer) => !answer.claimed && answer.task === null)).toHaveLength(2);

    for (const key of ['a', 'b']) {
      const seeded = world.feature.subtasks[key]!;
      const task = await taskRow(db.db, seeded.taskId);
      // Claimed once: one transition, one state version step.
      expect([task.state, task.stateVersion]).toEqual(['running', 2]);
      expect((await subtaskRow(db.db, world.feature.featureTaskId, key)).status).toBe('created');
      expect(statusLabels(world.issues[key]!)).toEqual(['ai-status/running']);
    }
    expect(await subtaskState(db.db, world.feature.featureTaskId, 'c')).toBe('blocked');

    // The token now reaches the claimed subtask: get_task answers it, with its own branch.
    const winner = answers.findIndex((answer) => answer.claimed);
    const task = await structured<TaskView>(agents[winner]!, 'get_task');
    expect(task.issueNumber).toBe(answers[winner]?.task?.issueNumber);
    expect(task.branch).toBe(runBranch(task.issueNumber, task.title));
    const [token] = await db.db.select().from(agentTokens).where(eq(agentTokens.runId, runs[winner]!.runId));
    expect(token?.issueNumber).toBe(task.issueNumber);

    // A run still working on its subtask must finish it before claiming another.
    const busy = await call(agents[winner]!, 'get_next_task');
    expect(busy.isError).toBe(true);
    expect(textOf(busy)).toContain(`finish #${task.issueNumber} first`);
  });

  it('claims the earliest wave first and only subtasks of its own feature', async () => {
    const other = await newFeature([{ key: 'x', title: 'Gift cards', state: 'ready', wave: 0 }]);
    const world = await newFeature([
      { key: 'late', title: 'Wishlist emails', state: 'ready', wave: 2 },
      { key: 'early', title: 'Wishlist table', state: 'ready', wave: 0 },
      { key: 'middle', title: 'Wishlist page', state: 'ready', wave: 1 },
    ]);
    const [run] = await pullRuns(1, world);
    const agent = await connect(run!.token);
    const order: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = await structured<{ claimed: boolean; task: TaskView | null }>(agent, 'get_next_task');
      expect(next.claimed).toBe(true);
      order.push(next.task!.issueNumber);
      // Done with it (in review), so the run may claim the next one.
      await structured(agent, 'update_task_status', { status: 'review', message: 'Pull request opened' });
    }
    expect(order).toEqual([world.issues['early'], world.issues['middle'], world.issues['late']]);
    const none = await structured<{ claimed: boolean }>(agent, 'get_next_task');
    expect(none.claimed).toBe(false);
    expect(await subtaskState(db.db, other.feature.featureTaskId, 'x')).toBe('ready');
  });

  it('is refused to a push-mode token', async () => {
    const world = await apiRun();
    const client = await connect(world.token);
    const result = await call(client, 'get_next_task');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('pull scope');
    expect(await subtaskState(db.db, world.feature.featureTaskId, 'ui')).toBe('blocked');
  });
});

// ── authentication and sessions ─────────────────────────────────────────────────────────────

describe('authentication', () => {
  it('answers 401 with a Bearer challenge and a JSON-RPC error without a token', async () => {
    const response = await rawPost(INITIALIZE);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="/);
    const body = (await response.json()) as { jsonrpc: string; error: { code: number; message: string } };
    expect(body.jsonrpc).toBe('2.0');
    expect(body.error.message).toContain('Authorization: Bearer');
    await expect(connect(null)).rejects.toMatchObject({ code: 401 });
  });

  it('refuses a wrong, an expired and a revoked token', async () => {
    const world = await apiRun();
    const wrong = `aiw_run_${'A'.repeat(43)}`;
    const expired = await issueRunToken(db.db, {
      runId: world.runId,
      repoId: world.feature.repoId,
      issueNumber: world.subtask.issueNumber,
      ttlSeconds: 60,
      now: new Date(Date.now() - 2 * 60 * 60 * 1000),
    });
    for (const [token, reason] of [
      [wrong, 'not a valid run token'],
      ['not-even-shaped-like-one', 'not a valid run token'],
      [expired.token, 'expired'],
    ] as const) {
      const response = await rawPost(INITIALIZE, { authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(reason);
      await expect(connect(token)).rejects.toMatchObject({ code: 401 });
    }

    // Revoked while a session is open: the next call is refused and the session ends.
    const client = await connect(world.token);
    await structured(client, 'get_task');
    expect(await revokeRunTokens(db.db, world.runId)).toBe(2);
    await expect(client.callTool({ name: 'get_task', arguments: {} })).rejects.toMatchObject({ code: 401 });
    const revoked = await rawPost(INITIALIZE, { authorization: `Bearer ${world.token}` });
    expect(((await revoked.json()) as { error: { message: string } }).error.message).toContain('revoked');
  });

  it('keeps a session to the token that opened it', async () => {
    const first = await apiRun();
    const second = await apiRun();
    const transport = transportFor(first.token);
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    clients.push(client);
    await client.connect(transport);
    const sessionId = transport.sessionId;
    expect(sessionId).toBeTruthy();

    const listTools = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    const hijack = await rawPost(listTools, {
      authorization: `Bearer ${second.token}`,
      'mcp-session-id': sessionId!,
      'mcp-protocol-version': '2025-06-18',
    });
    expect(hijack.status).toBe(403);
    expect(((await hijack.json()) as { error: { message: string } }).error.message).toContain(
      'another run token',
    );

    const own = await rawPost(listTools, {
      authorization: `Bearer ${first.token}`,
      'mcp-session-id': sessionId!,
      'mcp-protocol-version': '2025-06-18',
    });
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('get_next_task');
  });

  it('serves the SSE stream on GET and ends the session on DELETE', async () => {
    const world = await apiRun();
    const auth = { authorization: `Bearer ${world.token}` };
    const initialized = await rawPost(INITIALIZE, auth);
    expect(initialized.status).toBe(200);
    const sessionId = initialized.headers.get('mcp-session-id');
    expect(sessionId).toBeTruthy();
    await initialized.text();
    const headers = { ...auth, 'mcp-session-id': sessionId!, 'mcp-protocol-version': '2025-06-18' };
    const notified = await rawPost({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
    expect(notified.status).toBe(202);

    const abort = new AbortController();
    const stream = await fetch(mcpUrl, {
      headers: { ...headers, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const second = await fetch(mcpUrl, { headers: { ...headers, accept: 'text/event-stream' } });
    expect(second.status).toBe(409);
    abort.abort();

    const otherToken = (await apiRun()).token;
    const foreignGet = await fetch(mcpUrl, {
      headers: { ...headers, authorization: `Bearer ${otherToken}`, accept: 'text/event-stream' },
    });
    expect(foreignGet.status).toBe(403);

    const before = endpoint.sessionCount();
    const ended = await fetch(mcpUrl, { method: 'DELETE', headers });
    expect(ended.status).toBe(200);
    expect(endpoint.sessionCount()).toBe(before - 1);
    const after = await rawPost({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, headers);
    expect(after.status).toBe(404);
  });

  it('ends the session of an SDK client that terminates it', async () => {
    const world = await apiRun();
    const transport = transportFor(world.token);
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    clients.push(client);
    await client.connect(transport);
    const before = endpoint.sessionCount();
    await transport.terminateSession();
    expect(endpoint.sessionCount()).toBe(before - 1);
    // The client forgot the session id with it: a request without one must initialize first.
    await expect(client.listTools()).rejects.toMatchObject({ code: 400 });
  });

  it('keeps at most four sessions per run, closing the least recently used', async () => {
    const world = await apiRun();
    const before = endpoint.sessionCount();
    const agents: Client[] = [];
    for (let i = 0; i < 5; i++) agents.push(await connect(world.token));
    expect(endpoint.sessionCount()).toBe(before + 4);
    await expect(agents[0]!.listTools()).rejects.toMatchObject({ code: 404 });
    expect((await agents[4]!.listTools()).tools).toHaveLength(MCP_TOOL_NAMES.length);
  });

  it('answers malformed and oversized bodies with JSON-RPC errors', async () => {
    const { token } = await apiRun();
    const auth = { authorization: `Bearer ${token}` };
    const malformed = await rawPost('{"jsonrpc": "2.0", ', auth);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const huge = await rawPost({ ...INITIALIZE, padding: 'x'.repeat(1_100_000) }, auth);
    expect(huge.status).toBe(413);
    const notInitialize = await rawPost({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, auth);
    expect(notInitialize.status).toBe(400);
  });
});

describe('token storage', () => {
  it('stores only the hash of a token', async () => {
    const world = await apiRun();
    const [row] = await db.db.select().from(agentTokens).where(eq(agentTokens.runId, world.runId));
    expect(row?.tokenHash).toBe(createHash('sha256').update(world.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(world.token);
  });
});
