import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_RESOURCES, KubernetesRunner } from '../../src/agents/runners/kubernetes.ts';
import { agentRuns } from '../../src/db/schema.ts';
import { type KubernetesFake, startKubernetesFake } from '../fakes/kubernetes/server.ts';
import type { KubeObject } from '../fakes/kubernetes/types.ts';
import { BOT, botComments, type Harness, REPO, startHarness } from './harness.ts';

/**
 * The agent dispatch through the Kubernetes runner against the Kubernetes fake: the whole bot
 * (webhooks, workers, `/mcp`, dispatcher) turns each ready subtask into a Job. The test plays
 * the cluster (moving Jobs forward) and the agent inside the pod (reading its tokens from the
 * run's Secret and talking to `/mcp` with the real MCP SDK client).
 */

const NAMESPACE = 'aiworker-agents';
const IMAGE = 'registry.example/aiworker-agent:1';
const SECTION_9_ENV = [
  'AIWORKER_BRANCH',
  'AIWORKER_GIT_TOKEN',
  'AIWORKER_MCP_TOKEN',
  'AIWORKER_MCP_URL',
  'AIWORKER_RUN_ID',
  'AIWORKER_TASK',
  'GITEA_URL',
];

let fake: KubernetesFake;
let h: Harness;

beforeAll(async () => {
  fake = await startKubernetesFake({
    namespaces: { [NAMESPACE]: { podSecurity: 'restricted' }, default: {} },
  });
  const runner = new KubernetesRunner({
    namespace: NAMESPACE,
    image: IMAGE,
    connection: { kind: 'token', server: fake.url, token: fake.token },
    watchRetryMs: { initial: 50, max: 500 },
  });
  h = await startHarness({
    label: 'agents_kubernetes',
    env: {
      AGENT_RUNNER: 'kubernetes',
      AGENT_IMAGE: IMAGE,
      AGENT_NAMESPACE: NAMESPACE,
      GITEA_BOT_PASSWORD: 'bot-password-123',
    },
    agents: { runner, reconcileIntervalMs: 1_000 },
  });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}

const subtasksOf = (parent: number) =>
  h.gitea
    .issues(REPO)
    .filter((i) => i.user === BOT && i.body.includes(`<!-- aiworker:subtask parent=${parent} `))
    .sort((a, b) => a.number - b.number);

const labelsOf = (number: number) => h.gitea.issue(REPO, number)?.labels ?? [];

/** The agent Jobs of one subtask issue, oldest run first. */
const jobsOfIssue = (number: number) =>
  fake
    .jobs(NAMESPACE)
    .filter((j) => j.metadata.labels?.['aiworker.dev/issue'] === String(number))
    .sort(
      (a, b) =>
        Number(a.metadata.labels?.['aiworker.dev/run-id']) -
        Number(b.metadata.labels?.['aiworker.dev/run-id']),
    );

const runsOfIssue = async (number: number) =>
  (await h.db.db.select().from(agentRuns).orderBy(agentRuns.id)).filter((r) => r.issueNumber === number);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

interface PodSpec {
  restartPolicy: string;
  automountServiceAccountToken?: boolean;
  securityContext: Record<string, unknown>;
  containers: Array<{
    name: string;
    image: string;
    env: EnvVar[];
    resources: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext: Record<string, unknown>;
  }>;
}

interface JobSpec {
  backoffLimit: number;
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  template: { spec: PodSpec };
}

const jobSpec = (job: KubeObject) => job.spec as JobSpec;
const agentContainer = (job: KubeObject) => jobSpec(job).template.spec.containers[0]!;
const plainEnv = (job: KubeObject, name: string) =>
  agentContainer(job).env.find((e) => e.name === name)?.value;

/** What the agent inside the pod sees: the Job's plain env plus its tokens from the run's Secret. */
function agentEnvironment(job: KubeObject): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of agentContainer(job).env) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value;
      continue;
    }
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) throw new Error(`env ${variable.name} has neither a value nor a secretKeyRef`);
    const secret = fake.secret(ref.name, NAMESPACE);
    const data = (secret?.data ?? {}) as Record<string, string>;
    const encoded = data[ref.key];
    if (encoded === undefined) throw new Error(`Secret ${ref.name} has no key ${ref.key}`);
    env[variable.name] = Buffer.from(encoded, 'base64').toString('utf8');
  }
  return env;
}

async function mcpClient(env: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'k8s-agent-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(env.AIWORKER_MCP_URL!), {
      requestInit: { headers: { Authorization: `Bearer ${env.AIWORKER_MCP_TOKEN}` } },
    }),
  );
  return client;
}

async function callTool<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}

