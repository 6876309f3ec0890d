import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderAgentJob } from '../../src/agents/runners/kubernetes/render.ts';
import { ConfigError, envVariables, loadEnv } from '../../src/config/env.ts';
import { WEBHOOK_PATH } from '../../src/server/app.ts';
import { createOpsRouter } from '../../src/server/health.ts';
import { documentedRules } from '../fakes/kubernetes/rbac.ts';
import { agentRunSpec } from '../fakes/kubernetes/run-spec.ts';
import { parseLabelSelector } from '../fakes/kubernetes/selectors.ts';
import { cliCommands } from '../support/cli.ts';
import {
  kustomize,
  type Manifest,
  parseDocuments,
  requireKubectl,
  validateAll,
} from '../support/kustomize.ts';

/**
 * AiWorker's own manifests (k8s/aiworker): the base (server and worker Deployments), the
 * overlays and the components. Every object is valid by its schema; the environment they set
 * is one AiWorker knows and accepts; the pods run the CLI's commands with probes on the
 * routes the server answers, as the image's non-root user; the Service, Ingress and budgets
 * select the right pods; the network is closed but for the endpoints the bot uses; and each
 * component grants exactly the RBAC docs/previews.md and the agents runner need. Files are
 * checked as they are; with kubectl on the PATH, every overlay and component is also built.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const BASE = path.join(ROOT, 'k8s/aiworker/base');
const COMPONENTS = path.join(ROOT, 'k8s/aiworker/components');
const OVERLAYS = path.join(ROOT, 'k8s/aiworker/overlays');
const NAMESPACE = 'aiworker';
const SUITE = 'k8s-aiworker';

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Array<{ name: string; emptyDir?: unknown }>;
}
type Deployment = Manifest & {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};
type Selector = { matchLabels?: Record<string, string> };
type Peer = { namespaceSelector?: Selector; podSelector?: Selector; ipBlock?: { cidr: string } };
type Rule = { from?: Peer[]; to?: Peer[]; ports: Array<{ protocol: string; port: number }> };
type Policy = Manifest & {
  spec: { podSelector: Selector; policyTypes: string[]; ingress?: Rule[]; egress?: Rule[] };
};
type RbacObject = Manifest & {
  rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  roleRef?: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace: string }>;
};

const read = (file: string) => readFileSync(file, 'utf8');
const kustomization = (dir: string) =>
  parse(read(path.join(dir, 'kustomization.yaml'))) as { resources?: string[]; components?: string[] };
/** The objects of a kustomization's own resource files (no patches applied). */
const filesOf = (dir: string) =>
  (kustomization(dir).resources ?? [])
    .filter((entry) => /\.ya?ml$/.test(entry))
    .flatMap((file) => parseDocuments(read(path.join(dir, file)), file));

const exampleSecret = parseDocuments(
  read(path.join(BASE, 'secret.example.yaml')),
  'secret.example.yaml',
)[0] as Manifest & { stringData: Record<string, string> };

const ofKind = <T extends Manifest = Manifest>(objects: Manifest[], kind: string) =>
  objects.filter((o) => o.kind === kind) as T[];
const named = <T extends Manifest = Manifest>(objects: Manifest[], kind: string, name: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0] as T;
};
const selects = (selector: Selector, labels: Record<string, string> | undefined) =>
  parseLabelSelector(
    Object.entries(selector.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  )(labels ?? {});

/**
 * The environment the manifests give AiWorker's container: the ConfigMap and Secret it reads
 * whole (the example Secret standing in for the operator's), then its own `env` entries.
 */
function containerEnvironment(objects: Manifest[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      Object.assign(
        env,
        named<Manifest & { data: Record<string, string> }>(objects, 'ConfigMap', source.configMapRef.name)
          .data,
      );
    }
    if (source.secretRef) {
      expect(source.secretRef.name).toBe(exampleSecret.metadata.name);
      Object.assign(env, exampleSecret.stringData);
    }
  }
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref) {
      expect(ref.name).toBe(exampleSecret.metadata.name);
      expect(Object.keys(exampleSecret.stringData), `secret key ${ref.key}`).toContain(ref.key);
      env[entry.name] = exampleSecret.stringData[ref.key]!;
    } else {
      env[entry.name] = entry.value ?? '';
    }
  }
  return env;
}

const KNOWN_VARIABLES = Object.keys(envVariables.shape);

