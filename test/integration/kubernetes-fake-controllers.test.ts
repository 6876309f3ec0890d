import {
  type ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { buildKubeConfig } from '../../src/kubernetes/kubeconfig.ts';
import {
  type KubernetesFake,
  type KubernetesFakeOptions,
  startKubernetesFake,
} from '../fakes/kubernetes/server.ts';

/**
 * The fake's controllers, on its own clock: the Deployment controller and kubelet (rollouts,
 * pull errors, crash loops, Pod Security refusals, progress deadline) and the Argo CD
 * application controller (refresh, sync, health, project checks, resources finalizer).
 */

let fake: KubernetesFake;
let core: CoreV1Api;
let apps: AppsV1Api;
let custom: CustomObjectsApi;
const applyHeader = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergeHeader = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function start(options: KubernetesFakeOptions) {
  fake = await startKubernetesFake(options);
  const config = buildKubeConfig({ kind: 'token', server: fake.url, token: fake.token });
  core = config.makeApiClient(CoreV1Api);
  apps = config.makeApiClient(AppsV1Api);
  custom = config.makeApiClient(CustomObjectsApi);
}

afterEach(async () => {
  await fake.close();
});

const NS = 'shop';

function deployment(image: string, secure = true): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          ...(secure
            ? { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } }
            : {}),
          containers: [
            {
              name: 'app',
              image,
              ...(secure
                ? { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }
                : {}),
            },
          ],
        },
      },
    },
  };
}

const applyDeployment = (body: V1Deployment) =>
  apps.patchNamespacedDeployment(
    { name: 'web', namespace: NS, body, fieldManager: 'test', force: true },
    applyHeader,
  );
const readDeployment = () => apps.readNamespacedDeployment({ name: 'web', namespace: NS });
const pods = async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=web' })).items;

