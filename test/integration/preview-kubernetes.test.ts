import { readFileSync } from 'node:fs';
import { AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeployError, PreviewNameTakenError, PreviewTerminatingError } from '../../src/deploy/errors.ts';
import { KubernetesPreviews } from '../../src/deploy/kubernetes-preview.ts';
import type { KubernetesPreviewSettings, PreviewTarget } from '../../src/deploy/preview-manifests.ts';
import { buildKubeConfig } from '../../src/kubernetes/kubeconfig.ts';
import { documentedRules, rbacRules } from '../fakes/kubernetes/rbac.ts';
import { type KubernetesFake, startKubernetesFake } from '../fakes/kubernetes/server.ts';

/**
 * `kubernetes`-mode previews through @kubernetes/client-node against the Kubernetes fake:
 * deploy, re-deploy, new images, each failure with its reason, teardown, listing, and the
 * exact API calls (hence RBAC verbs) the bot makes.
 */

const SHA1 = 'a1'.repeat(20);
const SHA2 = 'b2'.repeat(20);
const NAME = 'pr-12-web-shop';
const IMAGE = 'registry.example.com/acme/web-shop';
const settings: KubernetesPreviewSettings = {
  domain: 'previews.example.com',
  port: 8080,
  healthPath: '/healthz',
  tlsSecretName: 'previews-wildcard-tls',
};
const target = (sha = SHA1, overrides: Partial<PreviewTarget> = {}): PreviewTarget => ({
  repo: 'acme/web-shop',
  prNumber: 12,
  sha,
  image: IMAGE,
  ...overrides,
});

let fake: KubernetesFake;
let previews: KubernetesPreviews;

async function start(timeoutMs = 300_000) {
  fake = await startKubernetesFake({
    namespaces: { default: {}, 'ingress-nginx': {} },
    podReadyAfterMs: 6000,
  });
  const config = buildKubeConfig({ kind: 'token', server: fake.url, token: fake.token });
  previews = new KubernetesPreviews(config, settings, {
    // Waiting moves the fake's clock: a rollout takes what the fake says, and no real time.
    clock: { now: () => fake.clock.now(), sleep: async (ms) => fake.advanceTime(ms) },
    timeoutMs,
  });
}

beforeEach(async () => {
  await start();
});

afterEach(async () => {
  await fake.close();
});

const writes = () => fake.requests.filter((r) => r.method !== 'GET');

