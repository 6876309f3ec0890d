import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { isNotFound } from '../kubernetes/api-errors.ts';
import { type DeployClock, wallClock } from './clock.ts';
import { DeployError, PreviewNameTakenError, PreviewTerminatingError } from './errors.ts';
import { readNamespace } from './namespace.ts';
import {
  FIELD_MANAGER,
  foreignHolder,
  IMAGE_ANNOTATION,
  type ListedPreview,
  PREVIEW_SELECTOR,
  previewIdentity,
  URL_ANNOTATION,
} from './preview-labels.ts';
import {
  APP_CONTAINER,
  type KubernetesPreviewSettings,
  PREVIEW_APP,
  type PreviewManifests,
  type PreviewTarget,
  renderPreviewManifests,
} from './preview-manifests.ts';
import { assessRollout, type RolloutState } from './rollout.ts';

/**
 * `kubernetes`-mode previews: the bot writes the preview's objects itself, by server-side
 * apply with field manager `aiworker` (force: the bot is the controller of these objects, as
 * the Kubernetes docs recommend for controllers), waits until the Deployment is available or
 * reports why not, tears a preview down by deleting its namespace, and lists the previews
 * that exist for reconciling at start. Every call is one the ClusterRole in docs/previews.md
 * allows, and no other.
 */

export interface KubernetesPreviewOptions {
  clock?: DeployClock;
  /** Between two looks at the rollout. Default 2 s. */
  pollMs?: number;
  /** How long a rollout may take. Default 5 min. */
  timeoutMs?: number;
  /** Log lines kept from a crashing container. Default 30. */
  logTailLines?: number;
}

export interface PreviewOutcome {
  name: string;
  url: string;
  image: string;
  rollout: Exclude<RolloutState, { state: 'progressing' }>;
  /** The end of the crashed run's log (crash loops only), or null when it could not be read. */
  logs: string | null;
}

const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const LOG_LIMIT_BYTES = 16 * 1024;

export class KubernetesPreviews {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly networking: NetworkingV1Api;
  private readonly clock: DeployClock;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly logTailLines: number;

