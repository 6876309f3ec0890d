import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { RenderError, renderPath } from '../fakes/kubernetes/kustomize.ts';

/** What the Kubernetes fake's Argo CD renders for a path of a GitOps repository. */

const deployment = (image: string, extra: Record<string, unknown> = {}) =>
  stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'shop' } },
      template: {
        metadata: { labels: { app: 'shop' } },
        spec: {
          containers: [{ name: 'shop', image }],
          initContainers: [{ name: 'migrate', image }],
          ...extra,
        },
      },
    },
  });

const imagesOf = (objects: Array<Record<string, unknown>>) =>
  objects.flatMap((o) => {
    const spec = (o.spec as { template: { spec: Record<string, Array<{ image: string }>> } }).template.spec;
    return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.image);
  });

const repo = {
  'shop/base/deployment.yaml': deployment('shop:latest'),
  'shop/base/kustomization.yaml': stringify({ resources: ['deployment.yaml'] }),
  'shop/staging/kustomization.yaml': stringify({
    resources: ['../base'],
    images: [{ name: 'shop', newName: 'gitea.example.com/acme/shop', newTag: 'abc123' }],
  }),
  'shop/pinned/kustomization.yaml': stringify({
    resources: ['../base'],
    images: [{ name: 'shop', digest: `sha256:${'a'.repeat(64)}` }],
  }),
  'plain/app.yaml': `${deployment('registry.example.com:5000/acme/shop:v1')}---\n${stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop' } })}`,
  'plain/nested/ignored.yaml': deployment('ignored:1'),
  'odd/kustomization.yaml': stringify({ resources: ['x.yaml'], namePrefix: 'p-' }),
};

describe('rendering an Application path', () => {
  it('builds an overlay over its base and sets the image the overlay names, in every container', () => {
    expect(imagesOf(renderPath(repo, 'shop/staging'))).toEqual([
      'gitea.example.com/acme/shop:abc123',
      'gitea.example.com/acme/shop:abc123',
    ]);
  });

  it('pins a digest instead of a tag, and leaves other images alone', () => {
    expect(imagesOf(renderPath(repo, 'shop/pinned'))).toEqual([
      `shop@sha256:${'a'.repeat(64)}`,
      `shop@sha256:${'a'.repeat(64)}`,
    ]);
    expect(imagesOf(renderPath(repo, 'shop/base'))).toEqual(['shop:latest', 'shop:latest']);
  });

  it("sets Argo CD's own kustomize image overrides as `kustomize edit set image` does", () => {
    // Same name: the override replaces the overlay's entry.
    const objects = renderPath(repo, 'shop/staging', ['shop=gitea.example.com/acme/shop:override']);
    expect(imagesOf(objects)).toEqual([
      'gitea.example.com/acme/shop:override',
      'gitea.example.com/acme/shop:override',
    ]);
    // Another name: one more entry, applied after the overlay's.
    const byNewName = renderPath(repo, 'shop/staging', ['gitea.example.com/acme/shop:override']);
    expect(imagesOf(byNewName)).toEqual([
      'gitea.example.com/acme/shop:override',
      'gitea.example.com/acme/shop:override',
    ]);
  });

  it('reads a directory without a kustomization as its manifests, not its subdirectories', () => {
    const objects = renderPath(repo, 'plain');
    expect(objects.map((o) => o.kind)).toEqual(['Deployment', 'Service']);
    expect(imagesOf([objects[0] as Record<string, unknown>])).toEqual([
      'registry.example.com:5000/acme/shop:v1',
      'registry.example.com:5000/acme/shop:v1',
    ]);
  });

  it('refuses a path that does not exist and kustomize features it does not model', () => {
    expect(() => renderPath(repo, 'shop/production')).toThrow(
      new RenderError('shop/production: app path does not exist'),
    );
    expect(() => renderPath(repo, 'odd')).toThrow('the Kubernetes fake does not model namePrefix');
  });
});