/**
 * What is wrong with the environment the manifests give each container: a variable AiWorker
 * does not read, or a set AiWorker refuses to start with (`migrate` must get the database alone).
 */
function environmentProblems(objects: Manifest[]): string[] {
  const problems: string[] = [];
  const deployments = ofKind<Deployment>(objects, 'Deployment');
  if (deployments.length === 0) problems.push('no Deployment');
  for (const deployment of deployments) {
    const pod = deployment.spec.template.spec;
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      const env = containerEnvironment(objects, container);
      const where = `${deployment.metadata.name}/${container.name}`;
      for (const name of Object.keys(env))
        if (!KNOWN_VARIABLES.includes(name))
          problems.push(`${where}: ${name} is not a variable AiWorker reads`);
      if (container.args?.at(-1) === 'migrate') {
        if (Object.keys(env).join() !== 'DATABASE_URL')
          problems.push(`${where}: gets more than DATABASE_URL`);
        continue;
      }
      try {
        loadEnv(env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(...error.problems.map((problem) => `${where}: ${problem}`));
      }
    }
  }
  return problems;
}

const expectEnvironmentAccepted = (objects: Manifest[]) => expect(environmentProblems(objects)).toEqual([]);

/** What a NetworkPolicy rule lets through, in a form to compare. */
function describePeer(peer: Peer): string {
  if (peer.ipBlock) return `ip:${peer.ipBlock.cidr}`;
  const ns = peer.namespaceSelector ? `ns:${JSON.stringify(peer.namespaceSelector.matchLabels)} ` : '';
  return `${ns}pods:${JSON.stringify(peer.podSelector?.matchLabels)}`;
}
function policySummary(objects: Manifest[], direction: 'ingress' | 'egress') {
  return ofKind<Policy>(objects, 'NetworkPolicy')
    .filter((p) => p.metadata.namespace === NAMESPACE && (p.spec[direction] ?? []).length > 0)
    .flatMap((p) =>
      (p.spec[direction] ?? []).map((rule) => ({
        policy: p.metadata.name,
        peers: (rule.from ?? rule.to ?? []).map(describePeer),
        ports: rule.ports.map((port) => `${port.protocol}/${port.port}`).sort(),
      })),
    )
    .sort((a, b) => a.policy.localeCompare(b.policy));
}

/** A Role's or ClusterRole's rules in the form `documentedRules` gives. */
const rulesOf = (objects: Manifest[], names: string[]) =>
  documentedRules(
    `\`\`\`yaml\n${objects
      .filter((o) => o.kind.endsWith('Role'))
      .map((o) => JSON.stringify(o))
      .join('\n---\n')}\n\`\`\``,
    names,
  );

