import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesPreviews } from '../../src/deploy/kubernetes-preview.ts';
import type { KubernetesPreviewSettings, PreviewTarget } from '../../src/deploy/preview-manifests.ts';
import { buildKubeConfig } from '../../src/kubernetes/kubeconfig.ts';
import { type KubernetesFake, startKubernetesFake } from '../fakes/kubernetes/server.ts';

const SHA1 = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);
const settings: KubernetesPreviewSettings = { domain: 'previews.example.com', port: 8080, healthPath: '/healthz' };
const target = (sha = SHA1, overrides: Partial<PreviewTarget> = {}): PreviewTarget => ({
  repo: 'acme/web-shop',
  prNumber: 12,
  sha,
  image: 'registry.example.com/acme/web-shop',
  ...overrides,
});

let fake: KubernetesFake;
let previews: KubernetesPreviews;

beforeEach(async () => {
  fake = await startKubernetesFake({ namespaces: { default: {}, 'ingress-nginx': {} }, podReadyAfterMs: 6000 });
  const config = buildKubeConfig({ kind: 'token', server: fake.url, token: fake.token });
  previews = new KubernetesPreviews(config, settings, {
    clock: { now: () => fake.clock.now(), sleep: async (ms) => fake.advanceTime(ms) },
  });
});

afterEach(async () => {
  await fake.close();
});

describe('smoke', () => {
  it('deploys', async () => {
    const outcome = await previews.deploy(target());
    console.log(JSON.stringify(outcome, null, 1));
    console.log(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n'));
    console.log(JSON.stringify(fake.object('deployments', 'pr-12-web-shop', 'preview'), null, 1));
  });
});
