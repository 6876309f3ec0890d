import { stringify } from 'yaml';
import { type GiteaFake, type StartGiteaFakeOptions, startGiteaFake } from './gitea/index.ts';
import type { ApplicationSource, RepositoryReading } from './kubernetes/argocd-controller.ts';
import { type KubernetesFake, type KubernetesFakeOptions, startKubernetesFake } from './kubernetes/server.ts';

/**
 * The Gitea fake and the Kubernetes fake wired together the way a GitOps setup wires them:
 * Argo CD reads its Applications' sources from the Gitea fake's repositories. The two fakes
 * stay independent; the only link is the repository reader handed to Argo CD here.
 */

/**
 * Argo CD's repo server over the Gitea fake: `repoURL` is a repository's clone or web URL on
 * it, `targetRevision` a branch, a full commit sha, or `HEAD`/empty for the default branch.
 * Errors are worded as Argo CD's (argo-cd issues #7282, #8235; go-git's "repository not found").
 */
export function giteaRepositoryReader(gitea: GiteaFake): (source: ApplicationSource) => RepositoryReading {
  return (source) => {
    const prefix = `${gitea.url}/`;
    const fullName = source.repoURL.startsWith(prefix)
      ? source.repoURL
          .slice(prefix.length)
          .replace(/\.git$/, '')
          .replace(/\/+$/, '')
      : '';
    const [owner, name, ...rest] = fullName.split('/');
    if (!owner || !name || rest.length > 0) throw new Error('failed to list refs: repository not found');
    let commit: ReturnType<GiteaFake['readCommit']>;
    try {
      commit = gitea.readCommit(`${owner}/${name}`, source.targetRevision || 'HEAD');
    } catch {
      throw new Error('failed to list refs: repository not found');
    }
    if (!commit) throw new Error(`Unable to resolve '${source.targetRevision}' to a commit SHA`);
    return { revision: commit.sha, files: commit.files };
  };
}

export interface GitOpsWorld {
  gitea: GiteaFake;
  kubernetes: KubernetesFake;
  close(): Promise<void>;
}

/** Both fakes, Argo CD (namespace `argocd`) following the Gitea fake's repositories. */
export async function startGitOpsWorld(
  opts: {
    gitea?: StartGiteaFakeOptions;
    kubernetes?: Omit<KubernetesFakeOptions, 'argocd'>;
    argocd?: KubernetesFakeOptions['argocd'];
  } = {},
): Promise<GitOpsWorld> {
  const gitea = await startGiteaFake(opts.gitea);
  const kubernetes = await startKubernetesFake({
    namespaces: { default: {} },
    ...opts.kubernetes,
    argocd: { ...opts.argocd, repository: giteaRepositoryReader(gitea) },
  });
  return {
    gitea,
    kubernetes,
    async close() {
      await kubernetes.close();
      await gitea.close();
    },
  };
}

/** A kustomize overlay that deploys `image` at `tag` over `base` (a kustomization.yaml). */
export function overlayKustomization(opts: {
  base: string;
  imageName: string;
  image: string;
  tag: string;
}): string {
  return stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [opts.base],
    images: [{ name: opts.imageName, newName: opts.image, newTag: opts.tag }],
  });
}

/**
 * An environment of an app in a GitOps repository: a base (one Deployment of `imageName`
 * and its kustomization) and an overlay `<app>/<environment>` that sets the image and tag,
 * pushed to the repository's default branch; and the Argo CD Application
 * `<app>-<environment>` that follows the overlay with automated sync.
 */
export function addGitOpsEnvironment(
  world: GitOpsWorld,
  opts: { repo: string; app: string; environment: string; image: string; tag: string; namespace?: string },
): { path: string; application: string } {
  const imageName = opts.app;
  const base = `${opts.app}/base`;
  const path = `${opts.app}/${opts.environment}`;
  const files = world.gitea.files(opts.repo);
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: opts.app, labels: { app: opts.app } },
    spec: {
      selector: { matchLabels: { app: opts.app } },
      template: {
        metadata: { labels: { app: opts.app } },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: opts.app,
              image: `${imageName}:latest`,
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
  const writes: Record<string, string> = {
    [`${path}/kustomization.yaml`]: overlayKustomization({
      base: '../base',
      imageName,
      image: opts.image,
      tag: opts.tag,
    }),
  };
  if (files[`${base}/kustomization.yaml`] === undefined) {
    writes[`${base}/deployment.yaml`] = stringify(deployment);
    writes[`${base}/kustomization.yaml`] = stringify({ resources: ['deployment.yaml'] });
  }
  world.gitea.setFiles(opts.repo, writes, { message: `Add ${path}` });
  const application = `${opts.app}-${opts.environment}`;
  world.kubernetes.create('applications', 'argocd', {
    metadata: { name: application },
    spec: {
      project: 'default',
      source: { repoURL: `${world.gitea.url}/${opts.repo}.git`, targetRevision: 'HEAD', path },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: opts.namespace ?? path.replace('/', '-'),
      },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    },
  });
  return { path, application };
}
