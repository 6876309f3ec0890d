import { randomUUID } from 'node:crypto';
import { isJson, type Json, type KubeObject } from './types.ts';

/**
 * The defaults kube-apiserver fills into new and updated objects (`pkg/apis/*\/v1/defaults.go`
 * and the registries' PrepareForCreate), for the kinds the fake serves. Each function only
 * fills what is missing, so defaulting a stored object again changes nothing (which keeps a
 * repeated server-side apply a no-op, as on a real cluster).
 */

const asJson = (value: unknown): Json => (isJson(value) ? value : {});
const asList = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isJson) : []);

/** core/v1 defaults.go SetDefaults_Container & friends, for a pod spec in a workload template. */
export function defaultPodSpec(podSpec: Json, restartPolicy: 'Always' | null): void {
  if (restartPolicy) podSpec.restartPolicy ??= restartPolicy;
  podSpec.dnsPolicy ??= 'ClusterFirst';
  podSpec.schedulerName ??= 'default-scheduler';
  podSpec.terminationGracePeriodSeconds ??= 30;
  podSpec.securityContext ??= {};
  for (const container of [...asList(podSpec.initContainers), ...asList(podSpec.containers)]) {
    container.terminationMessagePath ??= '/dev/termination-log';
    container.terminationMessagePolicy ??= 'File';
    const image = String(container.image ?? '');
    const lastSegment = image.split('/').pop() ?? '';
    container.imagePullPolicy ??=
      lastSegment.endsWith(':latest') || (!lastSegment.includes(':') && !image.includes('@'))
        ? 'Always'
        : 'IfNotPresent';
    for (const port of asList(container.ports)) port.protocol ??= 'TCP';
    for (const probeName of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      if (!isJson(container[probeName])) continue;
      const probe = container[probeName] as Json;
      probe.timeoutSeconds ??= 1;
      probe.periodSeconds ??= 10;
      probe.successThreshold ??= 1;
      probe.failureThreshold ??= 3;
      if (isJson(probe.httpGet)) (probe.httpGet as Json).scheme ??= 'HTTP';
    }
  }
}

/** apps/v1 defaults.go SetDefaults_Deployment. */
export function defaultDeployment(deployment: KubeObject): void {
  const spec = asJson(deployment.spec);
  deployment.spec = spec;
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  const strategy = asJson(spec.strategy);
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rolling = asJson(strategy.rollingUpdate);
    rolling.maxUnavailable ??= '25%';
    rolling.maxSurge ??= '25%';
    strategy.rollingUpdate = rolling;
  }
  spec.strategy = strategy;
  defaultPodSpec(asJson(asJson(spec.template).spec), 'Always');
}

/** core/v1 Service: type, session affinity, a cluster IP from the service range, target ports. */
export function defaultService(service: KubeObject, allocateIp: () => string): void {
  const spec = asJson(service.spec);
  service.spec = spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    spec.clusterIP ??= allocateIp();
    spec.clusterIPs ??= [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  for (const port of asList(spec.ports)) {
    port.protocol ??= 'TCP';
    port.targetPort ??= port.port;
  }
  service.status ??= { loadBalancer: {} };
}

/**
 * core/v1 Namespace: the `kubernetes` finalizer, phase Active, and the immutable
 * `kubernetes.io/metadata.name` label the API server sets on every namespace (since 1.21).
 */
export function defaultNamespace(namespace: KubeObject): void {
  namespace.spec = { finalizers: ['kubernetes'], ...asJson(namespace.spec) };
  namespace.metadata.labels = {
    ...namespace.metadata.labels,
    'kubernetes.io/metadata.name': namespace.metadata.name,
  };
  namespace.status ??= { phase: 'Active' };
}

/** networking/v1 SetDefaults_NetworkPolicy: policyTypes from the rules present. */
export function defaultNetworkPolicy(policy: KubeObject): void {
  const spec = asJson(policy.spec);
  policy.spec = spec;
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = ['Ingress', ...(Array.isArray(spec.egress) ? ['Egress'] : [])];
  }
}

/** core/v1 ResourceQuota: the quota controller reports `hard` and what is `used`. */
export function defaultResourceQuota(quota: KubeObject): void {
  const hard = asJson(asJson(quota.spec).hard);
  const used: Json = {};
  for (const key of Object.keys(hard)) used[key] = '0';
  quota.status = { hard: { ...hard }, used };
}

export function newUid(): string {
  return randomUUID();
}
