import { KubeConfig, type V1Job, type V1Secret, Watch } from '@kubernetes/client-node';
import type { Env } from '../../config/env.ts';
import { createLogger, type Logger } from '../../config/logger.ts';
import { apiStatusCode, isAlreadyExists } from '../../kubernetes/api-errors.ts';
import { buildKubeConfig, type KubernetesConnection } from '../../kubernetes/kubeconfig.ts';
import { AgentNamespaceApi } from './kubernetes/agent-api.ts';
import { JobWatcher, type PhaseListener } from './kubernetes/job-watcher.ts';
import {
  agentJobName,
  agentSecretName,
  jobNameOfSecret,
  MANAGED_SELECTOR,
  runIdFromJobName,
} from './kubernetes/labels.ts';
import {
  AGENT_CONTAINER,
  type AgentJobOptions,
  renderAgentJob,
  renderAgentSecret,
  SECRET_ENV_NAMES,
  secretOwnerReference,
} from './kubernetes/render.ts';
import { KubernetesRunnerError } from './kubernetes/runner-error.ts';
import { isTerminal, jobPhase, jobRunStatus, latestPod, podOutcome } from './kubernetes/status.ts';
import { LOG_TAIL_MAX_LINES, LogTail } from './log-tail.ts';
import type { AgentRunner, AgentRunSpec, RunHandle, RunStatus } from './types.ts';

export type { KubernetesConnection } from '../../kubernetes/kubeconfig.ts';
export { agentJobName, agentSecretName } from './kubernetes/labels.ts';
export {
  type AgentJobOptions,
  type AgentResources,
  DEFAULT_AGENT_RESOURCES,
  renderAgentJob,
  renderAgentSecret,
} from './kubernetes/render.ts';
export { KubernetesRunnerError } from './kubernetes/runner-error.ts';

/**
 * Runs each agent as a Kubernetes `batch/v1` Job in the agents namespace (docs/architecture.md §5).
 *
 * Order of writes, chosen so a crash at any point leaves nothing that leaks or blocks:
 * 1. the per-run Secret (tokens), without an owner;
 * 2. the Job `aiworker-run-<runId>` — its name makes `start` idempotent;
 * 3. an owner reference from the Secret to the Job, so the Secret is deleted with the Job.
 * A crash after 1 leaves a Secret without a Job: the next `start` of the run reuses it, and
 * the sweep (after every list) deletes it once it is older than a grace period. A crash
 * after 2 leaves an unowned Secret whose Job exists: the next `start` or sweep adopts it.
 */

export interface KubernetesRunnerOptions extends AgentJobOptions {
  /** How to reach the API server; a ready KubeConfig is taken as is. Default: kubeconfig/in-cluster. */
  connection?: KubernetesConnection | KubeConfig;
  /** Periodic re-list of a watch, catching anything the watch missed. Default 300 s. */
  resyncSeconds?: number;
  /** Delay before re-listing after a failed or expired watch; doubles up to `max`. Default 1 s → 30 s. */
  watchRetryMs?: { initial: number; max: number };
  /** An unowned run Secret without a Job is deleted once it is this old. Default 300 s. */
  orphanSecretGraceSeconds?: number;
  /** More values to scrub from log tails (e.g. the bot's own tokens). The run's tokens always are. */
  redact?: string[];
  logger?: Logger;
}

/** How much log the API is asked for; the tail is trimmed to 8 KB after redaction. */
const LOG_READ_LIMIT_BYTES = 64 * 1024;

function decodeSecretValues(secret: V1Secret | null): string[] {
  const data = secret?.data ?? {};
  return SECRET_ENV_NAMES.map((key) => data[key])
    .filter((v): v is string => typeof v === 'string')
    .map((v) => Buffer.from(v, 'base64').toString('utf8'));
}

function ownedByJob(secret: V1Secret, job: V1Job): boolean {
  return (secret.metadata?.ownerReferences ?? []).some((ref) => ref.uid === job.metadata?.uid);
}

export class KubernetesRunner implements AgentRunner {
  readonly kind = 'kubernetes' as const;
  readonly namespace: string;
  private readonly kubeConfig: KubeConfig;
  private readonly api: AgentNamespaceApi;
  private readonly logger: Logger;
  private readonly watchers = new Set<JobWatcher>();

  constructor(private readonly options: KubernetesRunnerOptions) {
    if (!options.namespace?.trim())
      throw new Error('Kubernetes runner needs a namespace (set AGENT_NAMESPACE)');
    if (!options.image?.trim()) throw new Error('Kubernetes runner needs an image (set AGENT_IMAGE)');
    this.namespace = options.namespace;
    this.kubeConfig =
      options.connection instanceof KubeConfig
        ? options.connection
        : buildKubeConfig(options.connection ?? { kind: 'kubeconfig' });
    this.api = new AgentNamespaceApi(this.kubeConfig, options.namespace);
    this.logger = (options.logger ?? createLogger({ level: 'silent' })).child({ runner: 'kubernetes' });
  }

