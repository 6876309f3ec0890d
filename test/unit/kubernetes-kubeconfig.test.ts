import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubernetesRunner, KubernetesRunner } from '../../src/agents/runners/kubernetes.ts';
import { buildKubeConfig } from '../../src/kubernetes/kubeconfig.ts';

const KUBECONFIG = `
apiVersion: v1
kind: Config
clusters:
  - name: prod
    cluster: { server: https://prod.example.com:6443, certificate-authority-data: Y2E= }
  - name: lab
    cluster: { server: https://lab.example.com:6443, insecure-skip-tls-verify: true }
users:
  - name: bot
    user: { token: kube-token-123 }
contexts:
  - name: prod
    context: { cluster: prod, user: bot, namespace: aiworker }
  - name: lab
    context: { cluster: lab, user: bot }
current-context: prod
`;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function kubeconfigFile(): string {
  dir = mkdtempSync(path.join(tmpdir(), 'aiworker-kubeconfig-'));
  const file = path.join(dir, 'config');
  writeFileSync(file, KUBECONFIG);
  return file;
}

describe('buildKubeConfig', () => {
  it('from a server and token; plain http is allowed only by marking TLS as skipped', () => {
    const plain = buildKubeConfig({ kind: 'token', server: 'http://127.0.0.1:8001/', token: 't0ken' });
    expect(plain.getCurrentCluster()).toMatchObject({ server: 'http://127.0.0.1:8001', skipTLSVerify: true });
    expect(plain.getCurrentUser()).toMatchObject({ token: 't0ken' });
    const tls = buildKubeConfig({
      kind: 'token',
      server: 'https://k8s.example.com',
      token: 't',
      caData: 'Y2E=',
    });
    expect(tls.getCurrentCluster()).toMatchObject({ skipTLSVerify: false, caData: 'Y2E=' });
  });

  it('refuses a server that is not a URL', () => {
    expect(() => buildKubeConfig({ kind: 'token', server: 'k8s.example.com', token: 't' })).toThrow(
      'Kubernetes server must be a URL, got "k8s.example.com"',
    );
  });

  it('from a kubeconfig file: its current context, or the one named', () => {
    const file = kubeconfigFile();
    expect(buildKubeConfig({ kind: 'kubeconfig', path: file }).getCurrentCluster()?.server).toBe(
      'https://prod.example.com:6443',
    );
    const lab = buildKubeConfig({ kind: 'kubeconfig', path: file, context: 'lab' });
    expect(lab.getCurrentCluster()).toMatchObject({
      server: 'https://lab.example.com:6443',
      skipTLSVerify: true,
    });
    expect(() => buildKubeConfig({ kind: 'kubeconfig', path: file, context: 'staging' })).toThrow(
      'kubeconfig has no context "staging"',
    );
  });

  it('in-cluster needs the service host Kubernetes sets in every pod', () => {
    const saved = process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      expect(() => buildKubeConfig({ kind: 'in-cluster' })).toThrow(/KUBERNETES_SERVICE_HOST/);
    } finally {
      if (saved !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved;
    }
  });
});

describe('KubernetesRunner construction', () => {
  const connection = { kind: 'token', server: 'http://127.0.0.1:1', token: 't' } as const;

  it('names the missing setting', () => {
    expect(() => new KubernetesRunner({ namespace: '', image: 'agent:1', connection })).toThrow(
      /AGENT_NAMESPACE/,
    );
    expect(() =>
      createKubernetesRunner({ AGENT_NAMESPACE: 'agents', AGENT_IMAGE: undefined }, { connection }),
    ).toThrow(/AGENT_IMAGE/);
  });

  it('takes namespace and image from the environment', () => {
    const runner = createKubernetesRunner(
      { AGENT_NAMESPACE: 'aiworker-agents', AGENT_IMAGE: 'agent:1' },
      { connection },
    );
    expect(runner.kind).toBe('kubernetes');
    expect(runner.namespace).toBe('aiworker-agents');
  });
});
