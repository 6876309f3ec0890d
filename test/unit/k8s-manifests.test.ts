import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_AGENT_RESOURCES, renderAgentJob } from '../../src/agents/runners/kubernetes/render.ts';
import { agentRunSpec } from '../fakes/kubernetes/run-spec.ts';
import { parseLabelSelector } from '../fakes/kubernetes/selectors.ts';
import { parseQuantity } from '../fakes/kubernetes/validation.ts';
import {
  kustomize,
  type Manifest,
  parseDocuments,
  requireKubectl,
  validateAll,
} from '../support/kustomize.ts';

/**
 * The agents namespace manifests (k8s/agents): every object is valid by the Kubernetes schema,
 * the namespace enforces Pod Security `restricted`, the bot's Role is exactly what the runner
 * needs and is bound to the bot's ServiceAccount (defined in k8s/aiworker), the network is
 * closed except for the four endpoints agents use, and the quota and limits fit the pods the
 * runner renders. With kubectl on the PATH, the kustomization and the README's overlay example
 * are built for real.
 */

const root = path.resolve(import.meta.dirname, '../../k8s/agents');
const AGENTS_NAMESPACE = 'aiworker-agents';
/** The bot's own ServiceAccount, which the agents' RoleBinding names. */
const BOT_SERVICE_ACCOUNT = path.resolve(root, '../aiworker/base/serviceaccount.yaml');

let objects: Manifest[] = [];
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const one = (kind: string, name?: string) => {
  const found = ofKind(kind).filter((o) => name === undefined || o.metadata.name === name);
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
};

