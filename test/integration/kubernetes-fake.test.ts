import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
  Watch,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderAgentJob } from '../../src/agents/runners/kubernetes/render.ts';
import { buildKubeConfig } from '../../src/kubernetes/kubeconfig.ts';
import { agentRunSpec } from '../fakes/kubernetes/run-spec.ts';
import { type KubernetesFake, startKubernetesFake } from '../fakes/kubernetes/server.ts';

/**
 * The Kubernetes fake answers the real `@kubernetes/client-node` as kube-apiserver would:
 * Status errors, validation, Job → pod, garbage collection, patches, selectors, watches.
 */

const NS = 'agents';
let fake: KubernetesFake;
let batch: BatchV1Api;
let core: CoreV1Api;
let watch: Watch;

const restrictedContainer = {
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

function plainJob(
  name: string,
  labels: Record<string, string> = {},
  image: string | null = 'busybox:1.36',
): V1Job {
  return {
    metadata: { name, labels },
    spec: {
      template: {
        // Pods take their labels from the template, not from the Job.
        metadata: { labels: { ...labels, from: 'template' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', ...(image ? { image } : {}), ...restrictedContainer }],
        },
      },
    },
  };
}

interface StatusBody {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { causes?: Array<{ field: string; message: string }> };
}

async function apiError(call: Promise<unknown>): Promise<StatusBody> {
  const error = await call.then(
    () => {
      throw new Error('expected the API server to refuse');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  const body = (error as ApiException<string>).body;
  return JSON.parse(body) as StatusBody;
}

async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeEach(async () => {
  fake = await startKubernetesFake({ namespaces: { [NS]: { podSecurity: 'restricted' }, open: {} } });
  const config = buildKubeConfig({ kind: 'token', server: fake.url, token: fake.token });
  batch = config.makeApiClient(BatchV1Api);
  core = config.makeApiClient(CoreV1Api);
  watch = new Watch(config);
});

afterEach(async () => {
  await fake.close();
});

describe('errors as Status objects', () => {
  it('401 without the bearer token', async () => {
    const config = buildKubeConfig({ kind: 'token', server: fake.url, token: 'nope' });
    const error = await config
      .makeApiClient(CoreV1Api)
      .listNamespacedSecret({ namespace: NS })
      .catch((e: unknown) => e);
    expect((error as ApiException<unknown>).code).toBe(401);
  });

  it('404 NotFound for a missing Job and for a namespace that does not exist', async () => {
    expect(await apiError(batch.readNamespacedJob({ name: 'nope', namespace: NS }))).toMatchObject({
      kind: 'Status',
      code: 404,
      reason: 'NotFound',
      message: 'jobs.batch "nope" not found',
    });
    expect(
      await apiError(batch.createNamespacedJob({ namespace: 'elsewhere', body: plainJob('a') })),
    ).toMatchObject({
      code: 404,
      message: 'namespaces "elsewhere" not found',
    });
  });

  it('409 AlreadyExists on a second create with the same name', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: plainJob('twice') });
    expect(
      await apiError(batch.createNamespacedJob({ namespace: NS, body: plainJob('twice') })),
    ).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'jobs.batch "twice" already exists',
    });
  });

  it('422 Invalid for a container without image, naming the field', async () => {
    const status = await apiError(
      batch.createNamespacedJob({ namespace: NS, body: plainJob('no-image', {}, null) }),
    );
    expect(status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(status.message).toBe(
      'Job.batch "no-image" is invalid: spec.template.spec.containers[0].image: Required value',
    );
    expect(status.details?.causes).toEqual([
      {
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: 'spec.template.spec.containers[0].image',
      },
    ]);
  });

  it('422 Invalid for names that are not DNS-1123, and for restartPolicy Always in a Job', async () => {
    const upper = await apiError(batch.createNamespacedJob({ namespace: NS, body: plainJob('Run_1') }));
    expect(upper.details?.causes?.[0]?.field).toBe('metadata.name');
    const long = await apiError(batch.createNamespacedJob({ namespace: NS, body: plainJob('a'.repeat(64)) }));
    expect(long.message).toContain('must be no more than 63 characters');
    const always = plainJob('always');
    always.spec!.template.spec!.restartPolicy = 'Always';
    const policy = await apiError(batch.createNamespacedJob({ namespace: NS, body: always }));
    expect(policy.details?.causes?.[0]).toMatchObject({ field: 'spec.template.spec.restartPolicy' });
  });

  it('422 when a request exceeds its limit, and when a mount names no volume', async () => {
    const job = plainJob('greedy');
    job.spec!.template.spec!.containers[0]!.resources = { requests: { cpu: '2' }, limits: { cpu: '500m' } };
    job.spec!.template.spec!.containers[0]!.volumeMounts = [{ name: 'missing', mountPath: '/x' }];
    const status = await apiError(batch.createNamespacedJob({ namespace: NS, body: job }));
    expect(status.details?.causes?.map((c) => c.field).sort()).toEqual([
      'spec.template.spec.containers[0].resources.requests',
      'spec.template.spec.containers[0].volumeMounts[0].name',
    ]);
  });
});