  constructor(
    kubeConfig: KubeConfig,
    private readonly settings: KubernetesPreviewSettings,
    options: KubernetesPreviewOptions = {},
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.networking = kubeConfig.makeApiClient(NetworkingV1Api);
    this.clock = options.clock ?? wallClock;
    this.pollMs = options.pollMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 5 * 60_000;
    this.logTailLines = options.logTailLines ?? 30;
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new DeployError(action, error);
    }
  }

  /** Applies the preview and waits for its rollout: available, or failed with the reason. */
  async deploy(target: PreviewTarget): Promise<PreviewOutcome> {
    const manifests = await this.apply(target);
    const { rollout, logs } = await this.waitForRollout(manifests);
    return { name: manifests.name, url: manifests.url, image: manifests.image, rollout, logs };
  }

  /**
   * Writes every object of the preview. Refuses, writing nothing, when the name belongs to
   * something else or the previous preview under it is still being deleted.
   */
  async apply(target: PreviewTarget): Promise<PreviewManifests> {
    const manifests = renderPreviewManifests(target, this.settings);
    const { name } = manifests;
    const existing = await readNamespace(this.core, name);
    if (existing) {
      const holder = foreignHolder('namespace', existing.metadata ?? {}, target.repo);
      if (holder) throw new PreviewNameTakenError(name, holder);
      if (existing.metadata?.deletionTimestamp) throw new PreviewTerminatingError(name);
    }
    const options = { fieldManager: FIELD_MANAGER, force: true };
    await this.call(`apply Namespace ${name}`, () =>
      this.core.patchNamespace({ name, body: manifests.namespace, ...options }, apply),
    );
    const [quota, policy, service, deployment, ingress] = manifests.namespaced;
    const namespace = name;
    await this.call(`apply ResourceQuota in ${name}`, () =>
      this.core.patchNamespacedResourceQuota(
        { name: PREVIEW_APP, namespace, body: quota, ...options },
        apply,
      ),
    );
    await this.call(`apply NetworkPolicy in ${name}`, () =>
      this.networking.patchNamespacedNetworkPolicy(
        { name: PREVIEW_APP, namespace, body: policy, ...options },
        apply,
      ),
    );
    await this.call(`apply Service in ${name}`, () =>
      this.core.patchNamespacedService({ name: PREVIEW_APP, namespace, body: service, ...options }, apply),
    );
    await this.call(`apply Deployment in ${name}`, () =>
      this.apps.patchNamespacedDeployment(
        { name: PREVIEW_APP, namespace, body: deployment, ...options },
        apply,
      ),
    );
    await this.call(`apply Ingress in ${name}`, () =>
      this.networking.patchNamespacedIngress(
        { name: PREVIEW_APP, namespace, body: ingress, ...options },
        apply,
      ),
    );
    return manifests;
  }

  /**
   * Follows the rollout of `manifests.image` until the Deployment is available, a pod shows
   * why it cannot run (image pull, crash loop with its last log lines, container error), the
   * Deployment reports a failure, or the time limit passes.
   */
  async waitForRollout(
    manifests: Pick<PreviewManifests, 'name' | 'image'>,
  ): Promise<{ rollout: PreviewOutcome['rollout']; logs: string | null }> {
    const namespace = manifests.name;
    const deadline = this.clock.now() + this.timeoutMs;
    let last = 'no status yet';
    for (;;) {
      const deployment = await this.call(`read Deployment in ${namespace}`, () =>
        this.apps.readNamespacedDeployment({ name: PREVIEW_APP, namespace }),
      );
      const pods = await this.listPods(namespace, deployment);
      const state = assessRollout(deployment, pods, manifests.image);
      if (state.state === 'available') return { rollout: state, logs: null };
      if (state.state === 'failed') {
        const logs =
          state.kind === 'crash-loop' && state.pod
            ? await this.crashLog(namespace, state.pod, state.container)
            : null;
        return { rollout: state, logs };
      }
      last = state.summary;
      if (this.clock.now() >= deadline) {
        return {
          rollout: {
            state: 'failed',
            kind: 'timeout',
            reason: 'Timeout',
            message: `not available after ${Math.round(this.timeoutMs / 1000)} s: ${last}`,
          },
          logs: null,
        };
      }
      await this.clock.sleep(Math.min(this.pollMs, Math.max(0, deadline - this.clock.now())));
    }
  }

  private async listPods(namespace: string, deployment: V1Deployment) {
    const labels = deployment.spec?.selector?.matchLabels ?? {};
    const labelSelector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const list = await this.call(`list Pods in ${namespace}`, () =>
      this.core.listNamespacedPod({ namespace, labelSelector }),
    );
    return list.items;
  }

  /** The crashed run's last lines (`previous`), or null when the kubelet has none to give. */
  private async crashLog(namespace: string, pod: string, container = APP_CONTAINER): Promise<string | null> {
    try {
      return await this.core.readNamespacedPodLog({
        name: pod,
        namespace,
        container,
        previous: true,
        tailLines: this.logTailLines,
        limitBytes: LOG_LIMIT_BYTES,
      });
    } catch {
      return null;
    }
  }

  /**
   * Deletes the preview's namespace and with it everything in it. False when it was already
   * gone; refuses (PreviewNameTakenError) a namespace of that name the bot did not make.
   */
  async teardown(name: string): Promise<boolean> {
    const existing = await readNamespace(this.core, name);
    if (!existing) return false;
    const holder = foreignHolder('namespace', existing.metadata ?? {}, null);
    if (holder) throw new PreviewNameTakenError(name, holder);
    if (existing.metadata?.deletionTimestamp) return true;
    try {
      await this.core.deleteNamespace({ name, propagationPolicy: 'Background' });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new DeployError(`delete Namespace ${name}`, error);
    }
  }

  /** Every preview namespace the bot made, for reconciling its records at start. */
  async list(): Promise<ListedPreview[]> {
    const list = await this.call('list preview Namespaces', () =>
      this.core.listNamespace({ labelSelector: PREVIEW_SELECTOR }),
    );
    return list.items.map((namespace) => {
      const metadata = namespace.metadata ?? {};
      return {
        name: metadata.name ?? '',
        ...previewIdentity(metadata),
        image: metadata.annotations?.[IMAGE_ANNOTATION] ?? null,
        url: metadata.annotations?.[URL_ANNOTATION] ?? null,
        createdAt: metadata.creationTimestamp ? new Date(metadata.creationTimestamp) : null,
        terminating: metadata.deletionTimestamp !== undefined || namespace.status?.phase === 'Terminating',
      };
    });
  }
}
