import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  KubernetesRunner,
  KubernetesRunnerError,
  renderAgentSecret,
} from '../../src/agents/runners/kubernetes.ts';
import type { RunStatus } from '../../src/agents/runners/types.ts';
import { agentRunSpec } from '../fakes/kubernetes/run-spec.ts';
import { type KubernetesFake, startKubernetesFake } from '../fakes/kubernetes/server.ts';

/**
 * The Kubernetes runner through the real `@kubernetes/client-node` against the Kubernetes
 * fake: what it creates, how runs end, cancelling, re-attaching and watching.
 */

const NAMESPACE = 'agents';
const IMAGE = 'registry.example.com/aiworker-agent:1.4.2';
const JOBS_PATH = `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`;

let fake: KubernetesFake;
let runners: KubernetesRunner[];

function newRunner(
  overrides: Partial<ConstructorParameters<typeof KubernetesRunner>[0]> = {},
): KubernetesRunner {
  const runner = new KubernetesRunner({
    namespace: NAMESPACE,
    image: IMAGE,
    connection: { kind: 'token', server: fake.url, token: fake.token },
    watchRetryMs: { initial: 20, max: 200 },
    ...overrides,
  });
  runners.push(runner);
  return runner;
}

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const decode = (value: unknown) => Buffer.from(String(value), 'base64').toString('utf8');

beforeEach(async () => {
  fake = await startKubernetesFake({
    namespaces: { [NAMESPACE]: { podSecurity: 'restricted' }, default: {} },
  });
  runners = [];
});

afterEach(async () => {
  for (const runner of runners) await runner.close();
  await fake.close();
});

