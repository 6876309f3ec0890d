import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArgoCdPreviewSettings, PreviewApplicationInput } from '../../src/deploy/argocd-application.ts';
import { ArgoCdApplications } from '../../src/deploy/argocd-client.ts';
import { ArgoCdPreviews } from '../../src/deploy/argocd-preview.ts';
import { PreviewNameTakenError } from '../../src/deploy/errors.ts';
import { buildKubeConfig } from '../../src/kubernetes/kubeconfig.ts';
import { defaultRender } from '../fakes/kubernetes/argocd-controller.ts';
import { documentedRules, rbacRules } from '../fakes/kubernetes/rbac.ts';
import { type KubernetesFake, startKubernetesFake } from '../fakes/kubernetes/server.ts';
import type { KubeObject } from '../fakes/kubernetes/types.ts';

/**
 * `argocd`-mode previews and the Argo CD client promotion will use, through
 * @kubernetes/client-node against the Kubernetes fake's Argo CD controller.
 */

const SHA1 = 'c3'.repeat(20);
const SHA2 = 'd4'.repeat(20);
const NAME = 'pr-5-web-shop';
const IMAGE = 'registry.example.com/acme/web-shop';
const settings: ArgoCdPreviewSettings = {
  domain: 'previews.example.com',
  path: 'deploy/preview',
  project: 'previews',
};
const input = (sha = SHA1, overrides: Partial<PreviewApplicationInput> = {}): PreviewApplicationInput => ({
  repo: 'acme/web-shop',
  prNumber: 5,
  sha,
  image: IMAGE,
  repoURL: 'https://gitea.example.com/acme/web-shop.git',
  ...overrides,
});

let fake: KubernetesFake;
/** What the GitOps repository's staging overlay deploys (promotion tests change it). */
let stagingImage = 'registry.example.com/acme/web-shop:v1';

async function start(timeoutMs = 300_000) {
  fake = await startKubernetesFake({
    namespaces: { default: {} },
    argocd: {
      render: (app: KubeObject) => {
        if (app.metadata.name !== 'web-shop-staging') return defaultRender(app);
        const [deployment] = defaultRender(app);
        const spec = deployment!.spec as { template: { spec: { containers: Array<{ image: string }> } } };
        spec.template.spec.containers[0]!.image = stagingImage;
        return [deployment!];
      },
    },
  });
  fake.create('appprojects', 'argocd', {
    metadata: { name: 'previews' },
    spec: {
      sourceRepos: ['https://gitea.example.com/*'],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'pr-*' }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    },
  });
  const config = buildKubeConfig({ kind: 'token', server: fake.url, token: fake.token });
  const clock = { now: () => fake.clock.now(), sleep: async (ms: number) => fake.advanceTime(ms) };
  return {
    previews: new ArgoCdPreviews(config, settings, { clock, timeoutMs }),
    applications: new ArgoCdApplications(config, 'argocd', { clock }),
  };
}

afterEach(async () => {
  await fake.close();
});