describe('Deployment controller', () => {
  it('creates a ReplicaSet and a pod, and the Deployment becomes available after the pod is ready', async () => {
    await start({ namespaces: { [NS]: {} }, podReadyAfterMs: 4000 });
    await applyDeployment(deployment('shop:1'));
    fake.advanceTime(0);
    const replicaSets = fake.objects('replicasets', NS);
    expect(replicaSets).toHaveLength(1);
    const rs = replicaSets[0]!;
    expect(rs.metadata.name).toMatch(/^web-[a-z0-9]{10}$/);
    expect(rs.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    const [pod] = await pods();
    expect(pod?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata.name });
    expect(pod?.metadata?.labels?.['pod-template-hash']).toBe(rs.metadata.labels?.['pod-template-hash']);
    expect((await readDeployment()).status?.availableReplicas).toBeUndefined();

    fake.advanceTime(4000);
    const status = (await readDeployment()).status;
    expect(status).toMatchObject({
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
    });
    expect(status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
    const managers = (await readDeployment()).metadata?.managedFields?.map((e) => [
      e.manager,
      e.subresource ?? '',
    ]);
    expect(managers).toContainEqual(['kube-controller-manager', 'status']);
  });

  it('a new image rolls out beside the old pod, which goes once the new one is ready', async () => {
    await start({ namespaces: { [NS]: {} }, podReadyAfterMs: 3000 });
    await applyDeployment(deployment('shop:1'));
    fake.advanceTime(3000);
    await applyDeployment(deployment('shop:2'));
    fake.advanceTime(0);
    let images = (await pods()).map((p) => p.spec?.containers[0]?.image).sort();
    expect(images).toEqual(['shop:1', 'shop:2']);
    expect((await readDeployment()).metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    fake.advanceTime(3000);
    images = (await pods()).map((p) => p.spec?.containers[0]?.image);
    expect(images).toEqual(['shop:2']);
    expect((await readDeployment()).status).toMatchObject({
      updatedReplicas: 1,
      replicas: 1,
      availableReplicas: 1,
    });
  });

  it('an image that cannot be pulled: ErrImagePull with the runtime message, then ImagePullBackOff', async () => {
    await start({ namespaces: { [NS]: {} } });
    fake.setImageBehaviour('shop:missing', { kind: 'pull-error' });
    await applyDeployment(deployment('shop:missing'));
    fake.advanceTime(1000);
    let waiting = (await pods())[0]?.status?.containerStatuses?.[0]?.state?.waiting;
    expect(waiting?.reason).toBe('ErrImagePull');
    expect(waiting?.message).toContain('failed to pull and unpack image "shop:missing"');
    fake.advanceTime(10_000);
    waiting = (await pods())[0]?.status?.containerStatuses?.[0]?.state?.waiting;
    expect(waiting).toEqual({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "shop:missing"' });
    const logs = await core
      .readNamespacedPodLog({ name: (await pods())[0]!.metadata!.name!, namespace: NS, container: 'app' })
      .catch((e: ApiException<string>) => JSON.parse(e.body).message);
    expect(logs).toMatch(/is waiting to start: ImagePullBackOff$/);
  });

  it('a crashing container: CrashLoopBackOff, the exit code in lastState, the crashed run’s log with previous=true', async () => {
    await start({ namespaces: { [NS]: {} } });
    fake.setImageBehaviour('shop:broken', {
      kind: 'crash',
      logs: 'starting\nError: DATABASE_URL is not set\n',
      exitCode: 3,
    });
    await applyDeployment(deployment('shop:broken'));
    fake.advanceTime(2000);
    const [pod] = await pods();
    const container = pod?.status?.containerStatuses?.[0];
    expect(container?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(container?.state?.waiting?.message).toMatch(
      /^back-off 10s restarting failed container=app pod=web-/,
    );
    expect(container?.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(container?.restartCount).toBe(1);
    const name = pod!.metadata!.name!;
    expect(
      await core.readNamespacedPodLog({
        name,
        namespace: NS,
        container: 'app',
        previous: true,
        tailLines: 1,
      }),
    ).toBe('Error: DATABASE_URL is not set\n');
    fake.advanceTime(10_000);
    expect((await pods())[0]?.status?.containerStatuses?.[0]?.restartCount).toBe(2);
    expect((await readDeployment()).status?.availableReplicas).toBeUndefined();
  });

  it('Pod Security "restricted": pods are refused and the Deployment reports ReplicaFailure with the reason', async () => {
    await start({ namespaces: { [NS]: { podSecurity: 'restricted' } } });
    await applyDeployment(deployment('shop:1', false));
    expect(fake.requests.at(-1)?.warnings[0]).toMatch(/^would violate PodSecurity "restricted:latest": /);
    fake.advanceTime(0);
    expect(await pods()).toEqual([]);
    const failure = (await readDeployment()).status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    expect(failure).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(failure?.message).toMatch(
      /^pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/,
    );
  });

  it('ResourceQuota: a pod past the quota is refused (FailedCreate with the quota’s words); used is kept current', async () => {
    await start({ namespaces: { [NS]: {} } });
    fake.create('resourcequotas', NS, {
      metadata: { name: 'small' },
      spec: { hard: { pods: '2', 'limits.cpu': '1' } },
    });
    const body = deployment('shop:1');
    body.spec!.template.spec!.containers[0]!.resources = {
      limits: { cpu: '600m' },
      requests: { cpu: '100m' },
    };
    await applyDeployment(body);
    fake.advanceTime(5000);
    expect(fake.object('resourcequotas', NS, 'small')?.status).toEqual({
      hard: { pods: '2', 'limits.cpu': '1' },
      used: { pods: '1', 'limits.cpu': '600m' },
    });
    // A new image needs a second pod beside the first: 1200m of limits do not fit in 1.
    const next = deployment('shop:2');
    next.spec!.template.spec!.containers[0]!.resources = body.spec!.template.spec!.containers[0]!.resources;
    await applyDeployment(next);
    fake.advanceTime(0);
    const failure = (await readDeployment()).status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    expect(failure?.reason).toBe('FailedCreate');
    expect(failure?.message).toMatch(
      /^pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: small, requested: limits\.cpu=600m, used: limits\.cpu=600m, limited: limits\.cpu=1$/,
    );
  });

  it('a rollout that does not finish within progressDeadlineSeconds: Progressing False, ProgressDeadlineExceeded', async () => {
    await start({ namespaces: { [NS]: {} } });
    fake.setImageBehaviour('shop:slow', { kind: 'ready', afterMs: 3_600_000 });
    const body = deployment('shop:slow');
    body.spec!.progressDeadlineSeconds = 60;
    await applyDeployment(body);
    fake.advanceTime(60_000);
    const progressing = (await readDeployment()).status?.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(progressing?.message).toMatch(/^ReplicaSet "web-[a-z0-9]+" has timed out progressing\.$/);
  });

  it('deleting the Deployment deletes its ReplicaSets and pods (garbage collector)', async () => {
    await start({ namespaces: { [NS]: {} } });
    await applyDeployment(deployment('shop:1'));
    fake.advanceTime(5000);
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: NS });
    expect(fake.objects('replicasets', NS)).toEqual([]);
    expect(fake.objects('pods', NS)).toEqual([]);
  });
});

describe('Argo CD application controller', () => {
  const ARGO = 'argocd';
  const target = (name: string) => ({
    group: 'argoproj.io',
    version: 'v1alpha1',
    namespace: ARGO,
    plural: 'applications',
    name,
  });
  const application = (name: string, image: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://gitea.example.com/acme/shop.git',
        targetRevision: 'c0ffee',
        path: 'deploy/preview',
        kustomize: { images: [image] },
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'pr-1-shop' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ...extra,
    },
  });
  const applyApp = (name: string, body: object) =>
    custom.patchNamespacedCustomObject(
      { ...target(name), body, fieldManager: 'aiworker', force: true },
      applyHeader,
    );
  const read = async (name: string) =>
    (await custom.getNamespacedCustomObject(target(name))) as {
      metadata: { annotations?: Record<string, string>; finalizers?: string[] };
      status?: {
        sync?: { status?: string; revision?: string };
        health?: { status?: string };
        operationState?: { phase?: string; message?: string };
        summary?: { images?: string[] };
        conditions?: Array<{ type: string; message: string }>;
        resources?: Array<{ kind: string; health?: { status?: string; message?: string } }>;
      };
    };

  it('OutOfSync → sync operation → Synced and Progressing → Healthy, with the deployed image', async () => {
    await start({ namespaces: { default: {} }, argocd: {} });
    await applyApp('shop-pr', application('shop-pr', 'registry/shop:c0ffee'));
    fake.advanceTime(1000);
    let app = await read('shop-pr');
    expect(app.status?.sync?.status).toBe('OutOfSync');
    expect(app.status?.operationState?.phase).toBe('Running');
    fake.advanceTime(2000);
    app = await read('shop-pr');
    expect(app.status?.operationState).toMatchObject({
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
    });
    expect(app.status?.sync).toMatchObject({ status: 'Synced', revision: 'c0ffee' });
    expect(app.status?.health?.status).toBe('Progressing');
    expect(app.status?.summary?.images).toEqual(['registry/shop:c0ffee']);
    // The namespace was created, and the repository's Deployment synced into it with the image.
    expect(fake.object('namespaces', '', 'pr-1-shop')).toBeDefined();
    const synced = fake.object('deployments', 'pr-1-shop', 'app');
    expect(synced?.metadata.labels?.['app.kubernetes.io/instance']).toBe('shop-pr');
    fake.advanceTime(5000);
    expect((await read('shop-pr')).status?.health?.status).toBe('Healthy');
  });

  it('the refresh annotation is taken and removed by the controller', async () => {
    await start({ namespaces: { default: {} }, argocd: {} });
    await applyApp('shop-pr', application('shop-pr', 'registry/shop:c0ffee'));
    fake.advanceTime(10_000);
    const before = (await read('shop-pr')) as { status?: { reconciledAt?: string } };
    await custom.patchNamespacedCustomObject(
      { ...target('shop-pr'), body: { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } } },
      mergeHeader,
    );
    expect((await read('shop-pr')).metadata.annotations?.['argocd.argoproj.io/refresh']).toBe('hard');
    fake.advanceTime(1000);
    const after = (await read('shop-pr')) as {
      metadata: { annotations?: Record<string, string> };
      status?: { reconciledAt?: string };
    };
    expect(after.metadata.annotations?.['argocd.argoproj.io/refresh']).toBeUndefined();
    expect(after.status?.reconciledAt).not.toBe(before.status?.reconciledAt);
  });

  it('Degraded with the resource’s health message; a failed sync with its message', async () => {
    await start({ namespaces: { default: {} }, argocd: {} });
    fake.argocd!.degradeImage('registry/shop:bad', 'Deployment "app" exceeded its progress deadline');
    fake.argocd!.failSyncOf(
      'registry/shop:invalid',
      'one or more objects failed to apply, reason: Deployment.apps "app" is invalid',
    );
    await applyApp('degraded', application('degraded', 'registry/shop:bad'));
    await applyApp('failing', {
      ...application('failing', 'registry/shop:invalid'),
      spec: {
        ...application('failing', 'registry/shop:invalid').spec,
        destination: { server: 'https://kubernetes.default.svc', namespace: 'pr-2-shop' },
      },
    });
    fake.advanceTime(10_000);
    const degraded = await read('degraded');
    expect(degraded.status?.health?.status).toBe('Degraded');
    expect(degraded.status?.resources?.[0]?.health).toEqual({
      status: 'Degraded',
      message: 'Deployment "app" exceeded its progress deadline',
    });
    const failing = await read('failing');
    expect(failing.status?.operationState).toMatchObject({ phase: 'Failed' });
    expect(failing.status?.operationState?.message).toContain('is invalid');
    expect(failing.status?.sync?.status).toBe('OutOfSync');
  });

  it('an unknown project, or a destination the project does not allow: InvalidSpecError, Unknown/Unknown', async () => {
    await start({ namespaces: { default: {} }, argocd: {} });
    await applyApp('lost', {
      ...application('lost', 'registry/shop:1'),
      spec: { ...application('lost', 'registry/shop:1').spec, project: 'previews' },
    });
    fake.create('appprojects', 'argocd', {
      metadata: { name: 'narrow' },
      spec: {
        sourceRepos: ['https://gitea.example.com/*'],
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'pr-*' }],
      },
    });
    const outside = application('outside', 'registry/shop:1');
    await applyApp('outside', {
      ...outside,
      spec: {
        ...outside.spec,
        project: 'narrow',
        destination: { server: 'https://kubernetes.default.svc', namespace: 'kube-system' },
      },
    });
    fake.advanceTime(1000);
    const lost = await read('lost');
    expect(lost.status?.conditions).toEqual([
      expect.objectContaining({
        type: 'InvalidSpecError',
        message: 'Application referencing project previews which does not exist',
      }),
    ]);
    expect([lost.status?.sync?.status, lost.status?.health?.status]).toEqual(['Unknown', 'Unknown']);
    expect((await read('outside')).status?.conditions?.[0]?.message).toBe(
      "application destination server 'https://kubernetes.default.svc' and namespace 'kube-system' do not match any of the allowed destinations in project 'narrow'",
    );
  });

  it('deleting an Application with the resources finalizer deletes what it synced, then the Application; the namespace stays', async () => {
    await start({ namespaces: { default: {} }, argocd: {} });
    await applyApp('shop-pr', application('shop-pr', 'registry/shop:c0ffee'));
    fake.advanceTime(10_000);
    await custom.deleteNamespacedCustomObject(target('shop-pr'));
    const marked = await read('shop-pr');
    expect(marked.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(fake.object('deployments', 'pr-1-shop', 'app')).toBeDefined();
    fake.advanceTime(1000);
    expect(fake.object('deployments', 'pr-1-shop', 'app')).toBeUndefined();
    expect(fake.object('applications', ARGO, 'shop-pr')).toBeUndefined();
    expect(fake.object('namespaces', '', 'pr-1-shop')).toBeDefined();
  });
});
