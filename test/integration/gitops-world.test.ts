import { afterEach, describe, expect, it } from 'vitest';
import { type ApiCall, apiClient } from '../fakes/gitea/api-client.ts';
import {
  addGitOpsEnvironment,
  type GitOpsWorld,
  overlayKustomization,
  startGitOpsWorld,
} from '../fakes/gitops-world.ts';
import type { KubeObject } from '../fakes/kubernetes/types.ts';

/**
 * Argo CD (the Kubernetes fake's controller) following a GitOps repository in the Gitea fake:
 * a commit to the repository, then a refresh or the periodic reconciliation, makes the
 * Application sync to that commit and the image tag its kustomization names.
 */

type Json = Record<string, unknown>;
const GITOPS = 'alice/gitops';
const PATH = 'shop/staging/kustomization.yaml';

let world: GitOpsWorld;
let botToken: string;
const api: ApiCall = apiClient(
  () => world.gitea.url,
  () => botToken,
);

afterEach(async () => {
  await world.close();
});

async function start() {
  world = await startGitOpsWorld();
  botToken = world.gitea.addUser('aiworker-bot', { password: 'pw' }).token;
  world.gitea.addUser('alice');
  world.gitea.createRepo('alice', 'gitops');
  world.gitea.setPermission(GITOPS, 'aiworker-bot', 'write');
  const image = `${new URL(world.gitea.url).host}/alice/shop`;
  const env = addGitOpsEnvironment(world, {
    repo: GITOPS,
    app: 'shop',
    environment: 'staging',
    image,
    tag: 'v1',
  });
  world.kubernetes.advanceTime(10_000);
  return { image, ...env };
}

function application(name: string): KubeObject & { status?: Json } {
  const app = world.kubernetes.object('applications', 'argocd', name);
  if (!app) throw new Error(`no Application ${name}`);
  return app as KubeObject & { status?: Json };
}

/** What the bot's promotion does: the overlay's tag changed through the contents API. */
async function promote(tag: string, image: string): Promise<string> {
  const current = (await api(`/repos/alice/gitops/contents/${PATH}`)).json as Json;
  const written = await api(`/repos/alice/gitops/contents/${PATH}`, {
    method: 'PUT',
    body: {
      sha: current.sha,
      message: `Promote shop to ${tag}`,
      content: Buffer.from(overlayKustomization({ base: '../base', imageName: 'shop', image, tag })).toString(
        'base64',
      ),
    },
  });
  expect(written.status).toBe(200);
  return String((written.json as { commit: Json }).commit.sha);
}