beforeAll(() => {
  const kustomization = parse(readFileSync(path.join(root, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  objects = kustomization.resources.flatMap((file) =>
    parseDocuments(readFileSync(path.join(root, file), 'utf8'), file),
  );
});

describe('k8s/agents manifests', () => {
  it('lists every manifest file in the kustomization, and only existing ones', () => {
    const kustomization = parse(readFileSync(path.join(root, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    const files = readdirSync(root).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it('every object is valid by the Kubernetes schema', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        'LimitRange',
        'Namespace',
        'NetworkPolicy',
        'NetworkPolicy',
        'NetworkPolicy',
        'NetworkPolicy',
        'NetworkPolicy',
        'ResourceQuota',
        'Role',
        'RoleBinding',
      ].sort(),
    );
    validateAll(objects);
  });

  it('the agents namespace enforces Pod Security "restricted"', () => {
    const namespace = one('Namespace');
    expect(namespace.metadata.name).toBe(AGENTS_NAMESPACE);
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': expect.stringMatching(/^(latest|v1\.\d+)$/),
    });
  });

  it('everything but the namespace itself lives in the agents namespace', () => {
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(AGENTS_NAMESPACE);
    }
  });

  it('the Role allows exactly Jobs, Pods, pods/log and Secrets with the runner verbs', () => {
    const role = one('Role') as Manifest & {
      rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }>;
    };
    const grants = role.rules.flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.map(
          (resource) => `${group || 'core'}/${resource}: ${[...rule.verbs].sort().join(',')}`,
        ),
      ),
    );
    expect(grants.sort()).toEqual(
      [
        'batch/jobs: create,delete,get,list,patch,watch',
        'core/pods: get,list,watch',
        'core/pods/log: get',
        'core/secrets: create,delete,get,list,patch',
      ].sort(),
    );
    expect(role.rules.flatMap((r) => [...r.verbs, ...r.resources, ...r.apiGroups])).not.toContain('*');
    expect(ofKind('ClusterRole')).toHaveLength(0);
  });

  it('the RoleBinding gives that Role to the ServiceAccount the bot runs as (k8s/aiworker)', () => {
    const binding = one('RoleBinding') as Manifest & {
      roleRef: { kind: string; name: string; apiGroup: string };
      subjects: Array<{ kind: string; name: string; namespace: string }>;
    };
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: one('Role').metadata.name,
    });
    const [account] = parseDocuments(readFileSync(BOT_SERVICE_ACCOUNT, 'utf8'), BOT_SERVICE_ACCOUNT) as [
      Manifest,
    ];
    expect(account.kind).toBe('ServiceAccount');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace },
    ]);
  });

  describe('network policies', () => {
    type Peer = {
      namespaceSelector?: { matchLabels?: Record<string, string> };
      podSelector?: { matchLabels?: Record<string, string> };
      ipBlock?: { cidr: string };
    };
    type Policy = Manifest & {
      spec: {
        podSelector: { matchLabels?: Record<string, string> };
        policyTypes: string[];
        ingress?: unknown[];
        egress?: Array<{ to: Peer[]; ports: Array<{ protocol: string; port: number }> }>;
      };
    };
    const policies = () => ofKind('NetworkPolicy') as Policy[];
    const agentPodLabels = () =>
      renderAgentJob(agentRunSpec(7), { namespace: AGENTS_NAMESPACE, image: 'agent:1' }).spec?.template
        .metadata?.labels;

    it('deny all ingress and egress in the namespace by default', () => {
      const deny = policies().filter((p) => Object.keys(p.spec.podSelector).length === 0);
      expect(deny).toHaveLength(1);
      expect([...deny[0]!.spec.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
      expect(deny[0]!.spec.ingress).toBeUndefined();
      expect(deny[0]!.spec.egress).toBeUndefined();
    });

    it('allow no ingress at all, and egress only from agent pods', () => {
      for (const policy of policies()) expect(policy.spec.ingress ?? []).toEqual([]);
      const allows = policies().filter((p) => (p.spec.egress ?? []).length > 0);
      for (const policy of allows) {
        expect(policy.spec.policyTypes).toEqual(['Egress']);
        const selects = parseLabelSelector(
          Object.entries(policy.spec.podSelector.matchLabels ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
        );
        expect(selects(agentPodLabels()), `${policy.metadata.name} selects the runner's pods`).toBe(true);
        expect(Object.keys(policy.spec.podSelector.matchLabels ?? {}).length).toBeGreaterThan(0);
      }
    });

    it('allow egress to exactly DNS, Gitea, AiWorker and the LLM endpoint', () => {
      const rules = policies().flatMap((p) =>
        (p.spec.egress ?? []).map((rule) => ({ policy: p.metadata.name, rule })),
      );
      const describePeer = (peer: Peer) =>
        peer.ipBlock
          ? `ip:${peer.ipBlock.cidr}`
          : `ns:${JSON.stringify(peer.namespaceSelector?.matchLabels)} pods:${JSON.stringify(peer.podSelector?.matchLabels)}`;
      const summary = rules.map(({ policy, rule }) => ({
        policy,
        to: rule.to.map(describePeer),
        ports: rule.ports.map((p) => `${p.protocol}/${p.port}`).sort(),
      }));
      expect(summary.sort((a, b) => a.policy.localeCompare(b.policy))).toEqual([
        {
          policy: 'agent-egress-aiworker',
          to: ['ns:{"kubernetes.io/metadata.name":"aiworker"} pods:{"app.kubernetes.io/name":"aiworker"}'],
          ports: ['TCP/8080'],
        },
        {
          policy: 'agent-egress-dns',
          to: ['ns:{"kubernetes.io/metadata.name":"kube-system"} pods:{"k8s-app":"kube-dns"}'],
          ports: ['TCP/53', 'UDP/53'],
        },
        {
          policy: 'agent-egress-gitea',
          to: ['ns:{"kubernetes.io/metadata.name":"gitea"} pods:{"app.kubernetes.io/name":"gitea"}'],
          ports: ['TCP/3000'],
        },
        { policy: 'agent-egress-llm', to: ['ip:192.0.2.10/32'], ports: ['TCP/443'] },
      ]);
    });
  });

  it('one agent at the runner default size fits the LimitRange, and the quota holds several', () => {
    const limitRange = one('LimitRange') as Manifest & {
      spec: { limits: Array<{ type: string; max: Record<string, string> }> };
    };
    const max = limitRange.spec.limits.find((l) => l.type === 'Container')!.max;
    for (const [resource, limit] of Object.entries(DEFAULT_AGENT_RESOURCES.limits)) {
      expect(parseQuantity(limit)!, resource).toBeLessThanOrEqual(parseQuantity(max[resource])!);
    }
    const quota = one('ResourceQuota') as Manifest & { spec: { hard: Record<string, string> } };
    const fits = (kind: 'requests' | 'limits', resource: string) =>
      Math.floor(
        parseQuantity(quota.spec.hard[`${kind}.${resource}`])! /
          parseQuantity(DEFAULT_AGENT_RESOURCES[kind][resource])!,
      );
    const concurrent = Math.min(
      fits('requests', 'cpu'),
      fits('requests', 'memory'),
      fits('limits', 'cpu'),
      fits('limits', 'memory'),
      Number(quota.spec.hard.pods),
    );
    expect(concurrent).toBeGreaterThanOrEqual(10);
  });

  it('kubectl kustomize builds the same valid objects', (ctx) => {
    requireKubectl(ctx, 'k8s-manifests');
    const built = parseDocuments(kustomize(root), 'kubectl kustomize');
    validateAll(built);
    const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(built.map(key).sort()).toEqual(objects.map(key).sort());
  });

  it("the README's overlay example builds and sets the endpoints it says", (ctx) => {
    requireKubectl(ctx, 'k8s-manifests', 21);
    const readme = readFileSync(path.resolve(root, '../README.md'), 'utf8');
    const example = /```yaml\n(# my-cluster\/agents\/kustomization\.yaml\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'README has the overlay example').toBeDefined();
    const dir = mkdtempSync(path.join(tmpdir(), 'aiworker-overlay-'));
    try {
      const overlay = path.join(dir, 'my-cluster', 'agents');
      mkdirSync(overlay, { recursive: true });
      const base = path.relative(overlay, root);
      writeFileSync(
        path.join(overlay, 'kustomization.yaml'),
        example!.replace('../../aiworker/k8s/agents', base),
      );
      const built = parseDocuments(kustomize(overlay), 'overlay');
      validateAll(built);
      const egress = (name: string) =>
        JSON.stringify(
          (built.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name) as Manifest).spec,
        );
      expect(egress('agent-egress-gitea')).toContain('"kubernetes.io/metadata.name":"git"');
      expect(egress('agent-egress-aiworker')).toContain('"kubernetes.io/metadata.name":"bots"');
      expect(egress('agent-egress-llm')).toContain('"cidr":"10.20.0.0/24"');
      expect(egress('agent-egress-llm')).toContain('"port":8000');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