  async start(spec: AgentRunSpec): Promise<RunHandle> {
    // Render first: a bad spec fails before anything is written.
    const job = renderAgentJob(spec, this.options);
    const secret = renderAgentSecret(spec, this.options);
    const jobName = agentJobName(spec.runId);
    const handle = { externalId: jobName };

    const existing = await this.api.getJob(jobName);
    if (existing) {
      await this.ensureSecretOf(existing, secret);
      return handle;
    }

    await this.writeUnownedSecret(secret);
    let created: V1Job;
    try {
      created = await this.api.createJob(job);
    } catch (error) {
      if (!isAlreadyExists(error)) {
        // Refused by the API server: no Job will use these tokens, so remove them now. After a
        // network error the Job may exist after all; the next start or the sweep settles it.
        if (apiStatusCode(error) !== undefined) {
          await this.api.deleteSecret(agentSecretName(spec.runId)).catch(() => false);
        }
        throw new KubernetesRunnerError(`create Job ${jobName} in namespace ${this.namespace}`, error);
      }
      // A concurrent start of the same run won the race.
      const winner = await this.api.getJob(jobName);
      if (!winner) throw new KubernetesRunnerError(`read Job ${jobName} after a conflict`, error);
      created = winner;
    }
    try {
      await this.adoptSecret(agentSecretName(spec.runId), created);
    } catch (error) {
      // The run is going; the sweep adopts the Secret later, so this is not a failed start.
      this.logger.warn({ err: error, job: jobName }, 'kubernetes runner: could not own the run Secret yet');
    }
    this.logger.info({ job: jobName, runId: spec.runId, repo: spec.repo }, 'agent Job created');
    return handle;
  }

  async cancel(externalId: string): Promise<void> {
    const runId = runIdFromJobName(externalId);
    if (runId === null) return;
    const job = await this.api.getJob(externalId);
    if (job && isTerminal(jobPhase(job))) return;
    if (job) await this.api.deleteJob(externalId);
    // Revoke the tokens now instead of when the garbage collector gets to them.
    await this.api.deleteSecret(agentSecretName(runId));
    if (job) this.logger.info({ job: externalId }, 'agent Job cancelled');
  }

  async status(externalId: string): Promise<RunStatus | null> {
    if (runIdFromJobName(externalId) === null) return null;
    const job = await this.api.getJob(externalId);
    return job ? this.describe(job) : null;
  }