describe('deploying a preview', () => {
  it('applies every object by server-side apply as aiworker and waits until the Deployment is available', async () => {
    const outcome = await previews.deploy(target());
    expect(outcome).toEqual({
      name: NAME,
      url: `https://${NAME}.previews.example.com`,
      image: `${IMAGE}:${SHA1}`,
      rollout: { state: 'available' },
      logs: null,
    });
    for (const request of writes()) {
      expect(request).toMatchObject({
        method: 'PATCH',
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: 'aiworker', force: 'true' },
        status: 201,
        warnings: [],
      });
    }
    const kinds = writes().map((r) => r.path.split('/').slice(-2, -1)[0]);
    expect(kinds).toEqual([
      'namespaces',
      'resourcequotas',
      'networkpolicies',
      'services',
      'deployments',
      'ingresses',
    ]);
    const namespace = fake.object('namespaces', '', NAME);
    expect(namespace?.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'aiworker',
      'app.kubernetes.io/component': 'preview',
      'aiworker.dev/repo': 'acme.web-shop',
      'aiworker.dev/pr': '12',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    const ingress = fake.object('ingresses', NAME, 'preview');
    expect(ingress?.spec).toMatchObject({
      tls: [{ hosts: [`${NAME}.previews.example.com`], secretName: 'previews-wildcard-tls' }],
      rules: [{ host: `${NAME}.previews.example.com` }],
    });
    for (const resource of [
      'deployments',
      'services',
      'ingresses',
      'resourcequotas',
      'networkpolicies',
    ] as const) {
      const object = fake.object(resource, NAME, 'preview');
      expect(object?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('aiworker');
      expect(object?.metadata.managedFields?.[0]).toMatchObject({ manager: 'aiworker', operation: 'Apply' });
    }
    // Pod Security restricted is enforced in the namespace, and the preview's pod was admitted.
    const pods = fake.objects('pods', NAME);
    expect(pods).toHaveLength(1);
    expect((pods[0]!.spec as { containers: Array<{ image: string }> }).containers[0]?.image).toBe(
      `${IMAGE}:${SHA1}`,
    );
  });

  it('applying the same preview again changes nothing and conflicts with nothing', async () => {
    await previews.deploy(target());
    const before = ['deployments', 'services', 'ingresses', 'resourcequotas', 'networkpolicies'].map(
      (r) => fake.object(r as 'deployments', NAME, 'preview')?.metadata.resourceVersion,
    );
    const namespaceVersion = fake.object('namespaces', '', NAME)?.metadata.resourceVersion;
    const mark = fake.requests.length;
    const again = await previews.deploy(target());
    expect(again.rollout).toEqual({ state: 'available' });
    const after = ['deployments', 'services', 'ingresses', 'resourcequotas', 'networkpolicies'].map(
      (r) => fake.object(r as 'deployments', NAME, 'preview')?.metadata.resourceVersion,
    );
    expect(after).toEqual(before);
    expect(fake.object('namespaces', '', NAME)?.metadata.resourceVersion).toBe(namespaceVersion);
    expect(fake.requests.slice(mark).every((r) => r.status === 200)).toBe(true);
    expect(fake.objects('replicasets', NAME)).toHaveLength(1);
  });

  it('a new head sha rolls out the new image; the old pod goes once the new one is ready', async () => {
    await previews.deploy(target(SHA1));
    const outcome = await previews.deploy(target(SHA2));
    expect(outcome.rollout).toEqual({ state: 'available' });
    const deployment = fake.object('deployments', NAME, 'preview');
    expect(deployment?.metadata.generation).toBe(2);
    expect(deployment?.metadata.annotations?.['aiworker.dev/sha']).toBe(SHA2);
    const images = fake
      .objects('pods', NAME)
      .map((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0]?.image);
    expect(images).toEqual([`${IMAGE}:${SHA2}`]);
  });

  it('takes the preview back from a manual edit (force), as the controller of these objects', async () => {
    await previews.deploy(target());
    const config = buildKubeConfig({ kind: 'token', server: fake.url, token: fake.token });
    await config
      .makeApiClient(AppsV1Api)
      .patchNamespacedDeployment(
        { name: 'preview', namespace: NAME, body: { spec: { replicas: 0 } }, fieldManager: 'kubectl-edit' },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    const outcome = await previews.deploy(target());
    expect(outcome.rollout).toEqual({ state: 'available' });
    const deployment = fake.object('deployments', NAME, 'preview');
    expect((deployment!.spec as { replicas: number }).replicas).toBe(1);
    expect(deployment?.metadata.managedFields?.map((e) => e.manager)).not.toContain('kubectl-edit');
  });
});

describe('failures, with the real reason', () => {
  it('an image that cannot be pulled: the container’s waiting reason and the runtime’s message', async () => {
    fake.setImageBehaviour(`${IMAGE}:${SHA1}`, {
      kind: 'pull-error',
      message: `rpc error: code = NotFound desc = failed to pull and unpack image "${IMAGE}:${SHA1}": not found`,
    });
    const outcome = await previews.deploy(target());
    expect(outcome.rollout).toMatchObject({
      state: 'failed',
      kind: 'image-pull',
      reason: 'ErrImagePull',
      message: `rpc error: code = NotFound desc = failed to pull and unpack image "${IMAGE}:${SHA1}": not found`,
      container: 'app',
    });
    expect(outcome.logs).toBeNull();
  });

  it('a crash loop: exit code, restarts and the last log lines of the crashed run', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `boot step ${i + 1}`).join('\n');
    fake.setImageBehaviour(`${IMAGE}:${SHA1}`, {
      kind: 'crash',
      logs: `${lines}\nError: connect ECONNREFUSED 127.0.0.1:5432\n`,
      exitCode: 1,
    });
    const outcome = await previews.deploy(target());
    expect(outcome.rollout).toMatchObject({
      state: 'failed',
      kind: 'crash-loop',
      reason: 'CrashLoopBackOff',
      message: 'container app exit code 1 (Error), restarted 1 time(s)',
      exitCode: 1,
    });
    const logLines = outcome.logs?.trimEnd().split('\n') ?? [];
    expect(logLines).toHaveLength(30);
    expect(logLines.at(-1)).toBe('Error: connect ECONNREFUSED 127.0.0.1:5432');
    const logRequest = fake.requests.find((r) => r.path.endsWith('/log'));
    expect(logRequest?.query).toMatchObject({ previous: 'true', tailLines: '30', container: 'app' });
  });

  it('a rollout that takes longer than the limit: timeout with what the pods were doing', async () => {
    await fake.close();
    await start(60_000);
    fake.setImageBehaviour(`${IMAGE}:${SHA1}`, { kind: 'ready', afterMs: 3_600_000 });
    const outcome = await previews.deploy(target());
    expect(outcome.rollout).toMatchObject({ state: 'failed', kind: 'timeout', reason: 'Timeout' });
    expect(outcome.rollout.state === 'failed' && outcome.rollout.message).toMatch(
      /^not available after 60 s: 0 of 1 updated replica\(s\) available; pod preview-[a-z0-9]+-[a-z0-9]{5}: ContainerCreating$/,
    );
  });

  it('refuses, writing nothing, when the name holds another repository’s preview or a namespace not ours', async () => {
    await previews.deploy(target());
    const mark = fake.requests.length;
    const other = previews.deploy(target(SHA1, { repo: 'other/web-shop' }));
    await expect(other).rejects.toBeInstanceOf(PreviewNameTakenError);
    await expect(other).rejects.toThrow(`${NAME} is taken by the preview of acme/web-shop`);
    fake.create('namespaces', '', { metadata: { name: 'pr-3-web-shop' } });
    await expect(previews.deploy(target(SHA1, { prNumber: 3 }))).rejects.toThrow(
      'pr-3-web-shop is taken by a namespace the bot did not create',
    );
    expect(fake.requests.slice(mark).every((r) => r.method === 'GET')).toBe(true);
  });

  it('refuses while the previous preview under the name is still being torn down', async () => {
    await previews.deploy(target());
    // Something in the namespace holds it Terminating for a while.
    await fetch(`${fake.url}/api/v1/namespaces/${NAME}/services/preview`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { finalizers: ['example.com/slow-cleanup'] } }),
    });
    expect(await previews.teardown(NAME)).toBe(true);
    expect(fake.object('namespaces', '', NAME)?.metadata.deletionTimestamp).toBeDefined();
    await expect(previews.deploy(target(SHA2))).rejects.toBeInstanceOf(PreviewTerminatingError);
  });
});

