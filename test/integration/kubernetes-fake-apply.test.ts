import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildKubeConfig } from '../../src/kubernetes/kubeconfig.ts';
import { type KubernetesFake, startKubernetesFake } from '../fakes/kubernetes/server.ts';

/**
 * The fake's server-side apply, validation and deletion answer `@kubernetes/client-node` as
 * kube-apiserver does: field ownership and conflicts, refusals with the apiserver's codes and
 * messages, finalizers and namespace termination.
 */

const NS = 'shop';
let fake: KubernetesFake;
let core: CoreV1Api;
let apps: AppsV1Api;
let networking: NetworkingV1Api;
let custom: CustomObjectsApi;

const applyHeader = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergeHeader = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface StatusBody {
  code: number;
  reason: string;
  message: string;
  details?: {
    group?: string;
    kind?: string;
    causes?: Array<{ reason: string; field: string; message: string }>;
  };
}

async function apiError(call: Promise<unknown>): Promise<StatusBody> {
  const error = await call.then(
    () => {
      throw new Error('expected the API server to refuse');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  return JSON.parse((error as ApiException<string>).body) as StatusBody;
}

function deployment(image: string, extra: Partial<V1Deployment['spec']> = {}): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { team: 'shop' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'app',
              image,
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
      ...extra,
    },
  };
}

const applyDeployment = (body: V1Deployment, fieldManager = 'aiworker', force?: boolean) =>
  apps.patchNamespacedDeployment(
    { name: 'web', namespace: NS, body, fieldManager, ...(force === undefined ? {} : { force }) },
    applyHeader,
  );

beforeEach(async () => {
  fake = await startKubernetesFake({ namespaces: { [NS]: {} } });
  const config = buildKubeConfig({ kind: 'token', server: fake.url, token: fake.token });
  core = config.makeApiClient(CoreV1Api);
  apps = config.makeApiClient(AppsV1Api);
  networking = config.makeApiClient(NetworkingV1Api);
  custom = config.makeApiClient(CustomObjectsApi);
});

afterEach(async () => {
  await fake.close();
});

describe('server-side apply', () => {
  it('creates the object (201), defaults it, and records the applier as owner of what it sent', async () => {
    const created = await applyDeployment(deployment('shop:1'));
    expect(fake.requests.at(-1)?.status).toBe(201);
    expect(created.spec?.strategy?.type).toBe('RollingUpdate');
    expect(created.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
    const entries = created.metadata?.managedFields ?? [];
    expect(entries.map((e) => [e.manager, e.operation])).toEqual([['aiworker', 'Apply']]);
    const fields = entries[0]?.fieldsV1 as Record<string, Record<string, unknown>>;
    expect(Object.keys(fields['f:spec'] ?? {}).sort()).toEqual(['f:replicas', 'f:selector', 'f:template']);
    // Defaults the server filled in belong to nobody.
    expect(JSON.stringify(fields)).not.toContain('f:strategy');
    expect(JSON.stringify(fields)).toContain('k:{\\"name\\":\\"app\\"}');
  });

  it('a second identical apply changes nothing: same resourceVersion, same managedFields', async () => {
    const first = await applyDeployment(deployment('shop:1'));
    const second = await applyDeployment(deployment('shop:1'));
    expect(fake.requests.at(-1)?.status).toBe(200);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    expect(second.metadata?.generation).toBe(1);
    expect(JSON.stringify(second.metadata?.managedFields)).toBe(
      JSON.stringify(first.metadata?.managedFields),
    );
  });

  it('changing a field the applier owns bumps the generation; dropping a field removes it', async () => {
    await applyDeployment(deployment('shop:1', { revisionHistoryLimit: 3 }));
    const changed = await applyDeployment(deployment('shop:2'));
    expect(changed.metadata?.generation).toBe(2);
    expect(changed.spec?.template.spec?.containers[0]?.image).toBe('shop:2');
    // revisionHistoryLimit was applied before and no longer is: back to the default.
    expect(changed.spec?.revisionHistoryLimit).toBe(10);
  });

  it('a field another manager changed conflicts (409, one cause per field) unless forced', async () => {
    await applyDeployment(deployment('shop:1'));
    await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: NS,
        body: { spec: { replicas: 3 } },
        fieldManager: 'kubectl-scale',
      },
      mergeHeader,
    );
    const status = await apiError(applyDeployment(deployment('shop:1')));
    expect(status.code).toBe(409);
    expect(status.reason).toBe('Conflict');
    expect(status.message).toMatch(
      /^Apply failed with 1 conflict: conflict with "kubectl-scale" using apps\/v1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: \.spec\.replicas$/,
    );
    expect(status.details?.causes?.[0]).toMatchObject({
      reason: 'FieldManagerConflict',
      field: '.spec.replicas',
    });

    const forced = await applyDeployment(deployment('shop:1'), 'aiworker', true);
    expect(forced.spec?.replicas).toBe(1);
    // The other manager lost the field; it owns nothing else, so its entry is gone.
    expect(forced.metadata?.managedFields?.map((e) => e.manager)).toEqual(['aiworker']);
  });

  it('two appliers of the same value share a field; either may then drop it without losing the value', async () => {
    await applyDeployment(deployment('shop:1'));
    const shared = deployment('shop:1');
    await applyDeployment(shared, 'ops');
    let live = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
    expect(live.metadata?.managedFields?.map((e) => e.manager).sort()).toEqual(['aiworker', 'ops']);
    const withoutLabel = deployment('shop:1');
    delete withoutLabel.metadata!.labels;
    await applyDeployment(withoutLabel, 'ops');
    live = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
    expect(live.metadata?.labels).toEqual({ team: 'shop' });
    // A conflict names every manager holding the field, with one path per conflicting field.
    const status = await apiError(applyDeployment(deployment('shop:9'), 'other'));
    expect(status.message).toMatch(/^Apply failed with 2 conflicts: conflicts with "aiworker":\n- /);
  });

  it('refuses an apply without fieldManager, and force on a non-apply patch (422 PatchOptions)', async () => {
    const noManager = await apiError(
      apps.patchNamespacedDeployment({ name: 'web', namespace: NS, body: deployment('shop:1') }, applyHeader),
    );
    expect(noManager).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message:
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      details: { group: 'meta.k8s.io', kind: 'PatchOptions' },
    });
    await applyDeployment(deployment('shop:1'));
    const forced = await apiError(
      apps.patchNamespacedDeployment(
        { name: 'web', namespace: NS, body: { metadata: {} }, force: true },
        mergeHeader,
      ),
    );
    expect(forced.message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    );
  });

  it('refuses managedFields in the body, a wrong apiVersion, and a name other than the URL’s (400)', async () => {
    const withFields = deployment('shop:1');
    withFields.metadata!.managedFields = [];
    expect((await apiError(applyDeployment(withFields))).message).toBe('metadata.managedFields must be nil');
    const wrongVersion = { ...deployment('shop:1'), apiVersion: 'apps/v1beta1' };
    expect((await apiError(applyDeployment(wrongVersion))).message).toBe(
      'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1',
    );
    const wrongName = deployment('shop:1');
    wrongName.metadata!.name = 'other';
    const status = await apiError(applyDeployment(wrongName));
    expect(status).toMatchObject({
      code: 400,
      message: 'the name of the object (other) does not match the name on the URL (web)',
    });
  });
});