describe('start', () => {
  it('creates the Secret, then the Job, then makes the Job own the Secret', async () => {
    const runner = newRunner();
    const spec = agentRunSpec(7);
    expect(await runner.start(spec)).toEqual({ externalId: 'aiworker-run-7' });

    const writes = fake.requests
      .filter((r) => r.method !== 'GET')
      .map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(writes).toEqual([
      'POST /api/v1/namespaces/agents/secrets 201',
      'POST /apis/batch/v1/namespaces/agents/jobs 201',
      'PATCH /api/v1/namespaces/agents/secrets/aiworker-run-7-tokens 200',
    ]);
    const job = fake.job('aiworker-run-7', NAMESPACE)!;
    expect(() => new Job(job as unknown as ConstructorParameters<typeof Job>[0]).validate()).not.toThrow();
    const secret = fake.secret('aiworker-run-7-tokens', NAMESPACE)!;
    expect(secret.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: 'aiworker-run-7',
        uid: job.metadata.uid,
        blockOwnerDeletion: false,
      },
    ]);
    const data = secret.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['AIWORKER_GIT_TOKEN', 'AIWORKER_MCP_TOKEN']);
    expect(decode(data.AIWORKER_MCP_TOKEN)).toBe(spec.env.AIWORKER_MCP_TOKEN);
    expect(decode(data.AIWORKER_GIT_TOKEN)).toBe(spec.env.AIWORKER_GIT_TOKEN);
  });

  it('passes Pod Security "restricted": the pod is created and no warning comes back', async () => {
    await newRunner().start(agentRunSpec(7));
    const create = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/jobs'))!;
    expect(create.warnings).toEqual([]);
    const pods = fake.pods('aiworker-run-7', NAMESPACE);
    expect(pods).toHaveLength(1);
    expect(pods[0]!.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('aiworker');
  });

  it('is idempotent: starting a run twice, in turn or at once, makes one Job and one Secret', async () => {
    const runner = newRunner();
    const spec = agentRunSpec(7);
    const first = await runner.start(spec);
    const second = await runner.start(spec);
    expect(second).toEqual(first);
    const [a, b] = await Promise.all([runner.start(agentRunSpec(8)), newRunner().start(agentRunSpec(8))]);
    expect(a).toEqual(b);
    expect(fake.jobs(NAMESPACE).map((j) => j.metadata.name)).toEqual(['aiworker-run-7', 'aiworker-run-8']);
    expect(fake.secrets(NAMESPACE).map((s) => s.metadata.name)).toEqual([
      'aiworker-run-7-tokens',
      'aiworker-run-8-tokens',
    ]);
    const job8 = fake.job('aiworker-run-8')!;
    expect(fake.secret('aiworker-run-8-tokens')!.metadata.ownerReferences?.map((r) => r.uid)).toEqual([
      job8.metadata.uid,
    ]);
    expect(fake.pods(undefined, NAMESPACE)).toHaveLength(2);
  });

  it('reuses the Secret a crashed start left behind, with the fresh tokens', async () => {
    const stale = renderAgentSecret(
      agentRunSpec(7, { env: { ...agentRunSpec(7).env, AIWORKER_GIT_TOKEN: 'old-token-xyz' } }),
      {
        namespace: NAMESPACE,
      },
    );
    fake.create('secrets', NAMESPACE, stale);
    const spec = agentRunSpec(7);
    await newRunner().start(spec);
    const secret = fake.secret('aiworker-run-7-tokens', NAMESPACE)!;
    expect(decode((secret.data as Record<string, string>).AIWORKER_GIT_TOKEN)).toBe(
      spec.env.AIWORKER_GIT_TOKEN,
    );
    expect(secret.metadata.ownerReferences?.[0]?.uid).toBe(fake.job('aiworker-run-7')!.metadata.uid);
  });

  it('removes the Secret again when the API server refuses the Job, and says why', async () => {
    fake.failNext({
      method: 'POST',
      resource: 'jobs',
      code: 403,
      reason: 'Forbidden',
      message:
        'jobs.batch "aiworker-run-7" is forbidden: exceeded quota: aiworker-agents, requested: count/jobs.batch=1',
    });
    const error = await newRunner()
      .start(agentRunSpec(7))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesRunnerError);
    expect((error as Error).message).toMatch(/create Job aiworker-run-7.*403 Forbidden.*exceeded quota/);
    expect(fake.jobs(NAMESPACE)).toEqual([]);
    expect(fake.secrets(NAMESPACE)).toEqual([]);
  });

  it('recreates a Secret deleted by hand while its Job still waits for it', async () => {
    const runner = newRunner();
    await runner.start(agentRunSpec(7));
    await runner.sweepOrphanSecrets();
    fake.requests.length = 0;
    // Deleted out of band (kubectl), before the container could start.
    const response = await fetch(`${fake.url}/api/v1/namespaces/${NAMESPACE}/secrets/aiworker-run-7-tokens`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${fake.token}` },
    });
    expect(response.status).toBe(200);
    await runner.start(agentRunSpec(7));
    const secret = fake.secret('aiworker-run-7-tokens', NAMESPACE)!;
    expect(secret.metadata.ownerReferences?.[0]?.uid).toBe(fake.job('aiworker-run-7')!.metadata.uid);
    expect(fake.jobs(NAMESPACE)).toHaveLength(1);
  });

  it('fails with the API server message when the token is wrong', async () => {
    const runner = new KubernetesRunner({
      namespace: NAMESPACE,
      image: IMAGE,
      connection: { kind: 'token', server: fake.url, token: 'wrong' },
    });
    runners.push(runner);
    await expect(runner.start(agentRunSpec(7))).rejects.toThrow(/Kubernetes runner could not .*401/);
    expect(fake.jobs(NAMESPACE)).toEqual([]);
  });
});

describe('status', () => {
  it('follows a run from pending through running to succeeded', async () => {
    const runner = newRunner();
    const { externalId } = await runner.start(agentRunSpec(7));
    expect((await runner.status(externalId))?.phase).toBe('pending');
    fake.advance(externalId, 'active');
    const running = await runner.status(externalId);
    expect(running?.phase).toBe('running');
    expect(running?.startedAt).toBeInstanceOf(Date);
    fake.advance(externalId, 'complete', { logs: 'opened PR #12\n' });
    const done = await runner.status(externalId);
    expect(done).toMatchObject({ phase: 'succeeded', exitCode: 0 });
    expect(done?.finishedAt).toBeInstanceOf(Date);
    expect(done?.logTail).toBeUndefined();
  });

  it('a failed run carries its exit code and its last 50 log lines, tokens removed', async () => {
    const runner = newRunner();
    const spec = agentRunSpec(7);
    const { externalId } = await runner.start(spec);
    fake.advance(externalId, 'active');
    const lines = Array.from({ length: 80 }, (_, i) => `step ${i + 1}`);
    lines[75] = `git push https://bot:${spec.env.AIWORKER_GIT_TOKEN}@gitea.example.com/acme/web-shop.git`;
    lines[76] = `mcp token ${spec.env.AIWORKER_MCP_TOKEN}`;
    lines[79] = 'fatal: tests failed';
    fake.advance(externalId, 'failed', { exitCode: 2, logs: `${lines.join('\n')}\n` });

    const status = (await runner.status(externalId))!;
    expect(status.phase).toBe('failed');
    expect(status.exitCode).toBe(2);
    expect(status.message).toBe('BackoffLimitExceeded: the agent exited with code 2');
    const tail = status.logTail!.split('\n');
    expect(tail).toHaveLength(50);
    expect(tail[0]).toBe('step 31');
    expect(tail[49]).toBe('fatal: tests failed');
    expect(status.logTail).not.toContain(spec.env.AIWORKER_GIT_TOKEN);
    expect(status.logTail).not.toContain(spec.env.AIWORKER_MCP_TOKEN);
    const logRequest = fake.requests.find((r) => r.path.endsWith('/log'))!;
    expect(logRequest.query).toMatchObject({ container: 'agent', tailLines: '50' });
    expect(Number(logRequest.query.limitBytes)).toBeGreaterThan(0);
  });

  it('a run past its deadline fails with DeadlineExceeded and how long it was allowed', async () => {
    const runner = newRunner();
    const { externalId } = await runner.start(agentRunSpec(7, { deadlineSeconds: 900 }));
    fake.advance(externalId, 'active');
    fake.advance(externalId, 'failed', { reason: 'DeadlineExceeded' });
    const status = (await runner.status(externalId))!;
    expect(status.phase).toBe('failed');
    expect(status.message).toBe('DeadlineExceeded: ran longer than 900 s');
    // The Job controller killed the pod: there is no exit code to report.
    expect(status.exitCode).toBeUndefined();
  });

  it('a run whose image cannot be pulled stays pending and says why', async () => {
    const runner = newRunner();
    const { externalId } = await runner.start(agentRunSpec(7));
    fake.advance(externalId, 'waiting', { reason: 'ErrImagePull', message: 'manifest unknown' });
    expect(await runner.status(externalId)).toMatchObject({
      phase: 'pending',
      message: 'waiting to start: ErrImagePull: manifest unknown',
    });
  });

  it('knows nothing of runs it never started', async () => {
    const runner = newRunner();
    expect(await runner.status('aiworker-run-99')).toBeNull();
    expect(await runner.status('some-other-job')).toBeNull();
  });
});

