import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from '../kubernetes/api-errors.ts';
import {
  type ApplicationOutcome,
  type ArgoCdPreviewSettings,
  type PreviewApplicationInput,
  prNumberOf,
  readApplication,
  renderPreviewApplication,
} from './argocd-application.ts';
import { ArgoCdApplications, type ArgoCdClientOptions } from './argocd-client.ts';
import { DeployError, PreviewNameTakenError, PreviewTerminatingError } from './errors.ts';
import { readNamespace } from './namespace.ts';
import {
  foreignHolder,
  type ListedPreview,
  PREVIEW_SELECTOR,
  REPO_ANNOTATION,
  SHA_ANNOTATION,
  URL_ANNOTATION,
} from './preview-labels.ts';

/**
 * `argocd`-mode previews: the bot writes one Argo CD Application per pull request and lets
 * Argo CD deploy the repository's kustomize directory with the image overridden. After
 * applying it asks for a hard refresh (so the new head is compared at once, not at Argo CD's
 * next poll) and follows the Application until it is Synced and Healthy at the head sha.
 * Teardown deletes the Application — its resources finalizer makes Argo CD delete what it
 * deployed — and then the namespace, which Argo CD never deletes for `CreateNamespace`.
 */

export interface ArgoCdPreviewOptions extends ArgoCdClientOptions {
  /** How long a preview may take to become healthy. Default 5 min. */
  timeoutMs?: number;
}

export interface ArgoCdPreviewOutcome {
  name: string;
  url: string;
  image: string;
  outcome: Exclude<ApplicationOutcome, { state: 'pending' }>;
}

export class ArgoCdPreviews {
  readonly applications: ArgoCdApplications;
  private readonly core: CoreV1Api;
  private readonly timeoutMs: number;

  constructor(
    kubeConfig: KubeConfig,
    private readonly settings: ArgoCdPreviewSettings,
    options: ArgoCdPreviewOptions = {},
  ) {
    this.applications = new ArgoCdApplications(kubeConfig, settings.argocdNamespace ?? 'argocd', options);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.timeoutMs = options.timeoutMs ?? 5 * 60_000;
  }

  async deploy(input: PreviewApplicationInput): Promise<ArgoCdPreviewOutcome> {
    const app = renderPreviewApplication(input, this.settings);
    const name = app.metadata.name;
    const existing = await this.applications.read(name);
    if (existing) {
      const holder = foreignHolder('Application', existing.metadata, input.repo);
      if (holder) throw new PreviewNameTakenError(name, holder);
      if (existing.metadata.deletionTimestamp) throw new PreviewTerminatingError(name);
    }
    await this.applications.apply(app);
    await this.applications.refresh(name, 'hard');
    const image = app.spec.source.kustomize?.images?.[0] ?? '';
    const outcome = await this.applications.follow(name, { revision: input.sha, image }, this.timeoutMs);
    if (outcome.state === 'pending') throw new Error('follow() returned a pending outcome');
    return { name, url: app.metadata.annotations?.[URL_ANNOTATION] ?? '', image, outcome };
  }

  /**
   * Deletes the Application and the preview namespace. True when either existed. Nothing is
   * deleted when either is not the bot's (PreviewNameTakenError). The namespace goes at once:
   * Argo CD's finalizer may still be deleting resources in it, which the namespace deletion
   * removes anyway.
   */
  async teardown(name: string): Promise<boolean> {
    const app = await this.applications.read(name);
    const namespace = await readNamespace(this.core, name);
    for (const [kind, metadata] of [
      ['Application', app?.metadata],
      ['namespace', namespace?.metadata],
    ] as const) {
      const holder = metadata ? foreignHolder(kind, metadata, null) : null;
      if (holder) throw new PreviewNameTakenError(name, holder);
    }
    const appExisted = app !== null && (await this.applications.delete(name));
    let namespaceExisted = namespace !== null;
    if (namespace && !namespace.metadata?.deletionTimestamp) {
      try {
        await this.core.deleteNamespace({ name, propagationPolicy: 'Background' });
      } catch (error) {
        if (!isNotFound(error)) throw new DeployError(`delete Namespace ${name}`, error);
        namespaceExisted = false;
      }
    }
    return appExisted || namespaceExisted;
  }

  /** Every preview Application the bot made, for reconciling its records at start. */
  async list(): Promise<ListedPreview[]> {
    const apps = await this.applications.list(PREVIEW_SELECTOR);
    return apps.map((app) => {
      const view = readApplication(app);
      return {
        name: app.metadata.name,
        repo: view.annotations[REPO_ANNOTATION] ?? null,
        prNumber: prNumberOf(view),
        sha: view.annotations[SHA_ANNOTATION] ?? null,
        image: app.spec.source.kustomize?.images?.[0] ?? null,
        url: view.annotations[URL_ANNOTATION] ?? null,
        createdAt: app.metadata.creationTimestamp ? new Date(app.metadata.creationTimestamp) : null,
        terminating: view.deleting,
      };
    });
  }
}
