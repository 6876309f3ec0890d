import { type IJob, Job } from 'kubernetes-models/batch/v1';
import { type ISecret, Secret } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import {
  agentJobName,
  agentSecretName,
  jobNameOfSecret,
  runIdFromJobName,
} from '../../src/agents/runners/kubernetes/labels.ts';
import {
  DEFAULT_AGENT_RESOURCES,
  renderAgentJob,
  renderAgentSecret,
  secretOwnerReference,
} from '../../src/agents/runners/kubernetes/render.ts';
import { sanitizeLabelValue } from '../../src/kubernetes/labels.ts';
import { restrictedViolations } from '../fakes/kubernetes/pod-security.ts';
import { agentRunSpec } from '../fakes/kubernetes/run-spec.ts';
import { validateJob, validateSecret } from '../fakes/kubernetes/validation.ts';

const opts = { namespace: 'aiworker-agents', image: 'registry.example.com/aiworker-agent:1.4.2' };

/** The object as it goes over the wire (JSON), which is what the API server validates. */
function wire<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function renderedJob(runId = 7, options: Parameters<typeof renderAgentJob>[1] = opts) {
  const job = wire<IJob>(renderAgentJob(agentRunSpec(runId), options));
  const podSpec = job.spec!.template.spec!;
  const container = podSpec.containers[0]!;
  return { job, podSpec, container };
}