describe('cancel', () => {
  it('deletes the Job in the background, its pod and its Secret', async () => {
    const runner = newRunner();
    const { externalId } = await runner.start(agentRunSpec(7));
    fake.advance(externalId, 'active');
    await runner.cancel(externalId);
    const deletion = fake.requests.find(
      (r) => r.method === 'DELETE' && r.path.endsWith('/jobs/aiworker-run-7'),
    )!;
    expect(deletion.query.propagationPolicy).toBe('Background');
    expect(fake.jobs(NAMESPACE)).toEqual([]);
    expect(fake.pods(undefined, NAMESPACE)).toEqual([]);
    expect(fake.secrets(NAMESPACE)).toEqual([]);
    expect(await runner.status(externalId)).toBeNull();
  });

  it('is a no-op for a finished run, an unknown run and a second cancel', async () => {
    const runner = newRunner();
    const { externalId } = await runner.start(agentRunSpec(7));
    fake.advance(externalId, 'complete');
    await runner.cancel(externalId);
    expect((await runner.status(externalId))?.phase).toBe('succeeded');
    await runner.cancel('aiworker-run-404');
    await runner.cancel('not-ours');
    const other = await runner.start(agentRunSpec(8));
    await runner.cancel(other.externalId);
    await runner.cancel(other.externalId);
    expect(fake.jobs(NAMESPACE).map((j) => j.metadata.name)).toEqual(['aiworker-run-7']);
  });
});

describe('list (re-attach after a restart)', () => {
  it("a new runner lists the runs it manages with their status, and nothing that isn't its own", async () => {
    const before = newRunner();
    await before.start(agentRunSpec(7));
    await before.start(agentRunSpec(8));
    await before.start(agentRunSpec(9));
    fake.advance('aiworker-run-8', 'active');
    fake.advance('aiworker-run-9', 'failed', { exitCode: 1, logs: 'npm ERR! missing script: build\n' });
    fake.create('jobs', NAMESPACE, {
      metadata: { name: 'nightly-backup' },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'backup',
                image: 'backup:1',
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  runAsNonRoot: true,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
              },
            ],
          },
        },
      },
    });
    await before.close();

    const after = newRunner();
    const runs = await after.list();
    expect(runs.map((r) => [r.externalId, r.runId, r.status.phase])).toEqual([
      ['aiworker-run-7', 7, 'pending'],
      ['aiworker-run-8', 8, 'running'],
      ['aiworker-run-9', 9, 'failed'],
    ]);
    expect(runs[2]!.status).toMatchObject({ exitCode: 1, logTail: 'npm ERR! missing script: build' });
  });
});