  async list(): Promise<Array<{ externalId: string; runId: number; status: RunStatus }>> {
    const { items } = await this.api.listJobs(MANAGED_SELECTOR);
    const runs: Array<{ externalId: string; runId: number; status: RunStatus }> = [];
    for (const job of items) {
      const name = job.metadata?.name ?? '';
      const runId = runIdFromJobName(name);
      if (runId === null) continue;
      runs.push({ externalId: name, runId, status: await this.describe(job) });
    }
    await this.sweepOrphanSecrets().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'kubernetes runner: sweeping run Secrets failed');
    });
    return runs.sort((a, b) => a.runId - b.runId);
  }

  watch(onChange: PhaseListener): () => void {
    const watcher = new JobWatcher({
      api: this.api,
      watch: new Watch(this.kubeConfig),
      describe: (job) => this.describe(job),
      onChange,
      logger: this.logger,
      resyncMs: (this.options.resyncSeconds ?? 300) * 1000,
      retryMs: this.options.watchRetryMs ?? { initial: 1000, max: 30_000 },
      afterList: async () => {
        await this.sweepOrphanSecrets();
      },
    });
    this.watchers.add(watcher);
    watcher.start();
    return () => {
      watcher.stop();
      this.watchers.delete(watcher);
    };
  }

  async close(): Promise<void> {
    for (const watcher of this.watchers) watcher.stop();
    this.watchers.clear();
  }

  /**
   * Deletes run Secrets that have no Job and are older than the grace period (a start that
   * crashed before creating its Job), and gives an owner to those whose Job exists.
   */
  async sweepOrphanSecrets(now: Date = new Date()): Promise<{ deleted: string[]; adopted: string[] }> {
    const graceMs = (this.options.orphanSecretGraceSeconds ?? 300) * 1000;
    const deleted: string[] = [];
    const adopted: string[] = [];
    for (const secret of await this.api.listSecrets(MANAGED_SELECTOR)) {
      const name = secret.metadata?.name ?? '';
      const jobName = jobNameOfSecret(name);
      if (jobName === null) continue;
      if ((secret.metadata?.ownerReferences ?? []).some((ref) => ref.kind === 'Job')) continue;
      const job = await this.api.getJob(jobName);
      if (job) {
        await this.adoptSecret(name, job);
        adopted.push(name);
        continue;
      }
      const created = secret.metadata?.creationTimestamp;
      const age = created ? now.getTime() - new Date(created).getTime() : Number.POSITIVE_INFINITY;
      if (age >= graceMs) {
        await this.api.deleteSecret(name);
        deleted.push(name);
      }
    }
    if (deleted.length + adopted.length > 0) {
      this.logger.info({ deleted, adopted }, 'kubernetes runner: swept run Secrets');
    }
    return { deleted, adopted };
  }

  /** Creates the run Secret, or refreshes one left by an earlier, interrupted start. */
  private async writeUnownedSecret(secret: V1Secret): Promise<void> {
    const name = secret.metadata?.name ?? '';
    try {
      await this.api.createSecret(secret);
    } catch (error) {
      if (!isAlreadyExists(error)) {
        throw new KubernetesRunnerError(`create Secret ${name} in namespace ${this.namespace}`, error);
      }
      // Fresh tokens, and no owner: a stale owner (a deleted Job) would get it garbage-collected.
      await this.api.patchSecret(name, {
        metadata: {
          labels: secret.metadata?.labels,
          annotations: secret.metadata?.annotations,
          ownerReferences: null,
        },
        stringData: secret.stringData,
      });
    }
  }

  private async adoptSecret(name: string, job: V1Job): Promise<void> {
    const jobName = job.metadata?.name ?? '';
    const uid = job.metadata?.uid;
    if (!uid) throw new Error(`Job ${jobName} has no uid`);
    await this.api.patchSecret(name, {
      metadata: { ownerReferences: [secretOwnerReference({ name: jobName, uid })] },
    });
  }

  /** On a repeated start: the Job exists; make sure its Secret exists and is owned by it. */
  private async ensureSecretOf(job: V1Job, secret: V1Secret): Promise<void> {
    const name = secret.metadata?.name ?? '';
    const current = await this.api.getSecret(name);
    if (current) {
      if (!ownedByJob(current, job)) await this.adoptSecret(name, job);
      return;
    }
    // Deleted by hand while the pod still waits for it: without it the pod never starts.
    if (isTerminal(jobPhase(job))) return;
    const uid = job.metadata?.uid;
    if (!uid) return;
    const owned: V1Secret = {
      ...secret,
      metadata: {
        ...secret.metadata,
        ownerReferences: [secretOwnerReference({ name: job.metadata?.name ?? '', uid })],
      },
    };
    try {
      await this.api.createSecret(owned);
    } catch (error) {
      if (!isAlreadyExists(error)) {
        throw new KubernetesRunnerError(`create Secret ${name} in namespace ${this.namespace}`, error);
      }
    }
  }

  /** The Job's status with what its pod adds: exit code, waiting reason, log tail on failure. */
  private async describe(job: V1Job): Promise<RunStatus> {
    const phase = jobPhase(job);
    const name = job.metadata?.name ?? '';
    if (phase === 'running') return jobRunStatus(job);
    const pod = latestPod(await this.api.listPods(`job-name=${name}`));
    const status = jobRunStatus(job, pod ? podOutcome(pod) : undefined);
    if (phase === 'failed' && pod?.metadata?.name) {
      const log = await this.api.readPodLog(
        pod.metadata.name,
        AGENT_CONTAINER,
        LOG_TAIL_MAX_LINES,
        LOG_READ_LIMIT_BYTES,
      );
      if (log) {
        const runId = runIdFromJobName(name);
        const runSecrets =
          runId === null ? [] : decodeSecretValues(await this.api.getSecret(agentSecretName(runId)));
        // The same bounded, scrubbed tail as the local runner's (one implementation for both).
        const tail = new LogTail({ secrets: [...runSecrets, ...(this.options.redact ?? [])] });
        tail.push(log);
        const text = tail.toString();
        if (text) status.logTail = text;
      }
    }
    return status;
  }
}

/**
 * The runner as configured by the environment (docs/architecture.md §2): `AGENT_NAMESPACE` and `AGENT_IMAGE`;
 * the cluster is reached in-cluster or through `KUBECONFIG` unless `options.connection` says otherwise.
 */
export function createKubernetesRunner(
  env: Pick<Env, 'AGENT_NAMESPACE' | 'AGENT_IMAGE'>,
  options: Omit<KubernetesRunnerOptions, 'namespace' | 'image'> = {},
): KubernetesRunner {
  return new KubernetesRunner({
    ...options,
    namespace: env.AGENT_NAMESPACE ?? '',
    image: env.AGENT_IMAGE ?? '',
  });
}