describe('validation of what is applied', () => {
  it('a Deployment whose selector does not match its template labels is 422, with the field', async () => {
    const body = deployment('shop:1');
    body.spec!.template.metadata!.labels = { app: 'other' };
    const status = await apiError(applyDeployment(body));
    expect(status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(status.message).toBe(
      'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    );
  });

  it('a Deployment without containers is 422 (schema), and a selector cannot change (immutable)', async () => {
    const empty = deployment('shop:1');
    empty.spec!.template.spec!.containers = [];
    expect((await apiError(applyDeployment(empty))).details?.causes?.map((c) => c.field)).toContain(
      'spec.template.spec.containers',
    );
    await applyDeployment(deployment('shop:1'));
    const moved = deployment('shop:1');
    moved.spec!.selector = { matchLabels: { app: 'web', tier: 'front' } };
    moved.spec!.template.metadata!.labels = { app: 'web', tier: 'front' };
    const status = await apiError(applyDeployment(moved));
    expect(status.details?.causes?.[0]).toMatchObject({
      field: 'spec.selector',
      reason: 'FieldValueInvalid',
    });
    expect(status.details?.causes?.[0]?.message).toContain('field is immutable');
  });

  it('a value of the wrong JSON type in a built-in kind fails decoding (400)', async () => {
    const body = deployment('shop:1') as unknown as { spec: { replicas: unknown } };
    body.spec.replicas = 'three';
    const status = await apiError(applyDeployment(body as unknown as V1Deployment));
    expect(status.code).toBe(400);
    expect(status.message).toContain(
      'cannot unmarshal string into Go struct field .spec.replicas of type integer',
    );
  });

  it('a Service name must be a DNS-1035 label; an Ingress path needs a pathType', async () => {
    const service = await apiError(
      core.patchNamespacedService(
        {
          name: '1web',
          namespace: NS,
          body: {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: '1web' },
            spec: { ports: [{ port: 80 }] },
          },
          fieldManager: 'aiworker',
        },
        applyHeader,
      ),
    );
    expect(service.message).toContain(
      'Service "1web" is invalid: metadata.name: Invalid value: "1web": a DNS-1035 label',
    );
    const ingress = await apiError(
      networking.patchNamespacedIngress(
        {
          name: 'web',
          namespace: NS,
          body: {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            metadata: { name: 'web' },
            spec: {
              rules: [
                {
                  host: 'web.example.com',
                  http: {
                    paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }],
                  },
                } as never,
              ],
            },
          },
          fieldManager: 'aiworker',
        },
        applyHeader,
      ),
    );
    expect(ingress.message).toBe(
      'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
    );
  });

  it('an Argo CD Application is checked against its CRD schema (422 with the schema message)', async () => {
    const status = await apiError(
      custom.patchNamespacedCustomObject(
        {
          group: 'argoproj.io',
          version: 'v1alpha1',
          namespace: NS,
          plural: 'applications',
          name: 'app',
          body: {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Application',
            metadata: { name: 'app' },
            spec: { destination: { namespace: 'x' }, source: { repoURL: 'https://git/x.git', path: 7 } },
          },
          fieldManager: 'aiworker',
        },
        applyHeader,
      ),
    );
    expect(status.code).toBe(422);
    expect(status.message).toContain('Application.argoproj.io "app" is invalid:');
    expect(status.details?.causes).toEqual(
      expect.arrayContaining([
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.project' },
        {
          reason: 'FieldValueTypeInvalid',
          message: 'Invalid value: "integer": spec.source.path in body must be of type string: "integer"',
          field: 'spec.source.path',
        },
      ]),
    );
  });
});

