import { spawnSync } from 'node:child_process';
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  LimitRange,
  Namespace,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { expect, type TestContext } from 'vitest';
import { parseAllDocuments } from 'yaml';

/**
 * Kubernetes manifests in tests: YAML documents parsed as objects, and `kubectl kustomize`
 * when kubectl is on the PATH (CI installs it; without it the builds are skipped, saying so),
 * and every object validated by its Kubernetes (or Argo CD) schema.
 */

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
} & Record<string, unknown>;

export function parseDocuments(text: string, source: string): Manifest[] {
  return parseAllDocuments(text)
    .filter((doc) => doc.contents !== null)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
      return doc.toJS() as Manifest;
    });
}

interface Validatable {
  validate(): void;
}

/** The schema model of each kind the manifests hold, by `apiVersion/kind`. */
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace as never,
  'v1/ServiceAccount': ServiceAccount as never,
  'v1/ConfigMap': ConfigMap as never,
  'v1/Secret': Secret as never,
  'v1/Service': Service as never,
  'v1/ResourceQuota': ResourceQuota as never,
  'v1/LimitRange': LimitRange as never,
  'apps/v1/Deployment': Deployment as never,
  'networking.k8s.io/v1/Ingress': Ingress as never,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as never,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as never,
  'rbac.authorization.k8s.io/v1/Role': Role as never,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding as never,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as never,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as never,
  'argoproj.io/v1alpha1/AppProject': AppProject as never,
};

/** Every object must be of a known apiVersion and kind and valid by its schema. */
export function validateAll(objects: Manifest[]) {
  for (const object of objects) {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!Model)
      throw new Error(`no schema for ${object.apiVersion} ${object.kind} (${object.metadata?.name})`);
    expect(
      () => new Model(object as never).validate(),
      `${object.kind}/${object.metadata.name}`,
    ).not.toThrow();
  }
}

function kubectl(): { available: boolean; minor: number } {
  const result = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return { available: false, minor: 0 };
  const version = JSON.parse(result.stdout) as { clientVersion?: { minor?: string } };
  return { available: true, minor: Number.parseInt(version.clientVersion?.minor ?? '0', 10) };
}

/** Skips the test, with a warning naming `suite`, when kubectl is missing or too old. */
export function requireKubectl(ctx: TestContext, suite: string, minMinor = 0) {
  const found = kubectl();
  if (!found.available) {
    const note = 'kubectl is not on the PATH: the kustomize build is not checked here (CI installs kubectl)';
    console.warn(`${suite}: ${note}`);
    ctx.skip(note);
  }
  if (found.minor < minMinor) {
    const note = `kubectl 1.${found.minor}'s kustomize is older than this check needs (kubectl ≥ 1.${minMinor})`;
    console.warn(`${suite}: ${note}`);
    ctx.skip(note);
  }
}

export function kustomize(dir: string): string {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return result.stdout;
}