describe('Jobs and their pods', () => {
  it('a new Job gets defaults, a selector and one pod labelled with the job name', async () => {
    const created = await batch.createNamespacedJob({ namespace: NS, body: plainJob('work', { team: 'a' }) });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.spec?.backoffLimit).toBe(6);
    expect(created.spec?.selector?.matchLabels?.['batch.kubernetes.io/controller-uid']).toBe(
      created.metadata?.uid,
    );
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=work' });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0]!;
    expect(pod.metadata?.name).toMatch(/^work-[a-z0-9]{5}$/);
    expect(pod.metadata?.labels).toMatchObject({
      team: 'a',
      from: 'template',
      'job-name': 'work',
      'batch.kubernetes.io/job-name': 'work',
    });
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Job',
      name: 'work',
      uid: created.metadata?.uid,
      controller: true,
    });
    expect(pod.status?.phase).toBe('Pending');
    const job = await batch.readNamespacedJob({ name: 'work', namespace: NS });
    expect(job.status?.active).toBe(1);
  });

  it('Pod Security "restricted": a Job asking for privileges is accepted with a warning and gets no pod', async () => {
    const job = plainJob('root');
    job.spec!.template.spec!.containers[0]!.securityContext = { privileged: true, runAsUser: 0 };
    await batch.createNamespacedJob({ namespace: NS, body: job });
    const request = fake.requests.find((r) => r.method === 'POST')!;
    expect(request.warnings[0]).toMatch(/^would violate PodSecurity "restricted:latest": .*privileged/);
    expect(fake.pods('root')).toEqual([]);
    // The runner's Job passes.
    await batch.createNamespacedJob({
      namespace: NS,
      body: renderAgentJob(agentRunSpec(3), { namespace: NS, image: 'agent:1' }),
    });
    expect(fake.pods('aiworker-run-3')).toHaveLength(1);
  });

  it('advance() drives status, conditions, pod state and logs', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: plainJob('steps') });
    const pod = () => fake.pods('steps')[0]!;
    const logOf = (name: string) => core.readNamespacedPodLog({ name, namespace: NS, container: 'main' });
    expect((await apiError(logOf(pod().metadata.name))).message).toBe(
      `container "main" in pod "${pod().metadata.name}" is waiting to start: ContainerCreating`,
    );
    fake.advance('steps', 'active', { logs: 'one\ntwo\n' });
    expect((await batch.readNamespacedJob({ name: 'steps', namespace: NS })).status?.ready).toBe(1);
    fake.advance('steps', 'failed', { exitCode: 4, logs: 'three\nfour\n' });
    const job = await batch.readNamespacedJob({ name: 'steps', namespace: NS });
    expect(job.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['FailureTarget', 'True', 'BackoffLimitExceeded'],
      ['Failed', 'True', 'BackoffLimitExceeded'],
    ]);
    const status = (await core.readNamespacedPod({ name: pod().metadata.name, namespace: NS })).status;
    expect(status?.phase).toBe('Failed');
    expect(status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(4);
    const name = pod().metadata.name;
    expect(await core.readNamespacedPodLog({ name, namespace: NS, container: 'main', tailLines: 2 })).toBe(
      'three\nfour\n',
    );
    expect(await core.readNamespacedPodLog({ name, namespace: NS, container: 'main', limitBytes: 6 })).toBe(
      'one\ntw',
    );
    expect((await apiError(core.readNamespacedPodLog({ name, namespace: NS, container: 'x' }))).code).toBe(
      400,
    );
  });
});

