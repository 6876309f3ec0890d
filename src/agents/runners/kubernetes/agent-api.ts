import {
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { isNotFound } from '../../../kubernetes/api-errors.ts';
import { KubernetesRunnerError } from './runner-error.ts';

/**
 * The few calls the runner makes in its namespace, over `@kubernetes/client-node`: exactly
 * what the agents Role allows (k8s/agents/rbac.yaml) and nothing more. Not-found reads answer
 * null; every other failure becomes a KubernetesRunnerError naming the call.
 */

const PAGE_SIZE = 250;

export interface JobList {
  items: V1Job[];
  /** Resource version of the list, to start a watch from. */
  resourceVersion: string | undefined;
}

export class AgentNamespaceApi {
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    readonly namespace: string,
  ) {
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new KubernetesRunnerError(`${action} in namespace ${this.namespace}`, error);
    }
  }

  private async orNull<T>(action: string, run: () => Promise<T>): Promise<T | null> {
    try {
      return await run();
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new KubernetesRunnerError(`${action} in namespace ${this.namespace}`, error);
    }
  }

  getJob(name: string): Promise<V1Job | null> {
    return this.orNull(`read Job ${name}`, () =>
      this.batch.readNamespacedJob({ name, namespace: this.namespace }),
    );
  }

  /** Creates the Job; API errors (409 included) are left to the caller to tell apart. */
  createJob(job: V1Job): Promise<V1Job> {
    return this.batch.createNamespacedJob({ namespace: this.namespace, body: job });
  }

  /** Deletes the Job; its pods (and owned Secrets) go with it. False when it was already gone. */
  async deleteJob(name: string): Promise<boolean> {
    const deleted = await this.orNull(`delete Job ${name}`, () =>
      this.batch.deleteNamespacedJob({ name, namespace: this.namespace, propagationPolicy: 'Background' }),
    );
    return deleted !== null;
  }

  async listJobs(labelSelector: string): Promise<JobList> {
    const items: V1Job[] = [];
    let resourceVersion: string | undefined;
    let next: string | undefined;
    do {
      const page = await this.call('list Jobs', () =>
        this.batch.listNamespacedJob({
          namespace: this.namespace,
          labelSelector,
          limit: PAGE_SIZE,
          ...(next ? { _continue: next } : {}),
        }),
      );
      items.push(...page.items);
      resourceVersion = page.metadata?.resourceVersion;
      next = page.metadata?._continue || undefined;
    } while (next);
    return { items, resourceVersion };
  }

  /** Creates the Secret; API errors (409 included) are left to the caller to tell apart. */
  createSecret(secret: V1Secret): Promise<V1Secret> {
    return this.core.createNamespacedSecret({ namespace: this.namespace, body: secret });
  }

  getSecret(name: string): Promise<V1Secret | null> {
    return this.orNull(`read Secret ${name}`, () =>
      this.core.readNamespacedSecret({ name, namespace: this.namespace }),
    );
  }

  /** JSON merge patch (RFC 7386): `null` removes a field, lists are replaced whole. */
  patchSecret(name: string, patch: object): Promise<V1Secret> {
    return this.call(`patch Secret ${name}`, () =>
      this.core.patchNamespacedSecret(
        { name, namespace: this.namespace, body: patch },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  async deleteSecret(name: string): Promise<boolean> {
    const deleted = await this.orNull(`delete Secret ${name}`, () =>
      this.core.deleteNamespacedSecret({ name, namespace: this.namespace }),
    );
    return deleted !== null;
  }

  async listSecrets(labelSelector: string): Promise<V1Secret[]> {
    const list = await this.call('list Secrets', () =>
      this.core.listNamespacedSecret({ namespace: this.namespace, labelSelector }),
    );
    return list.items;
  }

  async listPods(labelSelector: string): Promise<V1Pod[]> {
    const list = await this.call('list Pods', () =>
      this.core.listNamespacedPod({ namespace: this.namespace, labelSelector }),
    );
    return list.items;
  }

  /**
   * The end of a container's log, or null when there is none to read (pod gone, container
   * never started): a missing log must not hide the run's outcome.
   */
  async readPodLog(
    name: string,
    container: string,
    tailLines: number,
    limitBytes: number,
  ): Promise<string | null> {
    try {
      return await this.core.readNamespacedPodLog({
        name,
        namespace: this.namespace,
        container,
        tailLines,
        limitBytes,
      });
    } catch {
      return null;
    }
  }
}
