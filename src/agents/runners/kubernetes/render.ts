import type { V1EnvVar, V1Job, V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import {
  COMPONENT_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  REPO_ANNOTATION,
  REPO_LABEL,
  sanitizeLabelValue,
} from '../../../kubernetes/labels.ts';
import type { AgentEnvironment, AgentRunSpec } from '../types.ts';
import {
  AGENT_COMPONENT,
  ATTEMPT_LABEL,
  agentJobName,
  agentSecretName,
  ISSUE_LABEL,
  RUN_ID_LABEL,
  TASK_ANNOTATION,
} from './labels.ts';

/**
 * The objects one agent run becomes in Kubernetes (docs/architecture.md §5, and §2 on the agent's environment), as pure functions of the
 * run and the runner's settings: a `batch/v1` Job that runs the agent image once, and the
 * Secret holding the run's two tokens. The pod passes the Pod Security `restricted` profile:
 * non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root
 * filesystem with writable emptyDirs for the workspace, /tmp and $HOME.
 */

export const AGENT_CONTAINER = 'agent';
export const AGENT_UID = 1000;
export const WORKSPACE_PATH = '/workspace';

/** Variables that travel in the per-run Secret; the rest of §9 is plain env. */
export const SECRET_ENV_NAMES = ['AIWORKER_MCP_TOKEN', 'AIWORKER_GIT_TOKEN'] as const;
export const PLAIN_ENV_NAMES = [
  'AIWORKER_MCP_URL',
  'AIWORKER_TASK',
  'AIWORKER_RUN_ID',
  'GITEA_URL',
  'AIWORKER_BRANCH',
] as const satisfies ReadonlyArray<keyof AgentEnvironment>;

type SecretEnvName = (typeof SECRET_ENV_NAMES)[number];

export interface AgentResources {
  requests: Record<string, string>;
  limits: Record<string, string>;
}

export const DEFAULT_AGENT_RESOURCES: AgentResources = {
  requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi' },
  limits: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi' },
};

export interface AgentJobOptions {
  /** `AGENT_NAMESPACE` */
  namespace: string;
  /** `AGENT_IMAGE` */
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Container requests and limits; defaults to {@link DEFAULT_AGENT_RESOURCES}. */
  resources?: AgentResources;
  /** How long a finished Job (and, through its owner reference, its Secret) is kept. Default 3600. */
  ttlSecondsAfterFinished?: number;
  /** `$HOME` of the agent image; a writable emptyDir is mounted there. Default `/home/agent`. */
  homeDir?: string;
  /** Size limits of the writable emptyDirs. */
  volumeSizeLimits?: { workspace?: string; tmp?: string; home?: string };
  /** Optional ServiceAccount for the pod (its token is never mounted). */
  serviceAccountName?: string;
  imagePullSecrets?: string[];
}

export const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 3600;
export const DEFAULT_HOME_DIR = '/home/agent';
const DEFAULT_VOLUME_LIMITS = { workspace: '8Gi', tmp: '1Gi', home: '1Gi' };

function runLabels(spec: AgentRunSpec): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [COMPONENT_LABEL]: AGENT_COMPONENT,
    [RUN_ID_LABEL]: String(spec.runId),
    [REPO_LABEL]: sanitizeLabelValue(spec.repo),
    [ISSUE_LABEL]: String(spec.issueNumber),
    [ATTEMPT_LABEL]: String(spec.attempt),
  };
}

function runAnnotations(spec: AgentRunSpec): Record<string, string> {
  return { [REPO_ANNOTATION]: spec.repo, [TASK_ANNOTATION]: spec.env.AIWORKER_TASK };
}

function checkSpec(spec: AgentRunSpec): void {
  if (!Number.isSafeInteger(spec.deadlineSeconds) || spec.deadlineSeconds < 1) {
    throw new Error(`agent run ${spec.runId}: deadlineSeconds must be a positive whole number`);
  }
  if (String(spec.runId) !== spec.env.AIWORKER_RUN_ID) {
    throw new Error(
      `agent run ${spec.runId}: env AIWORKER_RUN_ID is "${spec.env.AIWORKER_RUN_ID}", not the run id`,
    );
  }
  for (const name of [...SECRET_ENV_NAMES, ...PLAIN_ENV_NAMES]) {
    if (typeof spec.env[name] !== 'string' || spec.env[name].length === 0) {
      throw new Error(`agent run ${spec.runId}: env ${name} is empty`);
    }
  }
}