describe('argocd-mode previews', () => {
  it('creates the Application, asks for a hard refresh, and follows it to Synced and Healthy at the head sha', async () => {
    const { previews } = await start();
    const result = await previews.deploy(input());
    expect(result).toMatchObject({
      name: NAME,
      url: `https://${NAME}.previews.example.com`,
      image: `${IMAGE}:${SHA1}`,
      outcome: { state: 'healthy' },
    });
    const view = result.outcome.view!;
    expect(view).toMatchObject({
      sync: 'Synced',
      syncedRevision: SHA1,
      health: 'Healthy',
      images: [`${IMAGE}:${SHA1}`],
    });
    expect(view.operation).toEqual({
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      revision: SHA1,
    });

    const app = fake.object('applications', 'argocd', NAME)!;
    expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(app.spec).toMatchObject({
      project: 'previews',
      source: { targetRevision: SHA1, path: 'deploy/preview', kustomize: { images: [`${IMAGE}:${SHA1}`] } },
      destination: { server: 'https://kubernetes.default.svc', namespace: NAME },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    const [applyCall, refreshCall] = fake.requests.filter((r) => r.method === 'PATCH');
    expect(applyCall).toMatchObject({
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'aiworker' },
      status: 201,
    });
    expect(refreshCall).toMatchObject({
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } },
    });
    // Argo CD created the namespace with the bot's preview labels and restricted Pod Security.
    expect(fake.object('namespaces', '', NAME)?.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'aiworker',
      'aiworker.dev/pr': '5',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('a new head sha is not reported healthy on the old sync: it waits for Argo CD to sync the new revision', async () => {
    const { previews } = await start();
    await previews.deploy(input(SHA1));
    const result = await previews.deploy(input(SHA2));
    expect(result.outcome.state).toBe('healthy');
    expect(result.outcome.view).toMatchObject({ syncedRevision: SHA2, images: [`${IMAGE}:${SHA2}`] });
    // Between the two, the app was seen Synced+Healthy at SHA1 and OutOfSync: neither was taken for done.
    expect(fake.object('deployments', NAME, 'app')?.spec).toMatchObject({
      template: { spec: { containers: [{ image: `${IMAGE}:${SHA2}` }] } },
    });
  });

  it('Degraded: failed with the resource’s health message', async () => {
    const { previews } = await start();
    fake.argocd!.degradeImage(`${IMAGE}:${SHA1}`, 'Deployment "app" exceeded its progress deadline');
    const result = await previews.deploy(input());
    expect(result.outcome).toMatchObject({
      state: 'failed',
      kind: 'degraded',
      message: 'Degraded: Deployment app: Deployment "app" exceeded its progress deadline',
    });
  });

  it('a failed sync operation: failed with Argo CD’s operation message', async () => {
    const { previews } = await start();
    fake.argocd!.failSyncOf(
      SHA1,
      'one or more objects failed to apply, reason: admission webhook denied the request',
    );
    const result = await previews.deploy(input());
    expect(result.outcome).toMatchObject({
      state: 'failed',
      kind: 'sync-failed',
      message:
        'sync failed: one or more objects failed to apply, reason: admission webhook denied the request',
    });
  });

  it('an Application its project refuses: failed at once with the InvalidSpecError', async () => {
    const { previews } = await start();
    const result = await previews.deploy(input(SHA1, { repoURL: 'https://github.com/acme/web-shop.git' }));
    expect(result.outcome).toMatchObject({
      state: 'failed',
      kind: 'invalid',
      message:
        "InvalidSpecError: application repo https://github.com/acme/web-shop.git is not permitted in project 'previews'",
    });
  });

  it('not healthy within the limit: timeout with where Argo CD got to', async () => {
    const { previews } = await start(4000);
    const result = await previews.deploy(input());
    expect(result.outcome).toMatchObject({ state: 'failed', kind: 'timeout' });
    expect(result.outcome.state === 'failed' && result.outcome.message).toMatch(
      /^not synced and healthy after 4 s: sync (OutOfSync|Synced), health (Missing|Progressing)/,
    );
  });

  it('refuses to take over an Application the bot did not make', async () => {
    const { previews } = await start();
    fake.create('applications', 'argocd', {
      metadata: { name: NAME },
      spec: {
        project: 'default',
        source: { repoURL: 'https://gitea.example.com/x/y.git', path: '.', targetRevision: 'main' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'elsewhere' },
      },
    });
    await expect(previews.deploy(input())).rejects.toBeInstanceOf(PreviewNameTakenError);
  });

  it('teardown deletes the Application (Argo CD removes its resources) and the namespace', async () => {
    const { previews } = await start();
    await previews.deploy(input());
    expect(await previews.teardown(NAME)).toBe(true);
    expect(fake.object('namespaces', '', NAME)).toBeUndefined();
    expect(fake.object('applications', 'argocd', NAME)?.metadata.deletionTimestamp).toBeDefined();
    fake.advanceTime(1000);
    expect(fake.object('applications', 'argocd', NAME)).toBeUndefined();
    expect(await previews.teardown(NAME)).toBe(false);
  });

  it('teardown deletes nothing when the namespace under the name is not the bot’s', async () => {
    const { previews } = await start();
    await previews.deploy(input());
    fake.create('namespaces', '', { metadata: { name: 'pr-6-web-shop' } });
    // Argo CD deploys into an existing namespace as it is; the bot's Application is still its own.
    expect((await previews.deploy(input(SHA1, { prNumber: 6 }))).outcome.state).toBe('healthy');
    await expect(previews.teardown('pr-6-web-shop')).rejects.toThrow(
      'pr-6-web-shop is taken by a namespace the bot did not create',
    );
    expect(
      fake.object('applications', 'argocd', 'pr-6-web-shop')?.metadata.deletionTimestamp,
    ).toBeUndefined();
  });

  it('a project that does not allow Namespaces: the sync fails as Argo CD reports it', async () => {
    await start();
    const project = fake.object('appprojects', 'argocd', 'previews')!;
    fake.create('appprojects', 'argocd', {
      metadata: { name: 'no-namespaces' },
      spec: { ...(project.spec as object), clusterResourceWhitelist: [] },
    });
    const restricted = new ArgoCdPreviews(
      buildKubeConfig({ kind: 'token', server: fake.url, token: fake.token }),
      { ...settings, project: 'no-namespaces' },
      { clock: { now: () => fake.clock.now(), sleep: async (ms) => fake.advanceTime(ms) } },
    );
    const result = await restricted.deploy(input());
    expect(result.outcome).toMatchObject({
      state: 'failed',
      kind: 'sync-failed',
      message: 'sync failed: resource :Namespace is not permitted in project no-namespaces',
    });
  });

  it('lists preview Applications for reconciling, and only those', async () => {
    const { previews } = await start();
    await previews.deploy(input());
    fake.create('applications', 'argocd', {
      metadata: { name: 'web-shop-staging' },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://gitea.example.com/acme/gitops.git',
          path: 'web-shop/staging',
          targetRevision: 'main',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'staging' },
      },
    });
    const listed = await previews.list();
    expect(listed).toEqual([
      {
        name: NAME,
        repo: 'acme/web-shop',
        prNumber: 5,
        sha: SHA1,
        image: `${IMAGE}:${SHA1}`,
        url: `https://${NAME}.previews.example.com`,
        createdAt: expect.any(Date),
        terminating: false,
      },
    ]);
  });
});