/** `argocd.argoproj.io/refresh: normal`, as `argocd app get --refresh` sets it. */
async function refresh(name: string): Promise<void> {
  const res = await fetch(
    `${world.kubernetes.url}/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/${name}`,
    {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${world.kubernetes.token}`,
        'Content-Type': 'application/merge-patch+json',
      },
      body: JSON.stringify({ metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } }),
    },
  );
  expect(res.status).toBe(200);
}

describe('Argo CD following the GitOps repository', () => {
  it('syncs the overlay at the repository head: the commit as revision, the kustomization’s tag running', async () => {
    const { image, application: name } = await start();
    const app = application(name);
    expect(app.status).toMatchObject({
      sync: { status: 'Synced', revision: world.gitea.branchSha(GITOPS) },
      health: { status: 'Healthy' },
      summary: { images: [`${image}:v1`] },
    });
    const deployment = world.kubernetes.object('deployments', 'shop-staging', 'shop') as KubeObject & {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(deployment.spec.template.spec.containers[0]?.image).toBe(`${image}:v1`);
  });

  it('after a promotion commit and a refresh, syncs to the new commit and tag', async () => {
    const { image, application: name } = await start();
    const commit = await promote('c0ffee1', image);
    // Until Argo CD looks again, nothing changes.
    world.kubernetes.advanceTime(10_000);
    expect(application(name).status).toMatchObject({ summary: { images: [`${image}:v1`] } });
    await refresh(name);
    world.kubernetes.advanceTime(1_000);
    expect(application(name).status).toMatchObject({ sync: { status: 'OutOfSync' } });
    world.kubernetes.advanceTime(10_000);
    const status = application(name).status as Json;
    expect(status).toMatchObject({
      sync: { status: 'Synced', revision: commit },
      health: { status: 'Healthy' },
      summary: { images: [`${image}:c0ffee1`] },
      operationState: { phase: 'Succeeded', syncResult: { revision: commit } },
    });
    expect((status.history as Json[]).map((h) => h.revision)).toEqual([expect.any(String), commit]);
    expect(application(name).metadata.annotations?.['argocd.argoproj.io/refresh']).toBeUndefined();
  });

  it('notices a commit by itself at the next periodic reconciliation (180 s)', async () => {
    const { image, application: name } = await start();
    const commit = await promote('c0ffee2', image);
    world.kubernetes.advanceTime(170_000);
    expect(application(name).status).toMatchObject({ summary: { images: [`${image}:v1`] } });
    world.kubernetes.advanceTime(20_000);
    expect(application(name).status).toMatchObject({
      sync: { status: 'Synced', revision: commit },
      summary: { images: [`${image}:c0ffee2`] },
    });
  });

  it('ends Degraded for a tag the test marks as failing', async () => {
    const { image, application: name } = await start();
    world.kubernetes.argocd?.degradeImage('bad1', 'Deployment "shop" exceeded its progress deadline');
    await promote('bad1', image);
    await refresh(name);
    world.kubernetes.advanceTime(20_000);
    const status = application(name).status as Json;
    expect(status).toMatchObject({ sync: { status: 'Synced' }, health: { status: 'Degraded' } });
    expect(status.resources).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        health: { status: 'Degraded', message: 'Deployment "shop" exceeded its progress deadline' },
      }),
    ]);
  });

  it('follows a promotion merged through a pull request on the GitOps repository', async () => {
    const { image, application: name } = await start();
    const current = (await api(`/repos/alice/gitops/contents/${PATH}`)).json as Json;
    await api(`/repos/alice/gitops/contents/${PATH}`, {
      method: 'PUT',
      body: {
        sha: current.sha,
        new_branch: 'promote/shop-staging',
        content: Buffer.from(
          overlayKustomization({ base: '../base', imageName: 'shop', image, tag: 'f00d' }),
        ).toString('base64'),
      },
    });
    const pull = await api('/repos/alice/gitops/pulls', {
      method: 'POST',
      body: { head: 'promote/shop-staging', base: 'main', title: 'Promote shop to staging' },
    });
    await refresh(name);
    world.kubernetes.advanceTime(20_000);
    // The branch alone deploys nothing: the Application follows the default branch.
    expect(application(name).status).toMatchObject({ summary: { images: [`${image}:v1`] } });
    await world.gitea.as('alice').mergePullRequest(GITOPS, Number((pull.json as Json).number));
    await refresh(name);
    world.kubernetes.advanceTime(20_000);
    expect(application(name).status).toMatchObject({
      sync: { status: 'Synced', revision: world.gitea.branchSha(GITOPS) },
      summary: { images: [`${image}:f00d`] },
    });
  });

  it('reports a revision or repository it cannot read as a ComparisonError, as Argo CD words it', async () => {
    await start();
    world.kubernetes.create('applications', 'argocd', {
      metadata: { name: 'lost' },
      spec: {
        project: 'default',
        source: {
          repoURL: `${world.gitea.url}/alice/gitops.git`,
          targetRevision: 'nope',
          path: 'shop/staging',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'lost' },
      },
    });
    world.kubernetes.create('applications', 'argocd', {
      metadata: { name: 'elsewhere' },
      spec: {
        project: 'default',
        source: {
          repoURL: `${world.gitea.url}/alice/missing.git`,
          targetRevision: 'HEAD',
          path: 'shop/staging',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'elsewhere' },
      },
    });
    world.kubernetes.create('applications', 'argocd', {
      metadata: { name: 'no-path' },
      spec: {
        project: 'default',
        source: {
          repoURL: `${world.gitea.url}/alice/gitops.git`,
          targetRevision: 'main',
          path: 'shop/production',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'no-path' },
      },
    });
    world.kubernetes.advanceTime(2_000);
    const condition = (name: string) => (application(name).status?.conditions as Json[] | undefined)?.[0];
    expect(application('lost').status).toMatchObject({ sync: { status: 'Unknown' } });
    expect(condition('lost')).toMatchObject({
      type: 'ComparisonError',
      message: "rpc error: code = Unknown desc = Unable to resolve 'nope' to a commit SHA",
    });
    expect(condition('elsewhere')?.message).toBe(
      'rpc error: code = Unknown desc = failed to list refs: repository not found',
    );
    expect(condition('no-path')?.message).toBe(
      'rpc error: code = Unknown desc = shop/production: app path does not exist',
    );
  });
});