/** The per-run Secret, created before the Job; its owner reference is added once the Job exists. */
export function renderAgentSecret(spec: AgentRunSpec, opts: Pick<AgentJobOptions, 'namespace'>): V1Secret {
  checkSpec(spec);
  const stringData: Record<SecretEnvName, string> = {
    AIWORKER_MCP_TOKEN: spec.env.AIWORKER_MCP_TOKEN,
    AIWORKER_GIT_TOKEN: spec.env.AIWORKER_GIT_TOKEN,
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: agentSecretName(spec.runId),
      namespace: opts.namespace,
      labels: runLabels(spec),
      annotations: runAnnotations(spec),
    },
    type: 'Opaque',
    stringData,
  };
}

/** The owner reference that lets Kubernetes delete the Secret together with its Job. */
export function secretOwnerReference(job: { name: string; uid: string }): V1OwnerReference {
  // blockOwnerDeletion stays false: setting it needs update rights on jobs/finalizers.
  return { apiVersion: 'batch/v1', kind: 'Job', name: job.name, uid: job.uid, blockOwnerDeletion: false };
}

function agentEnv(spec: AgentRunSpec): V1EnvVar[] {
  const secretName = agentSecretName(spec.runId);
  const plain: V1EnvVar[] = PLAIN_ENV_NAMES.map((name) => ({ name, value: spec.env[name] }));
  const fromSecret: V1EnvVar[] = SECRET_ENV_NAMES.map((name) => ({
    name,
    valueFrom: { secretKeyRef: { name: secretName, key: name } },
  }));
  return [...plain, ...fromSecret];
}

/** The Job that runs the agent once, killed after `deadlineSeconds`. */
export function renderAgentJob(spec: AgentRunSpec, opts: AgentJobOptions): V1Job {
  checkSpec(spec);
  if (opts.image.trim() === '') throw new Error('agent image is empty (set AGENT_IMAGE)');
  const labels = runLabels(spec);
  const homeDir = opts.homeDir ?? DEFAULT_HOME_DIR;
  const limits = { ...DEFAULT_VOLUME_LIMITS, ...opts.volumeSizeLimits };
  const resources = opts.resources ?? DEFAULT_AGENT_RESOURCES;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: agentJobName(spec.runId),
      namespace: opts.namespace,
      labels,
      annotations: runAnnotations(spec),
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: spec.deadlineSeconds,
      ttlSecondsAfterFinished: opts.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED,
      template: {
        metadata: { labels, annotations: runAnnotations(spec) },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          // Service links would add one variable per Service in the namespace to §9's set.
          enableServiceLinks: false,
          ...(opts.serviceAccountName ? { serviceAccountName: opts.serviceAccountName } : {}),
          ...(opts.imagePullSecrets?.length
            ? { imagePullSecrets: opts.imagePullSecrets.map((name) => ({ name })) }
            : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: AGENT_UID,
            runAsGroup: AGENT_UID,
            fsGroup: AGENT_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: AGENT_CONTAINER,
              image: opts.image,
              imagePullPolicy: opts.imagePullPolicy ?? 'IfNotPresent',
              workingDir: WORKSPACE_PATH,
              env: agentEnv(spec),
              resources: { requests: { ...resources.requests }, limits: { ...resources.limits } },
              // On a crash the last log lines also land in the pod status.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: {
                runAsNonRoot: true,
                runAsUser: AGENT_UID,
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'workspace', mountPath: WORKSPACE_PATH },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'home', mountPath: homeDir },
              ],
            },
          ],
          volumes: [
            { name: 'workspace', emptyDir: { sizeLimit: limits.workspace } },
            { name: 'tmp', emptyDir: { sizeLimit: limits.tmp } },
            { name: 'home', emptyDir: { sizeLimit: limits.home } },
          ],
        },
      },
    },
  };
}