/** A raw MCP `initialize` with a bearer token: what an agent's first request looks like. */
async function mcpInitializeStatus(url: string, token: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'probe', version: '1' },
      },
    }),
  });
  await response.body?.cancel();
  return response.status;
}

describe('agents on Kubernetes', () => {
  it('runs a subtask as a locked-down Job; a failed Job is reported, /retry runs it again and the merge unblocks dependents', async () => {
    const { gitea } = h;
    const issue = await gitea.as('alice').openIssue(REPO, {
      title: 'Export orders as CSV',
      body: 'Admins download all orders of a month as a CSV file.',
      labels: ['ai'],
    });
    await h.settle();
    await gitea.as('alice').comment(REPO, issue.number, '/spec');
    await h.settle();
    await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
    await h.settle();

    const subtasks = subtasksOf(issue.number);
    const ready = subtasks.filter((s) => gitea.dependencies(REPO, s.number).length === 0);
    expect(ready.length).toBeGreaterThan(0);

    // 1. One Job per ready subtask, and nothing for the blocked ones.
    for (const s of ready) await waitFor(`a Job for #${s.number}`, () => jobsOfIssue(s.number).length === 1);
    for (const s of subtasks.filter((x) => !ready.includes(x))) expect(jobsOfIssue(s.number)).toEqual([]);

    const s = ready[0]!;
    await waitFor(`#${s.number} to be running`, () => labelsOf(s.number).includes('ai-status/running'));
    const [firstRun] = await runsOfIssue(s.number);
    expect(firstRun).toMatchObject({ attempt: 1, status: 'running' });
    const job = jobsOfIssue(s.number)[0]!;
    expect(job.metadata.name).toBe(`aiworker-run-${firstRun!.id}`);
    expect(job.metadata.namespace).toBe(NAMESPACE);

    const spec = jobSpec(job);
    expect(spec.backoffLimit).toBe(0);
    expect(spec.activeDeadlineSeconds).toBe(60 * 60);
    expect(spec.ttlSecondsAfterFinished).toBe(3600);
    const pod = spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers).toHaveLength(1);
    const container = agentContainer(job);
    expect(container.image).toBe(IMAGE);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.resources.limits).toEqual(DEFAULT_AGENT_RESOURCES.limits);
    // The namespace enforces Pod Security `restricted`: the pod was admitted.
    expect(fake.pods(job.metadata.name, NAMESPACE)).toHaveLength(1);
    // Exactly the agent variables of docs/architecture.md §2, the two tokens only by reference to the run's Secret.
    expect(container.env.map((e) => e.name).sort()).toEqual(SECTION_9_ENV);
    const secretName = `aiworker-run-${firstRun!.id}-tokens`;
    for (const name of ['AIWORKER_MCP_TOKEN', 'AIWORKER_GIT_TOKEN']) {
      const variable = container.env.find((e) => e.name === name)!;
      expect(variable.value).toBeUndefined();
      expect(variable.valueFrom?.secretKeyRef).toEqual({ name: secretName, key: name });
    }
    expect(plainEnv(job, 'AIWORKER_TASK')).toBe(`${REPO}#${s.number}`);
    expect(plainEnv(job, 'AIWORKER_RUN_ID')).toBe(String(firstRun!.id));
    expect(plainEnv(job, 'AIWORKER_MCP_URL')).toBe(`${h.runtime.url}/mcp`);
    expect(plainEnv(job, 'GITEA_URL')).toBe(gitea.url);
    expect(plainEnv(job, 'AIWORKER_BRANCH')).toMatch(new RegExp(`^ai/${s.number}-[a-z0-9-]+$`));
    // The run's Secret is deleted together with its Job.
    await waitFor('the Secret to be owned by its Job', () =>
      fake
        .secret(secretName, NAMESPACE)
        ?.metadata.ownerReferences?.some((r) => r.kind === 'Job' && r.uid === job.metadata.uid),
    );

    // The first attempt's agent starts: its token works, and it gets its task.
    const firstEnv = agentEnvironment(job);
    const first = await mcpClient(firstEnv);
    const task = await callTool<{ issueNumber: number; branch: string }>(first, 'get_task', {});
    expect(task).toMatchObject({ issueNumber: s.number, branch: firstEnv.AIWORKER_BRANCH });
    await first.close();

    // 2. The Job fails: a failure comment with the exit code and the last log lines.
    fake.advance(job.metadata.name, 'active');
    fake.advance(job.metadata.name, 'failed', {
      exitCode: 3,
      logs: 'running the tests\nFAIL src/orders/export.test.ts > exports a month\nAssertionError: expected 0 to be 12\n',
    });
    await waitFor(`#${s.number} to fail`, () => labelsOf(s.number).includes('ai-status/failed'));
    await h.settle();
    const failure = botComments(gitea, s.number, 'run');
    expect(failure).toHaveLength(1);
    expect(failure[0]!.body).toContain('failed (attempt 1)');
    expect(failure[0]!.body).toContain('the agent exited with code 3');
    expect(failure[0]!.body).toContain('**Exit code:** 3');
    expect(failure[0]!.body).toMatch(
      /```text\n[\s\S]*FAIL src\/orders\/export\.test\.ts > exports a month\nAssertionError: expected 0 to be 12[\s\S]*```/,
    );
    expect(failure[0]!.body).not.toContain(firstEnv.AIWORKER_MCP_TOKEN!);
    expect(failure[0]!.body).not.toContain(firstEnv.AIWORKER_GIT_TOKEN!);
    expect((await runsOfIssue(s.number))[0]).toMatchObject({ status: 'failed', exitCode: 3, attempt: 1 });
    // The failed run's MCP token no longer opens a session.
    expect(await mcpInitializeStatus(firstEnv.AIWORKER_MCP_URL!, firstEnv.AIWORKER_MCP_TOKEN!)).toBe(401);

    // 3. /retry: a new Job for attempt 2, on the same branch.
    await gitea.as('alice').comment(REPO, s.number, '/retry');
    await h.settle();
    const retryJob = await waitFor('the Job of attempt 2', () => jobsOfIssue(s.number)[1]);
    expect(retryJob.metadata.labels?.['aiworker.dev/attempt']).toBe('2');
    expect(retryJob.metadata.name).not.toBe(job.metadata.name);
    await waitFor(`#${s.number} to be running again`, () => labelsOf(s.number).includes('ai-status/running'));
    await waitFor('the retry Secret to be in place', () =>
      fake.secret(`${retryJob.metadata.name}-tokens`, NAMESPACE),
    );
    const env = agentEnvironment(retryJob);
    expect(env.AIWORKER_BRANCH).toBe(firstEnv.AIWORKER_BRANCH);
    expect(env.AIWORKER_MCP_TOKEN).not.toBe(firstEnv.AIWORKER_MCP_TOKEN);
    fake.advance(retryJob.metadata.name, 'active');

    // The agent of attempt 2 reports, pushes its branch with its git token, and opens the PR.
    const agent = await mcpClient(env);
    const view = await callTool<{ title: string; baseBranch: string }>(agent, 'get_task', {});
    await callTool(agent, 'post_progress', { message: 'Writing the CSV export; tests next.' });
    const file = 'src/orders/export.ts';
    const pushed = await fetch(`${env.GITEA_URL}/api/v1/repos/${REPO}/contents/${file}`, {
      method: 'POST',
      headers: { Authorization: `token ${env.AIWORKER_GIT_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        branch: view.baseBranch,
        new_branch: env.AIWORKER_BRANCH,
        message: `#${s.number}: ${view.title}`,
        content: Buffer.from('export function ordersCsv() { return ""; }\n').toString('base64'),
      }),
    });
    expect(pushed.status).toBe(201);
    const pr = await callTool<{ number: number }>(agent, 'open_pull_request', {
      title: view.title,
      body: 'Adds the monthly CSV export of orders.',
    });
    await agent.close();
    await h.settle();
    expect(
      botComments(gitea, s.number, 'progress').some((c) =>
        c.body.includes('Writing the CSV export; tests next.'),
      ),
    ).toBe(true);
    expect(gitea.issue(REPO, pr.number)).toMatchObject({ pull: expect.anything(), state: 'open' });

    fake.advance(retryJob.metadata.name, 'complete');
    await waitFor(`#${s.number} to reach review`, () => labelsOf(s.number).includes('ai-status/review'));
    await waitFor(
      'the second run to succeed',
      async () => (await runsOfIssue(s.number))[1]?.status === 'succeeded',
    );
    expect((await runsOfIssue(s.number)).map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);

    // Merging the pull request closes the subtask; what waited only on it becomes ready and gets a Job.
    await gitea.as('alice').mergePullRequest(REPO, pr.number);
    await h.settle();
    expect(gitea.issue(REPO, s.number)?.state).toBe('closed');
    const unblocked = subtasksOf(issue.number).filter(
      (x) =>
        x.state === 'open' &&
        gitea.dependencies(REPO, x.number).includes(s.number) &&
        gitea.dependencies(REPO, x.number).every((d) => gitea.issue(REPO, d)?.state === 'closed'),
    );
    expect(unblocked.length).toBeGreaterThan(0);
    for (const x of unblocked) {
      await waitFor(`a Job for the unblocked #${x.number}`, () => jobsOfIssue(x.number).length === 1);
      await waitFor(`#${x.number} to be running`, () => labelsOf(x.number).includes('ai-status/running'));
    }
  }, 120_000);
});