describe('API errors', () => {
  it('a refused call is a DeployError naming the step and quoting the API server', async () => {
    fake.failNext({
      method: 'PATCH',
      resource: 'deployments',
      code: 500,
      message: 'etcdserver: request timed out',
    });
    const failed = previews.deploy(target());
    await expect(failed).rejects.toBeInstanceOf(DeployError);
    await expect(failed).rejects.toMatchObject({
      statusCode: 500,
      message: `could not apply Deployment in ${NAME}: 500 InternalError: etcdserver: request timed out`,
    });
    // What was applied before stays; the next deploy carries on from there.
    expect(fake.object('services', NAME, 'preview')).toBeDefined();
    expect((await previews.deploy(target())).rollout).toEqual({ state: 'available' });
  });
});

describe('teardown and listing', () => {
  it('teardown deletes the namespace and everything in it; a second teardown finds nothing', async () => {
    await previews.deploy(target());
    expect(await previews.teardown(NAME)).toBe(true);
    expect(fake.object('namespaces', '', NAME)).toBeUndefined();
    for (const resource of ['deployments', 'replicasets', 'pods', 'services', 'ingresses'] as const) {
      expect(fake.objects(resource, NAME)).toEqual([]);
    }
    expect(await previews.teardown(NAME)).toBe(false);
  });

  it('teardown refuses to delete a namespace of that name the bot did not make', async () => {
    fake.create('namespaces', '', { metadata: { name: 'pr-4-web-shop', labels: { team: 'payments' } } });
    await expect(previews.teardown('pr-4-web-shop')).rejects.toThrow(
      'pr-4-web-shop is taken by a namespace the bot did not create',
    );
    expect(fake.object('namespaces', '', 'pr-4-web-shop')?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('lists the previews in the cluster by label, with what they run, and nothing that is not a preview', async () => {
    await previews.deploy(target(SHA1));
    await previews.deploy(
      target(SHA2, { repo: 'acme/Billing_API', prNumber: 7, image: 'registry.example.com/acme/billing' }),
    );
    fake.create('namespaces', '', {
      metadata: { name: 'team-tools', labels: { 'app.kubernetes.io/managed-by': 'aiworker' } },
    });
    const listed = await previews.list();
    // The API server lists by name.
    expect(listed.map((p) => ({ ...p, createdAt: p.createdAt instanceof Date }))).toEqual([
      {
        name: NAME,
        repo: 'acme/web-shop',
        prNumber: 12,
        sha: SHA1,
        image: `${IMAGE}:${SHA1}`,
        url: `https://${NAME}.previews.example.com`,
        createdAt: true,
        terminating: false,
      },
      {
        name: expect.stringMatching(/^pr-7-billing-api-[0-9a-f]{8}$/),
        repo: 'acme/Billing_API',
        prNumber: 7,
        sha: SHA2,
        image: `registry.example.com/acme/billing:${SHA2}`,
        url: expect.stringMatching(/^https:\/\/pr-7-billing-api-[0-9a-f]{8}\.previews\.example\.com$/),
        createdAt: true,
        terminating: false,
      },
    ]);
  });
});

describe('the API calls a preview costs', () => {
  it('deploy, redeploy, list and teardown need exactly these RBAC rules, and about a dozen calls per deploy', async () => {
    fake.setImageBehaviour(`${IMAGE}:${SHA2}`, { kind: 'crash', logs: 'boom\n' });
    await previews.deploy(target(SHA1));
    const firstDeployCalls = fake.requests.length;
    await previews.deploy(target(SHA2));
    await previews.list();
    await previews.teardown(NAME);
    // 1 read of the namespace, 6 applies, then a Deployment read and a pod list per look (pods ready after 6 s, a look every 2 s).
    expect(firstDeployCalls).toBe(1 + 6 + 2 * 4);
    expect(rbacRules(fake.requests)).toEqual([
      { apiGroup: '', resource: 'namespaces', verbs: ['create', 'delete', 'get', 'list', 'patch'] },
      { apiGroup: '', resource: 'pods', verbs: ['list'] },
      { apiGroup: '', resource: 'pods/log', verbs: ['get'] },
      { apiGroup: '', resource: 'resourcequotas', verbs: ['create', 'patch'] },
      { apiGroup: '', resource: 'services', verbs: ['create', 'patch'] },
      { apiGroup: 'apps', resource: 'deployments', verbs: ['create', 'get', 'patch'] },
      { apiGroup: 'networking.k8s.io', resource: 'ingresses', verbs: ['create', 'patch'] },
      { apiGroup: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['create', 'patch'] },
    ]);
    // docs/previews.md lists exactly these, no more, no fewer.
    const docs = readFileSync(new URL('../../docs/previews.md', import.meta.url), 'utf8');
    expect(documentedRules(docs, ['aiworker-previews'])).toEqual(rbacRules(fake.requests));
  });
});