describe('following an environment for promotion', () => {
  async function stagingApp() {
    fake.create('applications', 'argocd', {
      metadata: { name: 'web-shop-staging' },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://gitea.example.com/acme/gitops.git',
          path: 'web-shop/staging',
          targetRevision: 'main',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'staging' },
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      },
    });
    fake.advanceTime(10_000);
  }

  it('reads the Application, refreshes it after the GitOps commit, follows it to Healthy at the promoted image', async () => {
    stagingImage = `${IMAGE}:v1`;
    const { applications } = await start();
    await stagingApp();
    expect(await applications.get('web-shop-staging')).toMatchObject({
      sync: 'Synced',
      health: 'Healthy',
      images: [`${IMAGE}:v1`],
    });
    stagingImage = `${IMAGE}:v2`;
    await applications.refresh('web-shop-staging');
    const outcome = await applications.follow('web-shop-staging', { image: `${IMAGE}:v2` }, 120_000);
    expect(outcome).toMatchObject({ state: 'healthy', view: { images: [`${IMAGE}:v2`], health: 'Healthy' } });
  });

  it('a promoted image that degrades is reported with Argo CD’s message', async () => {
    stagingImage = `${IMAGE}:v1`;
    const { applications } = await start();
    await stagingApp();
    fake.argocd!.degradeImage(`${IMAGE}:v3`, 'Deployment "app" exceeded its progress deadline');
    stagingImage = `${IMAGE}:v3`;
    await applications.refresh('web-shop-staging');
    const outcome = await applications.follow('web-shop-staging', { image: `${IMAGE}:v3` }, 120_000);
    expect(outcome).toMatchObject({ state: 'failed', kind: 'degraded' });
    expect(outcome.state === 'failed' && outcome.message).toContain('exceeded its progress deadline');
  });

  it('an environment without an Application: missing, not an error', async () => {
    const { applications } = await start();
    expect(await applications.get('web-shop-production')).toBeNull();
    expect(await applications.follow('web-shop-production', { image: `${IMAGE}:v1` }, 10_000)).toMatchObject({
      state: 'failed',
      kind: 'missing',
      message: 'Application web-shop-production does not exist in argocd',
    });
  });

  it('previews and promotion need exactly these RBAC rules', async () => {
    stagingImage = `${IMAGE}:v1`;
    const { previews, applications } = await start();
    await previews.deploy(input());
    const firstDeployCalls = fake.requests.length;
    await previews.list();
    await previews.teardown(NAME);
    await stagingApp();
    await applications.refresh('web-shop-staging');
    await applications.follow('web-shop-staging', { image: `${IMAGE}:v1` }, 60_000);
    // 1 read, 1 apply, 1 refresh, then one read every 3 s until healthy (1 s compare, 2 s sync, 5 s health).
    expect(firstDeployCalls).toBe(3 + 4);
    expect(rbacRules(fake.requests)).toEqual([
      { apiGroup: '', resource: 'namespaces', verbs: ['delete', 'get'] },
      {
        apiGroup: 'argoproj.io',
        resource: 'applications',
        verbs: ['create', 'delete', 'get', 'list', 'patch'],
      },
    ]);
    // docs/previews.md lists exactly these, no more, no fewer.
    const docs = readFileSync(new URL('../../docs/previews.md', import.meta.url), 'utf8');
    expect(documentedRules(docs, ['aiworker-argocd', 'aiworker-preview-namespaces'])).toEqual(
      rbacRules(fake.requests),
    );
  });

  it('promotion alone needs to read and refresh Applications, as k8s/aiworker’s argocd-promotion grants', async () => {
    stagingImage = `${IMAGE}:v1`;
    const { applications } = await start();
    await stagingApp();
    const before = fake.requests.length;
    await applications.get('web-shop-staging');
    stagingImage = `${IMAGE}:v2`;
    await applications.refresh('web-shop-staging');
    await applications.follow('web-shop-staging', { image: `${IMAGE}:v2` }, 120_000);
    const recorded = rbacRules(fake.requests.slice(before));
    expect(recorded).toEqual([
      { apiGroup: 'argoproj.io', resource: 'applications', verbs: ['get', 'patch'] },
    ]);
    const component = readFileSync(
      new URL('../../k8s/aiworker/components/argocd-promotion/rbac.yaml', import.meta.url),
      'utf8',
    );
    expect(documentedRules(`\`\`\`yaml\n${component}\`\`\``, ['aiworker-argocd-promotion'])).toEqual(
      recorded,
    );
  });
});
