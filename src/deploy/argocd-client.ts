import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isNotFound } from '../kubernetes/api-errors.ts';
import {
  APPLICATIONS,
  type ApplicationExpectation,
  type ApplicationManifest,
  type ApplicationOutcome,
  type ApplicationView,
  ARGOCD_GROUP,
  ARGOCD_VERSION,
  assessApplication,
  describeApplication,
  REFRESH_ANNOTATION,
  readApplication,
} from './argocd-application.ts';
import { type DeployClock, wallClock } from './clock.ts';
import { DeployError } from './errors.ts';
import { FIELD_MANAGER } from './preview-labels.ts';

/**
 * Argo CD through its Kubernetes API, as custom objects in `ARGOCD_NAMESPACE`: no Argo CD API
 * token is needed, only RBAC on `applications.argoproj.io` (see docs/previews.md). Used for
 * previews (apply, refresh, follow, delete) and for promotion (read an environment's
 * Application, refresh it, follow it until it runs the promoted image).
 */

export interface ArgoCdClientOptions {
  clock?: DeployClock;
  /** Between two reads while following. Default 3 s. */
  pollMs?: number;
}

export type RefreshMode = 'normal' | 'hard';

const serverSideApply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class ArgoCdApplications {
  private readonly api: CustomObjectsApi;
  private readonly clock: DeployClock;
  private readonly pollMs: number;

  constructor(
    kubeConfig: KubeConfig,
    readonly namespace: string,
    options: ArgoCdClientOptions = {},
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.clock = options.clock ?? wallClock;
    this.pollMs = options.pollMs ?? 3000;
  }

  private target(name: string) {
    return {
      group: ARGOCD_GROUP,
      version: ARGOCD_VERSION,
      namespace: this.namespace,
      plural: APPLICATIONS,
      name,
    };
  }

  /** The Application as Argo CD reports it, or null when there is none. */
  async read(name: string): Promise<ApplicationManifest | null> {
    try {
      return (await this.api.getNamespacedCustomObject(this.target(name))) as ApplicationManifest;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new DeployError(`read Application ${name} in ${this.namespace}`, error);
    }
  }

  async get(name: string): Promise<ApplicationView | null> {
    const app = await this.read(name);
    return app ? readApplication(app) : null;
  }

  /** Server-side apply with field manager `aiworker`: creates or updates, never touches what Argo CD writes. */
  async apply(app: ApplicationManifest): Promise<ApplicationView> {
    const name = app.metadata.name;
    try {
      const applied = await this.api.patchNamespacedCustomObject(
        { ...this.target(name), body: app, fieldManager: FIELD_MANAGER, force: true },
        serverSideApply,
      );
      return readApplication(applied as ApplicationManifest);
    } catch (error) {
      throw new DeployError(`apply Application ${name} in ${this.namespace}`, error);
    }
  }

  /**
   * Asks Argo CD to compare again now instead of at its next poll: the
   * `argocd.argoproj.io/refresh` annotation (`hard` also drops its manifest cache), which
   * the application controller removes once done.
   */
  async refresh(name: string, mode: RefreshMode = 'hard'): Promise<void> {
    try {
      await this.api.patchNamespacedCustomObject(
        {
          ...this.target(name),
          body: { metadata: { annotations: { [REFRESH_ANNOTATION]: mode } } },
          fieldManager: FIELD_MANAGER,
        },
        mergePatch,
      );
    } catch (error) {
      throw new DeployError(`refresh Application ${name} in ${this.namespace}`, error);
    }
  }

  /** Deletes the Application (its finalizer makes Argo CD delete its resources first). False when already gone. */
  async delete(name: string): Promise<boolean> {
    try {
      await this.api.deleteNamespacedCustomObject({ ...this.target(name), propagationPolicy: 'Background' });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new DeployError(`delete Application ${name} in ${this.namespace}`, error);
    }
  }

  async list(labelSelector: string): Promise<ApplicationManifest[]> {
    try {
      const list = (await this.api.listNamespacedCustomObject({
        group: ARGOCD_GROUP,
        version: ARGOCD_VERSION,
        namespace: this.namespace,
        plural: APPLICATIONS,
        labelSelector,
      })) as { items?: ApplicationManifest[] };
      return list.items ?? [];
    } catch (error) {
      throw new DeployError(`list Applications in ${this.namespace}`, error);
    }
  }

  /**
   * Reads the Application until it is Synced and Healthy at what is expected, Degraded, its
   * sync operation failed, its spec is refused (project, destination), or `timeoutMs` passes;
   * failures carry Argo CD's own message.
   */
  async follow(name: string, expect: ApplicationExpectation, timeoutMs: number): Promise<ApplicationOutcome> {
    const deadline = this.clock.now() + timeoutMs;
    let last: ApplicationView | null = null;
    for (;;) {
      const view = await this.get(name);
      if (!view)
        return {
          state: 'failed',
          kind: 'missing',
          message: `Application ${name} does not exist in ${this.namespace}`,
          view: last,
        };
      last = view;
      const outcome = assessApplication(view, expect);
      if (outcome.state !== 'pending') return outcome;
      if (this.clock.now() >= deadline) {
        return {
          state: 'failed',
          kind: 'timeout',
          message: `not synced and healthy after ${Math.round(timeoutMs / 1000)} s: ${describeApplication(view)}`,
          view,
        };
      }
      await this.clock.sleep(Math.min(this.pollMs, Math.max(0, deadline - this.clock.now())));
    }
  }
}