describe('sweeping run Secrets', () => {
  it('deletes a Secret without a Job once it is older than the grace period', async () => {
    const runner = newRunner({ orphanSecretGraceSeconds: 300 });
    fake.create('secrets', NAMESPACE, renderAgentSecret(agentRunSpec(5), { namespace: NAMESPACE }));
    expect(await runner.sweepOrphanSecrets()).toEqual({ deleted: [], adopted: [] });
    expect(fake.secret('aiworker-run-5-tokens')).toBeDefined();
    const later = new Date(Date.now() + 301_000);
    expect(await runner.sweepOrphanSecrets(later)).toEqual({
      deleted: ['aiworker-run-5-tokens'],
      adopted: [],
    });
    expect(fake.secrets(NAMESPACE)).toEqual([]);
  });

  it('gives an owner to a Secret whose Job exists (start interrupted before the patch)', async () => {
    const runner = newRunner();
    fake.failNext({
      method: 'PATCH',
      resource: 'secrets',
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'etcd leader changed',
    });
    const { externalId } = await runner.start(agentRunSpec(7));
    expect(fake.secret('aiworker-run-7-tokens')!.metadata.ownerReferences).toBeUndefined();
    expect(await runner.sweepOrphanSecrets()).toEqual({ deleted: [], adopted: ['aiworker-run-7-tokens'] });
    // Now the garbage collector takes the Secret with the Job.
    await runner.cancel(externalId);
    expect(fake.secrets(NAMESPACE)).toEqual([]);
  });
});

describe('watch', () => {
  type Change = [string, number, RunStatus];

  it('calls back on phase changes only, with details for ended runs', async () => {
    const runner = newRunner();
    const changes: Change[] = [];
    const stop = runner.watch((id, runId, status) => changes.push([id, runId, status]));
    await until('the watch to open', () => fake.openWatches() === 1);
    const { externalId } = await runner.start(agentRunSpec(7));
    await until('pending', () => changes.length === 1);
    fake.advance(externalId, 'active');
    fake.advance(externalId, 'active');
    fake.advance(externalId, 'failed', { exitCode: 3, logs: 'boom\n' });
    await until('failed', () => changes.some(([, , s]) => s.phase === 'failed'));
    expect(changes.map(([id, runId, s]) => [id, runId, s.phase])).toEqual([
      ['aiworker-run-7', 7, 'pending'],
      ['aiworker-run-7', 7, 'running'],
      ['aiworker-run-7', 7, 'failed'],
    ]);
    expect(changes[2]![2]).toMatchObject({ exitCode: 3, logTail: 'boom' });
    stop();
    await until('the watch to close', () => fake.openWatches() === 0);
  });

  it('reports a run whose Job is deleted before it finished as cancelled', async () => {
    const runner = newRunner();
    const { externalId } = await runner.start(agentRunSpec(7));
    fake.advance(externalId, 'active');
    const changes: Change[] = [];
    runner.watch((id, runId, status) => changes.push([id, runId, status]));
    await until('running', () => changes.length === 1);
    await runner.cancel(externalId);
    await until('cancelled', () => changes.length === 2);
    expect(changes.map(([, , s]) => s.phase)).toEqual(['running', 'cancelled']);
  });

  it('survives 410 Gone: re-lists, reports what changed meanwhile, and watches again', async () => {
    const runner = newRunner();
    const changes: Change[] = [];
    runner.watch((id, runId, status) => changes.push([id, runId, status]));
    const { externalId } = await runner.start(agentRunSpec(7));
    await until('pending', () => changes.length === 1);
    const listsBefore = fake.requests.filter(
      (r) => r.path.endsWith('/jobs') && r.query.watch !== 'true',
    ).length;

    expect(fake.expireWatches()).toBe(1);
    // Happens while no watch is open; only the fresh list can tell.
    fake.advance(externalId, 'complete');
    await until('succeeded', () => changes.some(([, , s]) => s.phase === 'succeeded'));
    await until('a new watch', () => fake.openWatches() === 1);

    const listsAfter = fake.requests.filter(
      (r) => r.path.endsWith('/jobs') && r.query.watch !== 'true',
    ).length;
    expect(listsAfter).toBeGreaterThan(listsBefore);
    expect(changes.map(([, , s]) => s.phase)).toEqual(['pending', 'succeeded']);

    // And the new watch delivers live changes again.
    await runner.start(agentRunSpec(8));
    await until('run 8', () => changes.some(([, runId]) => runId === 8));
  });

  it('resumes after a watch the server ends normally, without repeating reports', async () => {
    const runner = newRunner();
    const changes: Change[] = [];
    runner.watch((id, runId, status) => changes.push([id, runId, status]));
    const { externalId } = await runner.start(agentRunSpec(7));
    await until('pending', () => changes.length === 1);
    expect(fake.endWatches()).toBe(1);
    await until('a new watch', () => fake.openWatches() === 1);
    fake.advance(externalId, 'active');
    await until('running', () => changes.length === 2);
    expect(changes.map(([, , s]) => s.phase)).toEqual(['pending', 'running']);
  });

  it('the periodic re-list catches a change a silently stalled watch never delivered', async () => {
    const runner = newRunner({ resyncSeconds: 0.1 });
    const changes: Change[] = [];
    runner.watch((id, runId, status) => changes.push([id, runId, status]));
    const { externalId } = await runner.start(agentRunSpec(7));
    await until('pending', () => changes.length === 1);
    const watchRequests = () => fake.requests.filter((r) => r.query.watch === 'true').length;
    const watchesBefore = watchRequests();
    expect(fake.stallWatches()).toBe(1);
    fake.advance(externalId, 'active');
    await until('running', () => changes.length === 2);
    expect(changes.map(([, , s]) => s.phase)).toEqual(['pending', 'running']);
    // The stalled watch is replaced, not left open beside a new one.
    await until('a fresh watch', () => watchRequests() > watchesBefore && fake.openWatches() === 1);
  });

  it('keeps retrying while the API server is unreachable, and catches up after', async () => {
    const runner = newRunner();
    const changes: Change[] = [];
    fake.failNext({
      method: 'GET',
      path: JOBS_PATH,
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'apiserver restarting',
    });
    fake.failNext({
      method: 'GET',
      path: JOBS_PATH,
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'apiserver restarting',
    });
    runner.watch((id, runId, status) => changes.push([id, runId, status]));
    await runner.start(agentRunSpec(7));
    await until('pending', () => changes.length === 1);
    expect(fake.requests.filter((r) => r.status === 503)).toHaveLength(2);
    expect(changes[0]![2].phase).toBe('pending');
  });
});