describe('deletion, finalizers and namespaces', () => {
  const configMapLike = (name: string, finalizers: string[] = []) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, finalizers },
    spec: { ports: [{ port: 80 }] },
  });

  it('an object with a finalizer is only marked; removing the finalizer deletes it', async () => {
    await core.createNamespacedService({ namespace: NS, body: configMapLike('held', ['example.com/hold']) });
    await core.deleteNamespacedService({ name: 'held', namespace: NS });
    const marked = await core.readNamespacedService({ name: 'held', namespace: NS });
    expect(marked.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const added = await apiError(
      core.patchNamespacedService(
        {
          name: 'held',
          namespace: NS,
          body: { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } },
        },
        mergeHeader,
      ),
    );
    expect(added.details?.causes?.[0]?.message).toBe(
      'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/more"}',
    );
    await core.patchNamespacedService(
      { name: 'held', namespace: NS, body: { metadata: { finalizers: null } } },
      mergeHeader,
    );
    expect((await apiError(core.readNamespacedService({ name: 'held', namespace: NS }))).code).toBe(404);
  });

  it('deleting a namespace deletes what is in it; content with finalizers keeps it Terminating, refusing new objects', async () => {
    await core.createNamespacedService({ namespace: NS, body: configMapLike('plain') });
    await core.createNamespacedService({ namespace: NS, body: configMapLike('held', ['example.com/hold']) });
    const deleted = (await core.deleteNamespace({ name: NS })) as unknown as { status?: { phase?: string } };
    expect(deleted.status?.phase).toBe('Terminating');
    expect(fake.object('services', NS, 'plain')).toBeUndefined();
    expect(fake.object('services', NS, 'held')?.metadata.deletionTimestamp).toBeDefined();
    const refused = await apiError(
      core.createNamespacedService({ namespace: NS, body: configMapLike('late') }),
    );
    expect(refused).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: `services "late" is forbidden: unable to create new content in namespace ${NS} because it is being terminated`,
    });
    expect(refused.details?.causes?.[0]).toMatchObject({
      reason: 'NamespaceTerminating',
      field: 'metadata.namespace',
    });
    await core.patchNamespacedService(
      { name: 'held', namespace: NS, body: { metadata: { finalizers: null } } },
      mergeHeader,
    );
    expect((await apiError(core.readNamespace({ name: NS }))).code).toBe(404);
  });

  it('a new namespace gets the kubernetes.io/metadata.name label and the kubernetes finalizer', async () => {
    const created = await core.patchNamespace(
      {
        name: 'pr-1-x',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pr-1-x' } },
        fieldManager: 'aiworker',
      },
      applyHeader,
    );
    expect(created.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'pr-1-x' });
    expect(created.spec?.finalizers).toEqual(['kubernetes']);
    expect(created.status?.phase).toBe('Active');
    const list = await core.listNamespace({ labelSelector: 'kubernetes.io/metadata.name=pr-1-x' });
    expect(list.items.map((n) => n.metadata?.name)).toEqual(['pr-1-x']);
    const invalid = await apiError(
      core.patchNamespace(
        {
          name: 'PR_1',
          body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'PR_1' } },
          fieldManager: 'x',
        },
        applyHeader,
      ),
    );
    expect(invalid.message).toContain(
      'Namespace "PR_1" is invalid: metadata.name: Invalid value: "PR_1": a lowercase RFC 1123 label',
    );
  });
});