const baseObjects = filesOf(BASE);
const componentObjects = (name: string) => filesOf(path.join(COMPONENTS, name));
const previewsDoc = read(path.join(ROOT, 'docs/previews.md'));
const docObjects = [...previewsDoc.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((block) =>
  parseDocuments(block[1]!, 'docs/previews.md'),
);

describe('k8s/aiworker/base, as written', () => {
  it('lists every manifest in the kustomization but the example Secret, which nothing applies', () => {
    const files = readdirSync(BASE).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect([...(kustomization(BASE).resources ?? [])].sort()).toEqual(
      files.filter((f) => f !== 'secret.example.yaml').sort(),
    );
    const kustomizations = readdirSync(path.join(ROOT, 'k8s'), { recursive: true, encoding: 'utf8' }).filter(
      (f) => path.basename(f) === 'kustomization.yaml',
    );
    expect(kustomizations.length).toBeGreaterThanOrEqual(8);
    for (const file of kustomizations) {
      const dir = path.join(ROOT, 'k8s', path.dirname(file));
      expect(kustomization(dir).resources ?? [], file).not.toContain('secret.example.yaml');
    }
  });

  it('holds only valid objects, the example Secret included, and every component’s own files', () => {
    validateAll([...baseObjects, exampleSecret]);
    for (const component of readdirSync(COMPONENTS)) validateAll(componentObjects(component));
    expect(
      ofKind(baseObjects, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['aiworker', 'aiworker-worker']);
    for (const object of baseObjects.filter((o) => o.kind !== 'Namespace'))
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(NAMESPACE);
  });

  it('the example Secret says it is one, and holds every secret AiWorker needs to start', () => {
    expect(read(path.join(BASE, 'secret.example.yaml'))).toMatch(/^# EXAMPLE VALUES ONLY/);
    for (const [key, value] of Object.entries(exampleSecret.stringData))
      expect(value, key).toMatch(/example/);
    expect(Object.keys(exampleSecret.stringData)).toEqual(
      expect.arrayContaining(['GITEA_TOKEN', 'WEBHOOK_SECRET', 'DATABASE_URL', 'REDIS_URL']),
    );
  });

  it('sets only variables AiWorker knows, and a set it accepts; migrate gets the database alone', () => {
    expectEnvironmentAccepted(baseObjects);
  });

  it('an unknown or invalid variable would be caught', () => {
    const withConfig = (data: Record<string, string>) =>
      baseObjects.map((o) =>
        o.kind === 'ConfigMap' ? { ...o, data: { ...(o.data as object), ...data } } : o,
      );
    expect(environmentProblems(withConfig({ LLM_PROVIDER: 'gpt', GITEA_ADDRESS: 'x' }))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aiworker\/aiworker: LLM_PROVIDER /),
        'aiworker-worker/aiworker: GITEA_ADDRESS is not a variable AiWorker reads',
      ]),
    );
    expect(environmentProblems(withConfig({ AGENT_RUNNER: 'kubernetes' }))).toContain(
      'aiworker-worker/aiworker: AGENT_IMAGE is required when AGENT_RUNNER=kubernetes',
    );
  });

  it('runs `aiworker serve` and `aiworker worker`, each after `aiworker migrate` in the same image', () => {
    const commands = cliCommands();
    const server = named<Deployment>(baseObjects, 'Deployment', 'aiworker').spec.template.spec;
    const worker = named<Deployment>(baseObjects, 'Deployment', 'aiworker-worker').spec.template.spec;
    for (const [pod, command] of [
      [server, 'serve'],
      [worker, 'worker'],
    ] as const) {
      const [main] = pod.containers;
      expect(pod.containers).toHaveLength(1);
      expect(main!.args).toEqual(['node', 'bin/aiworker.js', command]);
      expect(pod.initContainers?.map((c) => c.args)).toEqual([['node', 'bin/aiworker.js', 'migrate']]);
      expect(pod.initContainers?.[0]?.image).toBe(main!.image);
      expect(commands).toEqual(expect.arrayContaining([command, 'migrate']));
    }
  });

  it('probes the server: /healthz for liveness and start, /readyz for readiness, on PORT', async () => {
    const server = named<Deployment>(baseObjects, 'Deployment', 'aiworker').spec.template.spec.containers[0]!;
    const port = server.ports?.find((p) => p.name === 'http');
    const config = named<Manifest & { data: Record<string, string> }>(baseObjects, 'ConfigMap', 'aiworker');
    expect(port?.containerPort).toBe(Number(config.data.PORT));
    expect(server.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(server.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(server.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // The routes answer as the probes expect: /readyz fails while a dependency is down.
    let redisUp = true;
    const app = express().use(
      createOpsRouter({
        readiness: { redis: async () => (redisUp ? 'PONG' : Promise.reject(new Error('down'))) },
        registry: new Registry(),
      }),
    );
    const listener = app.listen(0);
    await new Promise((resolve) => listener.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      redisUp = false;
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      listener.close();
    }
  });

  it('gives the worker, which serves no HTTP, no port and no HTTP probe', () => {
    const worker = named<Deployment>(baseObjects, 'Deployment', 'aiworker-worker').spec.template.spec
      .containers[0]!;
    expect(worker.ports).toBeUndefined();
    for (const probe of [worker.livenessProbe, worker.readinessProbe, worker.startupProbe])
      expect(probe?.httpGet).toBeUndefined();
  });

  it('runs every container as the image’s non-root user, restricted, with a writable /tmp only', () => {
    const user = /^USER (\d+):(\d+)$/m.exec(read(path.join(ROOT, 'Dockerfile')));
    const namespace = named(baseObjects, 'Namespace', NAMESPACE);
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const deployment of ofKind<Deployment>(baseObjects, 'Deployment')) {
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: Number(user?.[1]),
        runAsGroup: Number(user?.[2]),
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(container.securityContext, container.name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
      const [main] = pod.containers;
      expect(main!.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    }
  });

  it('mounts the ServiceAccount token only where the Kubernetes API is used: in the workers', () => {
    const account = named(baseObjects, 'ServiceAccount', 'aiworker');
    for (const deployment of ofKind<Deployment>(baseObjects, 'Deployment'))
      expect(deployment.spec.template.spec.serviceAccountName).toBe(account.metadata.name);
    expect(
      named<Deployment>(baseObjects, 'Deployment', 'aiworker').spec.template.spec
        .automountServiceAccountToken,
    ).toBe(false);
    expect(
      named<Deployment>(baseObjects, 'Deployment', 'aiworker-worker').spec.template.spec
        .automountServiceAccountToken,
    ).toBe(true);
    // The base grants nothing: the components do.
    expect(baseObjects.filter((o) => /Role/.test(o.kind))).toEqual([]);
  });

  it('routes the Service to the server pods only, and publishes the webhook and /mcp at PUBLIC_URL', () => {
    const service = named<
      Manifest & {
        spec: {
          selector: Record<string, string>;
          ports: Array<{ name: string; port: number; targetPort: string }>;
        };
      }
    >(baseObjects, 'Service', 'aiworker');
    const server = named<Deployment>(baseObjects, 'Deployment', 'aiworker');
    const worker = named<Deployment>(baseObjects, 'Deployment', 'aiworker-worker');
    expect(selects({ matchLabels: service.spec.selector }, server.spec.template.metadata.labels)).toBe(true);
    expect(selects({ matchLabels: service.spec.selector }, worker.spec.template.metadata.labels)).toBe(false);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['http']);

    const ingress = named<
      Manifest & {
        spec: {
          tls: Array<{ hosts: string[] }>;
          rules: Array<{
            host: string;
            http: {
              paths: Array<{
                path: string;
                pathType: string;
                backend: { service: { name: string; port: { name: string } } };
              }>;
            };
          }>;
        };
      }
    >(baseObjects, 'Ingress', 'aiworker');
    const config = named<Manifest & { data: Record<string, string> }>(baseObjects, 'ConfigMap', 'aiworker');
    const publicHost = new URL(config.data.PUBLIC_URL!).host;
    expect(ingress.spec.rules.map((r) => r.host)).toEqual([publicHost]);
    expect(ingress.spec.tls.flatMap((t) => t.hosts)).toEqual([publicHost]);
    const paths = ingress.spec.rules[0]!.http.paths;
    expect(paths.map((p) => `${p.pathType} ${p.path}`).sort()).toEqual([
      'Exact /webhooks/gitea',
      'Prefix /mcp',
    ]);
    expect(paths.map((p) => p.path)).toContain(WEBHOOK_PATH);
    for (const p of paths)
      expect(p.backend.service).toEqual({ name: 'aiworker', port: { name: service.spec.ports[0]!.name } });
  });

  it('budgets each Deployment’s pods for voluntary disruptions', () => {
    const budgets = ofKind<Manifest & { spec: { maxUnavailable: number; selector: Selector } }>(
      baseObjects,
      'PodDisruptionBudget',
    );
    for (const deployment of ofKind<Deployment>(baseObjects, 'Deployment')) {
      const covering = budgets.filter((b) =>
        selects(b.spec.selector, deployment.spec.template.metadata.labels),
      );
      expect(
        covering.map((b) => b.metadata.name),
        deployment.metadata.name,
      ).toEqual([deployment.metadata.name]);
      expect(covering[0]!.spec.maxUnavailable).toBe(1);
    }
  });

  describe('network policies', () => {
    it('deny everything to and from AiWorker’s pods, and only them, but what is allowed', () => {
      const deny = ofKind<Policy>(baseObjects, 'NetworkPolicy').filter(
        (p) => !p.spec.ingress && !p.spec.egress,
      );
      expect(deny.map((p) => p.metadata.name)).toEqual(['aiworker-default-deny']);
      expect(deny[0]!.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
      for (const deployment of ofKind<Deployment>(baseObjects, 'Deployment'))
        expect(selects(deny[0]!.spec.podSelector, deployment.spec.template.metadata.labels)).toBe(true);
      expect(deny[0]!.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'aiworker' });
    });

    it('let in only the ingress controller and Gitea, to the server’s port', () => {
      const server = named<Deployment>(baseObjects, 'Deployment', 'aiworker');
      const worker = named<Deployment>(baseObjects, 'Deployment', 'aiworker-worker');
      for (const policy of ofKind<Policy>(baseObjects, 'NetworkPolicy').filter((p) => p.spec.ingress)) {
        expect(selects(policy.spec.podSelector, server.spec.template.metadata.labels)).toBe(true);
        expect(selects(policy.spec.podSelector, worker.spec.template.metadata.labels)).toBe(false);
      }
      expect(policySummary(baseObjects, 'ingress')).toEqual([
        {
          policy: 'aiworker-ingress-gitea',
          peers: ['ns:{"kubernetes.io/metadata.name":"gitea"} pods:{"app.kubernetes.io/name":"gitea"}'],
          ports: ['TCP/8080'],
        },
        {
          policy: 'aiworker-ingress-ingress-controller',
          peers: ['ns:{"kubernetes.io/metadata.name":"ingress-nginx"} pods:undefined'],
          ports: ['TCP/8080'],
        },
      ]);
    });

    it('let out only DNS, Gitea, MariaDB, Redis, the Kubernetes API and the LLM endpoint', () => {
      expect(policySummary(baseObjects, 'egress')).toEqual([
        {
          policy: 'aiworker-egress-dns',
          peers: ['ns:{"kubernetes.io/metadata.name":"kube-system"} pods:{"k8s-app":"kube-dns"}'],
          ports: ['TCP/53', 'UDP/53'],
        },
        {
          policy: 'aiworker-egress-gitea',
          peers: ['ns:{"kubernetes.io/metadata.name":"gitea"} pods:{"app.kubernetes.io/name":"gitea"}'],
          ports: ['TCP/3000'],
        },
        {
          policy: 'aiworker-egress-kubernetes-api',
          peers: ['ip:192.0.2.20/32'],
          ports: ['TCP/443', 'TCP/6443'],
        },
        { policy: 'aiworker-egress-llm', peers: ['ip:192.0.2.10/32'], ports: ['TCP/443'] },
        {
          policy: 'aiworker-egress-mariadb',
          peers: ['pods:{"app.kubernetes.io/name":"mariadb"}'],
          ports: ['TCP/3306'],
        },
        {
          policy: 'aiworker-egress-redis',
          peers: ['pods:{"app.kubernetes.io/name":"redis"}'],
          ports: ['TCP/6379'],
        },
      ]);
    });

    it('the agents component lets agent pods reach the server’s port, and nothing else in', () => {
      const agentLabels = renderAgentJob(agentRunSpec(7), { namespace: 'aiworker-agents', image: 'agent:1' })
        .spec?.template.metadata?.labels;
      const [policy] = ofKind<Policy>(componentObjects('agents'), 'NetworkPolicy');
      const [rule] = policy!.spec.ingress!;
      expect(rule!.from).toHaveLength(1);
      expect(rule!.from![0]!.namespaceSelector?.matchLabels).toEqual({
        'kubernetes.io/metadata.name': 'aiworker-agents',
      });
      expect(selects(rule!.from![0]!.podSelector!, agentLabels as Record<string, string>)).toBe(true);
      expect(rule!.ports).toEqual([{ protocol: 'TCP', port: 8080 }]);
      expect(
        selects(
          policy!.spec.podSelector,
          named<Deployment>(baseObjects, 'Deployment', 'aiworker').spec.template.metadata.labels,
        ),
      ).toBe(true);
    });
  });
});

describe('k8s/aiworker/components, as written', () => {
  const bindingsOf = (objects: Manifest[]) =>
    (objects.filter((o) => o.kind.endsWith('Binding')) as RbacObject[]).map((b) => ({
      name: b.metadata.name,
      namespace: b.metadata.namespace,
      roleRef: b.roleRef,
      subjects: b.subjects,
    }));
  const docRbac = (names: string[]) =>
    docObjects.filter((o) => /Role|Binding/.test(o.kind) && names.includes(o.metadata.name));

  it('previews-kubernetes grants exactly the ClusterRole of docs/previews.md (the calls the bot makes)', () => {
    const objects = componentObjects('previews-kubernetes');
    expect(rulesOf(objects, ['aiworker-previews'])).toEqual(
      documentedRules(previewsDoc, ['aiworker-previews']),
    );
    expect(bindingsOf(objects)).toEqual(bindingsOf(docRbac(['aiworker-previews'])));
    expect(objects.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding']);
  });

  it('previews-argocd grants exactly docs/previews.md’s Role and ClusterRole, with its AppProject', () => {
    const objects = componentObjects('previews-argocd');
    const names = ['aiworker-argocd', 'aiworker-preview-namespaces'];
    expect(rulesOf(objects, names)).toEqual(documentedRules(previewsDoc, names));
    expect(bindingsOf(objects)).toEqual(bindingsOf(docRbac(names)));
    const project = named<Manifest & { spec: unknown }>(objects, 'AppProject', 'aiworker-previews');
    expect(project.spec).toEqual(
      named<Manifest & { spec: unknown }>(docObjects, 'AppProject', 'aiworker-previews').spec,
    );
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['AppProject', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].sort(),
    );
  });

  it('argocd-promotion reads and refreshes Applications in argocd, nothing more', () => {
    // The integration test of promotion (preview-argocd) records these calls.
    const objects = componentObjects('argocd-promotion');
    expect(rulesOf(objects, ['aiworker-argocd-promotion'])).toEqual([
      { apiGroup: 'argoproj.io', resource: 'applications', verbs: ['get', 'patch'] },
    ]);
    expect(objects.every((o) => o.metadata.namespace === 'argocd')).toBe(true);
  });

  it('agents brings the agents namespace (k8s/agents), whose Role is bound to the bot', () => {
    expect(kustomization(path.join(COMPONENTS, 'agents')).resources).toContain('../../../agents');
  });

  it('every binding names the ServiceAccount the workers run as', () => {
    const worker = named<Deployment>(baseObjects, 'Deployment', 'aiworker-worker').spec.template.spec;
    const agentsRbac = parseDocuments(read(path.join(ROOT, 'k8s/agents/rbac.yaml')), 'rbac.yaml');
    const bindings = [...readdirSync(COMPONENTS).flatMap(componentObjects), ...agentsRbac].filter((o) =>
      o.kind.endsWith('Binding'),
    ) as RbacObject[];
    expect(bindings.length).toBe(5);
    for (const binding of bindings)
      expect(binding.subjects, binding.metadata.name).toEqual([
        { kind: 'ServiceAccount', name: worker.serviceAccountName, namespace: NAMESPACE },
      ]);
  });
});

describe('k8s/aiworker, built by kubectl kustomize', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'aiworker-k8s-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Builds an overlay of `resource` with `components`, as an operator's kustomization would. */
  function build(resource: string, components: string[] = []): Manifest[] {
    const dir = mkdtempSync(path.join(scratch, 'overlay-'));
    const relative = (target: string) => path.relative(dir, target);
    writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${relative(resource)}]`,
        `components: [${components.map((c) => relative(path.join(COMPONENTS, c))).join(', ')}]`,
      ].join('\n'),
    );
    const objects = parseDocuments(kustomize(dir), dir);
    validateAll(objects);
    return objects;
  }

  it('the base: the objects of its files, valid and accepted', (ctx) => {
    requireKubectl(ctx, SUITE, 21);
    const built = parseDocuments(kustomize(BASE), 'base');
    validateAll(built);
    const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(built.map(key).sort()).toEqual(baseObjects.map(key).sort());
    expectEnvironmentAccepted(built);
  });

  it('single: one Deployment running `aiworker start` with the token the workers need', (ctx) => {
    requireKubectl(ctx, SUITE, 21);
    const objects = build(path.join(OVERLAYS, 'single'));
    const deployments = ofKind<Deployment>(objects, 'Deployment');
    expect(deployments.map((d) => d.metadata.name)).toEqual(['aiworker']);
    const pod = deployments[0]!.spec.template.spec;
    expect(pod.containers[0]!.args).toEqual(['node', 'bin/aiworker.js', 'start']);
    expect(cliCommands()).toContain('start');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.containers[0]!.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(ofKind(objects, 'PodDisruptionBudget').map((b) => b.metadata.name)).toEqual(['aiworker']);
    const service = named<Manifest & { spec: { selector: Record<string, string> } }>(
      objects,
      'Service',
      'aiworker',
    );
    expect(
      selects({ matchLabels: service.spec.selector }, deployments[0]!.spec.template.metadata.labels),
    ).toBe(true);
    expectEnvironmentAccepted(objects);
  });

  it('scaled: several servers and workers, each spread over nodes', (ctx) => {
    requireKubectl(ctx, SUITE, 21);
    const objects = build(path.join(OVERLAYS, 'scaled'));
    const replicas = Object.fromEntries(
      ofKind<Deployment>(objects, 'Deployment').map((d) => [d.metadata.name, d.spec.replicas]),
    );
    expect(replicas).toEqual({ aiworker: 2, 'aiworker-worker': 3 });
    for (const deployment of ofKind<Deployment>(objects, 'Deployment')) {
      const spread = (
        deployment.spec.template.spec as unknown as {
          topologySpreadConstraints: Array<{ labelSelector: Selector }>;
        }
      ).topologySpreadConstraints;
      expect(spread).toHaveLength(1);
      expect(selects(spread[0]!.labelSelector, deployment.spec.template.metadata.labels)).toBe(true);
    }
    expectEnvironmentAccepted(objects);
  });

  it('each component on each overlay: valid, and an environment AiWorker accepts', (ctx) => {
    requireKubectl(ctx, SUITE, 21);
    const expected: Record<string, Record<string, string>> = {
      agents: { AGENT_RUNNER: 'kubernetes', AGENT_NAMESPACE: 'aiworker-agents' },
      'previews-kubernetes': { PREVIEW_MODE: 'kubernetes' },
      'previews-argocd': { PREVIEW_MODE: 'argocd' },
      'argocd-promotion': {},
    };
    expect(readdirSync(COMPONENTS).sort()).toEqual(Object.keys(expected).sort());
    for (const overlay of ['base', 'overlays/single', 'overlays/scaled']) {
      for (const [component, variables] of Object.entries(expected)) {
        const objects = build(path.join(ROOT, 'k8s/aiworker', overlay), [component]);
        expect(
          named<Manifest & { data: Record<string, string> }>(objects, 'ConfigMap', 'aiworker').data,
          `${overlay} + ${component}`,
        ).toMatchObject(variables);
        expectEnvironmentAccepted(objects);
      }
    }
  });

  it('agents and both kinds of preview together: the agents namespace, RBAC for each, no conflict', (ctx) => {
    requireKubectl(ctx, SUITE, 21);
    const objects = build(path.join(OVERLAYS, 'single'), [
      'agents',
      'previews-kubernetes',
      'argocd-promotion',
    ]);
    expect(named(objects, 'Namespace', 'aiworker-agents').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(
      ofKind(objects, 'ServiceAccount').map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
    ).toEqual(['aiworker/aiworker']);
    expect(
      objects
        .filter((o) => o.kind.endsWith('Role'))
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['aiworker-agent-runner', 'aiworker-argocd-promotion', 'aiworker-previews']);
  });

  it("the README's overlay example builds and sets what it says", (ctx) => {
    requireKubectl(ctx, SUITE, 21);
    const readme = read(path.join(ROOT, 'k8s/README.md'));
    const example = /```yaml\n(# my-cluster\/aiworker\/kustomization\.yaml\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'README has the overlay example').toBeDefined();
    const overlay = path.join(scratch, 'my-cluster', 'aiworker');
    mkdirSync(overlay, { recursive: true });
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      example!.replaceAll(
        '../../aiworker/k8s/aiworker',
        path.relative(overlay, path.join(ROOT, 'k8s/aiworker')),
      ),
    );
    const objects = parseDocuments(kustomize(overlay), 'overlay');
    validateAll(objects);
    const [deployment] = ofKind<Deployment>(objects, 'Deployment');
    expect(deployment!.spec.template.spec.containers[0]!.image).toBe('registry.acme.test/aiworker:1.2.0');
    expect(deployment!.spec.template.spec.initContainers![0]!.image).toBe(
      'registry.acme.test/aiworker:1.2.0',
    );
    const config = named<Manifest & { data: Record<string, string> }>(objects, 'ConfigMap', 'aiworker').data;
    expect(config).toMatchObject({
      PUBLIC_URL: 'https://aiworker.acme.test',
      GITEA_URL: 'https://git.acme.test',
      AGENT_RUNNER: 'kubernetes',
      AGENT_IMAGE: 'registry.acme.test/aiworker-agent:1.2.0',
    });
    const ingress = named<Manifest & { spec: { rules: Array<{ host: string }> } }>(
      objects,
      'Ingress',
      'aiworker',
    );
    expect(ingress.spec.rules[0]!.host).toBe('aiworker.acme.test');
    expectEnvironmentAccepted(objects);
  });
});