describe('deletion and garbage collection', () => {
  async function jobWithOwnedSecret(name: string) {
    const job = await batch.createNamespacedJob({ namespace: NS, body: plainJob(name) });
    await core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: {
          name: `${name}-secret`,
          ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata!.uid! }],
        },
        stringData: { TOKEN: 'abc' },
      },
    });
  }

  it('Background deletes the Job, its pods and the Secrets it owns', async () => {
    await jobWithOwnedSecret('bg');
    await batch.deleteNamespacedJob({ name: 'bg', namespace: NS, propagationPolicy: 'Background' });
    expect(fake.jobs(NS)).toEqual([]);
    expect(fake.pods(undefined, NS)).toEqual([]);
    expect(fake.secrets(NS)).toEqual([]);
  });

  it('without a policy a Job is deleted alone (batch/v1 default Orphan) and dependents lose the owner', async () => {
    await jobWithOwnedSecret('orphan');
    await batch.deleteNamespacedJob({ name: 'orphan', namespace: NS });
    expect(fake.jobs(NS)).toEqual([]);
    expect(fake.pods(undefined, NS)).toHaveLength(1);
    expect(fake.secret('orphan-secret')?.metadata.ownerReferences).toEqual([]);
  });

  it('an object whose owner does not exist is collected', async () => {
    await core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: {
          name: 'dangling',
          ownerReferences: [
            {
              apiVersion: 'batch/v1',
              kind: 'Job',
              name: 'gone',
              uid: '00000000-0000-0000-0000-000000000000',
            },
          ],
        },
      },
    });
    expect(fake.secret('dangling')).toBeUndefined();
  });

  it('stringData becomes base64 data, as the API server stores it', async () => {
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 's' }, stringData: { A: 'hé' } },
    });
    const secret = await core.readNamespacedSecret({ name: 's', namespace: NS });
    expect(secret.data).toEqual({ A: Buffer.from('hé').toString('base64') });
    expect(secret.stringData).toBeUndefined();
    expect(secret.type).toBe('Opaque');
  });
});

describe('patches', () => {
  beforeEach(async () => {
    await core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: {
          name: 'p',
          labels: { a: '1' },
          ownerReferences: [],
        },
        stringData: { K: 'v' },
      },
    });
  });

  it('merge patch adds, replaces and removes fields', async () => {
    const patched = await core.patchNamespacedSecret(
      {
        name: 'p',
        namespace: NS,
        body: { metadata: { labels: { a: null, b: '2' } }, stringData: { L: 'w' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels).toEqual({ b: '2' });
    expect(Object.keys(patched.data ?? {}).sort()).toEqual(['K', 'L']);
    expect(fake.requests.at(-1)?.contentType).toBe('application/merge-patch+json');
  });

  it('strategic merge patch merges owner references by uid; JSON patch edits by path', async () => {
    const owner = await batch.createNamespacedJob({ namespace: NS, body: plainJob('owner') });
    const other = await batch.createNamespacedJob({ namespace: NS, body: plainJob('other') });
    const ref = (job: V1Job) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: job.metadata!.name!,
      uid: job.metadata!.uid!,
    });
    for (const job of [owner, other]) {
      await core.patchNamespacedSecret(
        { name: 'p', namespace: NS, body: { metadata: { ownerReferences: [ref(job)] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    }
    expect(fake.secret('p')?.metadata.ownerReferences?.map((r) => r.name)).toEqual(['owner', 'other']);
    // The default content type of the generated client is JSON Patch.
    await core.patchNamespacedSecret({
      name: 'p',
      namespace: NS,
      body: [{ op: 'replace', path: '/metadata/labels/a', value: '9' }],
    });
    expect(fake.secret('p')?.metadata.labels).toEqual({ a: '9' });
    expect(fake.requests.at(-1)?.contentType).toBe('application/json-patch+json');
  });

  it('a Job template cannot be changed, and an unknown patch type is refused', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: plainJob('fixed') });
    const status = await apiError(
      batch.patchNamespacedJob(
        {
          name: 'fixed',
          namespace: NS,
          body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'x:2' }] } } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(status.details?.causes?.[0]?.field).toBe('spec.template');
    const response = await fetch(`${fake.url}/api/v1/namespaces/${NS}/secrets/p`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(response.status).toBe(415);
  });
});