describe('permissions', () => {
  it('every call the runner makes is allowed by the agents Role in k8s/agents', async () => {
    const runner = newRunner();
    const changes: RunStatus[] = [];
    runner.watch((_id, _runId, status) => changes.push(status));
    const { externalId } = await runner.start(agentRunSpec(7));
    await runner.start(agentRunSpec(7));
    fake.advance(externalId, 'failed', { exitCode: 1, logs: 'x\n' });
    await until('failed', () => changes.some((s) => s.phase === 'failed'));
    await runner.status(externalId);
    await runner.list();
    await runner.start(agentRunSpec(8));
    await runner.cancel('aiworker-run-8');
    fake.create('secrets', NAMESPACE, renderAgentSecret(agentRunSpec(9), { namespace: NAMESPACE }));
    await runner.sweepOrphanSecrets(new Date(Date.now() + 3600_000));

    const rbac = readFileSync(path.resolve(import.meta.dirname, '../../k8s/agents/rbac.yaml'), 'utf8');
    const role = parseAllDocuments(rbac)
      .map(
        (d) =>
          d.toJS() as {
            kind: string;
            rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
          },
      )
      .find((d) => d.kind === 'Role')!;
    const allowed = new Set(
      role.rules!.flatMap((r) =>
        r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
      ),
    );
    const used = new Set(
      fake.requests.map((r) => {
        const match =
          /^\/(?:api\/v1|apis\/(batch)\/v1)\/namespaces\/[^/]+\/([^/]+)(?:\/([^/]+)(?:\/(log))?)?$/.exec(
            r.path,
          )!;
        const [, group = '', resource, name, sub] = match;
        const verb =
          r.method === 'GET'
            ? r.query.watch === 'true'
              ? 'watch'
              : name
                ? 'get'
                : 'list'
            : ({ POST: 'create', PATCH: 'patch', DELETE: 'delete', PUT: 'update' } as Record<string, string>)[
                r.method
              ]!;
        return `${group}/${resource}${sub ? `/${sub}` : ''}:${verb}`;
      }),
    );
    expect([...used].filter((u) => !allowed.has(u))).toEqual([]);
    expect(used).toContain('batch/jobs:watch');
    expect(used).toContain('/pods/log:get');
  });
});
