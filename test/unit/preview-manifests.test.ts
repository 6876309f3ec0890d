import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Namespace, ResourceQuota, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { renderPreviewApplication } from '../../src/deploy/argocd-application.ts';
import {
  DEFAULT_PREVIEW_QUOTA,
  DEFAULT_PREVIEW_RESOURCES,
  renderPreviewManifests,
} from '../../src/deploy/preview-manifests.ts';
import { restrictedViolations } from '../fakes/kubernetes/pod-security.ts';
import { parseQuantity } from '../fakes/kubernetes/validation.ts';

const sha = '0123456789abcdef0123456789abcdef01234567';
const target = { repo: 'acme/web-shop', prNumber: 8, sha, image: 'registry.example.com/acme/web-shop' };
const settings = { domain: 'previews.example.com', port: 3000, healthPath: '/ready' };

describe('renderPreviewManifests', () => {
  const manifests = renderPreviewManifests(target, settings);
  const [quota, policy, service, deployment, ingress] = manifests.namespaced;

  it('renders objects the Kubernetes schemas accept, all in the preview namespace', () => {
    new Namespace(manifests.namespace as never).validate();
    new ResourceQuota(quota as never).validate();
    new NetworkPolicy(policy as never).validate();
    new Service(service as never).validate();
    new Deployment(deployment as never).validate();
    new Ingress(ingress as never).validate();
    expect(manifests.namespaced.map((o) => o.metadata?.namespace)).toEqual(Array(5).fill('pr-8-web-shop'));
  });

  it('runs <image>:<sha> non-root with no privileges, within Pod Security restricted', () => {
    const podSpec = deployment.spec!.template.spec!;
    expect(restrictedViolations(podSpec as never)).toEqual([]);
    const container = podSpec.containers[0]!;
    expect(container.image).toBe(`registry.example.com/acme/web-shop:${sha}`);
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(manifests.namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('the quota holds two pods of the default size (old and new during a rollout)', () => {
    const hard = quota.spec!.hard!;
    for (const [resource, key] of [
      ['cpu', 'requests.cpu'],
      ['memory', 'requests.memory'],
    ] as const) {
      expect(
        parseQuantity(hard[key])! >= 2 * parseQuantity(DEFAULT_PREVIEW_RESOURCES.requests[resource])!,
      ).toBe(true);
    }
    for (const [resource, key] of [
      ['cpu', 'limits.cpu'],
      ['memory', 'limits.memory'],
    ] as const) {
      expect(
        parseQuantity(hard[key])! >= 2 * parseQuantity(DEFAULT_PREVIEW_RESOURCES.limits[resource])!,
      ).toBe(true);
    }
    expect(Number(DEFAULT_PREVIEW_QUOTA.pods)).toBeGreaterThanOrEqual(2);
    expect(hard['services.loadbalancers']).toBe('0');
  });

  it('lets traffic in only from the ingress controller, and out only to DNS and public addresses', () => {
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
        ports: [{ port: 3000, protocol: 'TCP' }],
      },
    ]);
    expect(policy.spec.egress[1]?.to[0]?.ipBlock?.except).toContain('10.0.0.0/8');
    expect(policy.spec.egress[1]?.to[0]?.ipBlock?.except).toContain('169.254.0.0/16');
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('serves https://pr-<N>-<repo>.<domain>; the TLS secret and ingress class only when configured', () => {
    expect(manifests.url).toBe('https://pr-8-web-shop.previews.example.com');
    expect(ingress.spec?.tls).toEqual([{ hosts: ['pr-8-web-shop.previews.example.com'] }]);
    expect(ingress.spec?.ingressClassName).toBeUndefined();
    const withTls = renderPreviewManifests(target, {
      ...settings,
      tlsSecretName: 'wildcard',
      ingressClassName: 'nginx',
    });
    expect(withTls.namespaced[4].spec).toMatchObject({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['pr-8-web-shop.previews.example.com'], secretName: 'wildcard' }],
    });
  });

  it('refuses a port or health path the probe could not use', () => {
    expect(() => renderPreviewManifests(target, { ...settings, port: 0 })).toThrow(
      'preview port must be 1-65535',
    );
    expect(() => renderPreviewManifests(target, { ...settings, healthPath: 'ready' })).toThrow(
      'must start with "/"',
    );
  });
});

describe('renderPreviewApplication', () => {
  const app = renderPreviewApplication(
    { ...target, repoURL: 'https://gitea.example.com/acme/web-shop.git' },
    { domain: 'previews.example.com', path: '/deploy/preview/', argocdNamespace: 'gitops' },
  );

  it('is an Application the Argo CD CRD schema accepts', () => {
    new Application(app as never).validate();
    expect(app.metadata).toMatchObject({ name: 'pr-8-web-shop', namespace: 'gitops' });
  });

  it('deploys the kustomize path at the sha with the image overridden, into pr-<N>-<repo>, pruning, with the resources finalizer', () => {
    expect(app.spec.source).toEqual({
      repoURL: 'https://gitea.example.com/acme/web-shop.git',
      targetRevision: sha,
      path: 'deploy/preview',
      kustomize: { images: [`registry.example.com/acme/web-shop:${sha}`] },
    });
    expect(app.spec.destination).toEqual({
      server: 'https://kubernetes.default.svc',
      namespace: 'pr-8-web-shop',
    });
    expect(app.spec.syncPolicy?.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy?.syncOptions).toEqual(['CreateNamespace=true']);
    expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(app.spec.project).toBe('default');
  });

  it('refuses a path that leaves the repository', () => {
    expect(() =>
      renderPreviewApplication(
        { ...target, repoURL: 'https://gitea.example.com/acme/web-shop.git' },
        { domain: 'previews.example.com', path: '../other' },
      ),
    ).toThrow('must stay inside the repository');
  });
});