describe('lists and watches', () => {
  it('lists by label selector, page by page', async () => {
    for (const [name, team] of [
      ['j1', 'a'],
      ['j2', 'b'],
      ['j3', 'a'],
      ['j4', 'a'],
    ] as const) {
      await batch.createNamespacedJob({ namespace: NS, body: plainJob(name, { team }) });
    }
    const teamA = await batch.listNamespacedJob({ namespace: NS, labelSelector: 'team=a' });
    expect(teamA.items.map((j) => j.metadata?.name)).toEqual(['j1', 'j3', 'j4']);
    expect(teamA.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(
      (await batch.listNamespacedJob({ namespace: NS, labelSelector: 'team in (b),!missing' })).items,
    ).toHaveLength(1);
    expect((await batch.listNamespacedJob({ namespace: NS, labelSelector: 'team!=a' })).items).toHaveLength(
      1,
    );
    const first = await batch.listNamespacedJob({ namespace: NS, labelSelector: 'team=a', limit: 2 });
    expect(first.items.map((j) => j.metadata?.name)).toEqual(['j1', 'j3']);
    const second = await batch.listNamespacedJob({
      namespace: NS,
      labelSelector: 'team=a',
      limit: 2,
      _continue: first.metadata!._continue!,
    });
    expect(second.items.map((j) => j.metadata?.name)).toEqual(['j4']);
    expect(second.metadata?._continue).toBeUndefined();
  });

  it('streams ADDED, MODIFIED and DELETED for matching objects, from a resource version', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: plainJob('before', { team: 'a' }) });
    const list = await batch.listNamespacedJob({ namespace: NS, labelSelector: 'team=a' });
    const events: string[] = [];
    const controller = await watch.watch(
      `/apis/batch/v1/namespaces/${NS}/jobs`,
      { labelSelector: 'team=a', resourceVersion: list.metadata!.resourceVersion! },
      (type, object: V1Job) => events.push(`${type} ${object.metadata?.name}`),
      () => undefined,
    );
    await batch.createNamespacedJob({ namespace: NS, body: plainJob('other-team', { team: 'b' }) });
    await batch.createNamespacedJob({ namespace: NS, body: plainJob('mine', { team: 'a' }) });
    fake.advance('mine', 'complete');
    await batch.deleteNamespacedJob({ name: 'mine', namespace: NS, propagationPolicy: 'Background' });
    await until('DELETED', () => events.includes('DELETED mine'));
    controller.abort();
    // Creation, the Job controller's status update, completion, deletion; nothing from team b or before the version.
    expect(events).toEqual(['ADDED mine', 'MODIFIED mine', 'MODIFIED mine', 'DELETED mine']);
  });

  it('without a resource version a watch starts with the current objects', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: plainJob('existing') });
    const events: string[] = [];
    const controller = await watch.watch(
      `/apis/batch/v1/namespaces/${NS}/jobs`,
      {},
      (type, object: V1Job) => events.push(`${type} ${object.metadata?.name}`),
      () => undefined,
    );
    await until('ADDED', () => events.length === 1);
    controller.abort();
    expect(events).toEqual(['ADDED existing']);
  });

  it('expireWatches() ends open watches with 410 Expired, and resuming from an old version is refused', async () => {
    const list = await batch.listNamespacedJob({ namespace: NS });
    const events: Array<{ type: string; code?: number }> = [];
    let ended = false;
    await watch.watch(
      `/apis/batch/v1/namespaces/${NS}/jobs`,
      { resourceVersion: list.metadata!.resourceVersion! },
      (type, object: { code?: number }) => events.push({ type, code: object.code }),
      () => {
        ended = true;
      },
    );
    await until('the watch to open', () => fake.openWatches() === 1);
    await batch.createNamespacedJob({ namespace: NS, body: plainJob('late') });
    expect(fake.expireWatches()).toBe(1);
    await until('the watch to end', () => ended);
    expect(events.at(-1)).toEqual({ type: 'ERROR', code: 410 });

    const resumed: Array<{ type: string; code?: number }> = [];
    await watch.watch(
      `/apis/batch/v1/namespaces/${NS}/jobs`,
      { resourceVersion: list.metadata!.resourceVersion! },
      (type, object: { code?: number }) => resumed.push({ type, code: object.code }),
      () => undefined,
    );
    await until('the refusal', () => resumed.length === 1);
    expect(resumed).toEqual([{ type: 'ERROR', code: 410 }]);
  });
});