describe('renderAgentJob', () => {
  it('is a valid batch/v1 Job by the Kubernetes schema and the API server checks', () => {
    const { job } = renderedJob();
    expect(() => new Job(job).validate()).not.toThrow();
    expect(validateJob(job as unknown as Record<string, unknown>)).toEqual([]);
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
  });

  it('names the Job after the run and places it in the agents namespace', () => {
    const { job } = renderedJob(1234);
    expect(job.metadata?.name).toBe('aiworker-run-1234');
    expect(job.metadata?.namespace).toBe('aiworker-agents');
  });

  it('runs once, dies at the deadline and is cleaned up an hour after it ends', () => {
    const spec = agentRunSpec(7, { deadlineSeconds: 1800 });
    const job = wire<IJob>(renderAgentJob(spec, opts));
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.activeDeadlineSeconds).toBe(1800);
    expect(job.spec?.ttlSecondsAfterFinished).toBe(3600);
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
    const custom = wire<IJob>(renderAgentJob(spec, { ...opts, ttlSecondsAfterFinished: 600 }));
    expect(custom.spec?.ttlSecondsAfterFinished).toBe(600);
  });

  it('labels Job and pod with who manages it, the run, the repo and the issue', () => {
    const { job } = renderedJob(7);
    const expected = {
      'app.kubernetes.io/managed-by': 'aiworker',
      'app.kubernetes.io/component': 'agent',
      'aiworker.dev/run-id': '7',
      'aiworker.dev/repo': 'acme.web-shop',
      'aiworker.dev/issue': '47',
      'aiworker.dev/attempt': '1',
    };
    expect(job.metadata?.labels).toEqual(expected);
    expect(job.spec?.template.metadata?.labels).toEqual(expected);
    expect(job.metadata?.annotations?.['aiworker.dev/repo']).toBe('acme/web-shop');
    expect(job.metadata?.annotations?.['aiworker.dev/task']).toBe('acme/web-shop#47');
  });

  it('uses the configured image and never gives the pod a Kubernetes API token', () => {
    const { podSpec, container } = renderedJob();
    expect(container.name).toBe('agent');
    expect(container.image).toBe('registry.example.com/aiworker-agent:1.4.2');
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(podSpec.enableServiceLinks).toBe(false);
    expect(podSpec.serviceAccountName).toBeUndefined();
  });

  it('runs as a non-root user with no privileges, no capabilities and RuntimeDefault seccomp', () => {
    const { podSpec, container } = renderedJob();
    expect(podSpec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(podSpec.hostNetwork).toBeUndefined();
    expect(podSpec.hostPID).toBeUndefined();
  });

  it('passes the Pod Security "restricted" profile the agents namespace enforces', () => {
    const { podSpec } = renderedJob();
    expect(restrictedViolations(podSpec as unknown as Record<string, unknown>)).toEqual([]);
  });

  it('mounts writable emptyDirs on /workspace, /tmp and $HOME over a read-only root', () => {
    const { podSpec, container } = renderedJob(7, { ...opts, homeDir: '/home/runner' });
    expect(container.volumeMounts).toEqual([
      { name: 'workspace', mountPath: '/workspace' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'home', mountPath: '/home/runner' },
    ]);
    expect(podSpec.volumes?.map((v) => [v.name, Object.keys(v).filter((k) => k !== 'name')])).toEqual([
      ['workspace', ['emptyDir']],
      ['tmp', ['emptyDir']],
      ['home', ['emptyDir']],
    ]);
    expect(podSpec.volumes?.every((v) => typeof v.emptyDir?.sizeLimit === 'string')).toBe(true);
    expect(container.workingDir).toBe('/workspace');
  });

  it('sets resource requests and limits: sane defaults, or exactly the configured ones', () => {
    expect(renderedJob().container.resources).toEqual(DEFAULT_AGENT_RESOURCES);
    expect(DEFAULT_AGENT_RESOURCES.limits).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    const resources = { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '3', memory: '6Gi' } };
    expect(renderedJob(7, { ...opts, resources }).container.resources).toEqual(resources);
  });

  it('gives the agent exactly the agent variables of docs/architecture.md §2, tokens only by Secret reference', () => {
    const spec = agentRunSpec(7);
    const { container } = renderedJob(7);
    const env = container.env ?? [];
    expect(env.map((e) => e.name).sort()).toEqual(
      [
        'AIWORKER_BRANCH',
        'AIWORKER_GIT_TOKEN',
        'AIWORKER_MCP_TOKEN',
        'AIWORKER_MCP_URL',
        'AIWORKER_RUN_ID',
        'AIWORKER_TASK',
        'GITEA_URL',
      ].sort(),
    );
    const byName = new Map(env.map((e) => [e.name, e]));
    for (const name of ['AIWORKER_MCP_TOKEN', 'AIWORKER_GIT_TOKEN']) {
      expect(byName.get(name)).toEqual({
        name,
        valueFrom: { secretKeyRef: { name: 'aiworker-run-7-tokens', key: name } },
      });
    }
    expect(byName.get('AIWORKER_MCP_URL')?.value).toBe(spec.env.AIWORKER_MCP_URL);
    expect(byName.get('AIWORKER_TASK')?.value).toBe('acme/web-shop#47');
    expect(byName.get('AIWORKER_RUN_ID')?.value).toBe('7');
    expect(byName.get('GITEA_URL')?.value).toBe('https://gitea.example.com');
    expect(byName.get('AIWORKER_BRANCH')?.value).toBe('ai/47-add-payment-form');
    expect(container.envFrom).toBeUndefined();
  });

  it('keeps the tokens out of the Job object entirely', () => {
    const spec = agentRunSpec(7);
    const text = JSON.stringify(renderAgentJob(spec, opts));
    expect(text).not.toContain(spec.env.AIWORKER_MCP_TOKEN);
    expect(text).not.toContain(spec.env.AIWORKER_GIT_TOKEN);
  });

  it('adds pull secrets and a ServiceAccount only when configured', () => {
    const { podSpec } = renderedJob(7, {
      ...opts,
      imagePullSecrets: ['registry-creds'],
      serviceAccountName: 'agent',
    });
    expect(podSpec.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
    expect(podSpec.serviceAccountName).toBe('agent');
    expect(podSpec.automountServiceAccountToken).toBe(false);
  });

  it('refuses a spec it cannot run, before anything is written', () => {
    expect(() => renderAgentJob(agentRunSpec(7, { deadlineSeconds: 0 }), opts)).toThrow(/deadlineSeconds/);
    expect(() => renderAgentJob(agentRunSpec(0), opts)).toThrow(/run id/);
    expect(() => renderAgentJob(agentRunSpec(7), { ...opts, image: ' ' })).toThrow(/AGENT_IMAGE/);
    const mismatched = agentRunSpec(7, { env: { ...agentRunSpec(7).env, AIWORKER_RUN_ID: '8' } });
    expect(() => renderAgentJob(mismatched, opts)).toThrow(/AIWORKER_RUN_ID/);
    const noToken = agentRunSpec(7, { env: { ...agentRunSpec(7).env, AIWORKER_GIT_TOKEN: '' } });
    expect(() => renderAgentSecret(noToken, opts)).toThrow(/AIWORKER_GIT_TOKEN/);
  });
});

describe('renderAgentSecret', () => {
  it('is a valid Opaque Secret holding exactly the two tokens, labelled like its Job', () => {
    const spec = agentRunSpec(7);
    const secret = wire<ISecret>(renderAgentSecret(spec, opts));
    expect(() => new Secret(secret).validate()).not.toThrow();
    expect(validateSecret(secret as unknown as Record<string, unknown>)).toEqual([]);
    expect(secret.metadata?.name).toBe('aiworker-run-7-tokens');
    expect(secret.metadata?.namespace).toBe('aiworker-agents');
    expect(secret.type).toBe('Opaque');
    expect(secret.stringData).toEqual({
      AIWORKER_MCP_TOKEN: spec.env.AIWORKER_MCP_TOKEN,
      AIWORKER_GIT_TOKEN: spec.env.AIWORKER_GIT_TOKEN,
    });
    expect(secret.metadata?.labels).toEqual(wire<IJob>(renderAgentJob(spec, opts)).metadata?.labels);
    // The owner is added after the Job exists, when its uid is known.
    expect(secret.metadata?.ownerReferences).toBeUndefined();
  });

  it('owner reference points at the Job by uid without needing rights on jobs/finalizers', () => {
    expect(secretOwnerReference({ name: 'aiworker-run-7', uid: 'u-1' })).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: 'aiworker-run-7',
      uid: 'u-1',
      blockOwnerDeletion: false,
    });
  });
});

describe('run names and label values', () => {
  it('derives Job and Secret names from the run id and back', () => {
    expect(agentJobName(42)).toBe('aiworker-run-42');
    expect(agentSecretName(42)).toBe('aiworker-run-42-tokens');
    expect(runIdFromJobName('aiworker-run-42')).toBe(42);
    expect(runIdFromJobName('aiworker-run-042')).toBeNull();
    expect(runIdFromJobName('other-job')).toBeNull();
    expect(jobNameOfSecret('aiworker-run-42-tokens')).toBe('aiworker-run-42');
    expect(jobNameOfSecret('aiworker-run-42')).toBeNull();
    expect(() => agentJobName(1.5)).toThrow(/positive whole number/);
  });

  it('turns any repository name into a valid label value', () => {
    const valid = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
    const cases: Array<[string, string]> = [
      ['acme/web-shop', 'acme.web-shop'],
      ['Acme_Org/My.Repo', 'Acme_Org.My.Repo'],
      ['-org-/repo-', 'org-.repo'],
      ['org/répo', 'org.r_po'],
    ];
    for (const [input, output] of cases) expect(sanitizeLabelValue(input)).toBe(output);
    const long = `${'a'.repeat(40)}/${'b'.repeat(40)}`;
    const other = `${'a'.repeat(40)}/${'b'.repeat(39)}c`;
    for (const name of [long, other, `x/${'-'.repeat(80)}y`]) {
      const value = sanitizeLabelValue(name);
      expect(value.length).toBeLessThanOrEqual(63);
      expect(value).toMatch(valid);
    }
    expect(sanitizeLabelValue(long)).not.toBe(sanitizeLabelValue(other));
  });
});
