import { isJson, type Json } from './types.ts';

/**
 * The Pod Security Standard `restricted` profile, as the PodSecurity admission plugin applies
 * it to a namespace labelled `pod-security.kubernetes.io/enforce: restricted`: a pod that
 * violates it is refused (a Job is accepted with a warning, and its pods are never created).
 * Messages follow the plugin's `would violate PodSecurity "restricted:latest": …` form.
 */

const ALLOWED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

const asJson = (value: unknown): Json => (isJson(value) ? value : {});
const asList = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isJson) : []);

/** Every violation of `restricted` in a pod spec; empty when the pod is allowed. */
export function restrictedViolations(podSpec: Json): string[] {
  const violations: string[] = [];
  const podContext = asJson(podSpec.securityContext);
  const containers = [...asList(podSpec.initContainers), ...asList(podSpec.containers)];
  const names = (list: Json[]) => list.map((c) => `"${String(c.name)}"`).join(', ');
  const containerContext = (c: Json) => asJson(c.securityContext);

  const hostNamespaces = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => podSpec[k] === true);
  if (hostNamespaces.length > 0)
    violations.push(`host namespaces (${hostNamespaces.map((k) => `${k}=true`).join(', ')})`);

  const privileged = containers.filter((c) => containerContext(c).privileged === true);
  if (privileged.length > 0)
    violations.push(
      `privileged (containers ${names(privileged)} must not set securityContext.privileged=true)`,
    );

  const escalating = containers.filter((c) => containerContext(c).allowPrivilegeEscalation !== false);
  if (escalating.length > 0) {
    violations.push(
      `allowPrivilegeEscalation != false (containers ${names(escalating)} must set securityContext.allowPrivilegeEscalation=false)`,
    );
  }

  const noDrop = containers.filter((c) => {
    const drop = asJson(containerContext(c).capabilities).drop;
    return !Array.isArray(drop) || !drop.includes('ALL');
  });
  if (noDrop.length > 0) {
    violations.push(
      `unrestricted capabilities (containers ${names(noDrop)} must set securityContext.capabilities.drop=["ALL"])`,
    );
  }
  const adding = containers.filter((c) => {
    const add = asJson(containerContext(c).capabilities).add;
    return Array.isArray(add) && add.some((cap) => cap !== 'NET_BIND_SERVICE');
  });
  if (adding.length > 0)
    violations.push(
      `unrestricted capabilities (containers ${names(adding)} must not include capabilities beyond NET_BIND_SERVICE)`,
    );

  const badVolumes = asList(podSpec.volumes).filter(
    (v) => !Object.keys(v).some((key) => key !== 'name' && ALLOWED_VOLUME_TYPES.has(key)),
  );
  if (badVolumes.length > 0)
    violations.push(`restricted volume types (volumes ${names(badVolumes)} use a restricted volume type)`);

  const podNonRoot = podContext.runAsNonRoot === true;
  const notNonRoot = containers.filter((c) => {
    const value = containerContext(c).runAsNonRoot;
    return value === false || (value === undefined && !podNonRoot);
  });
  if (podContext.runAsNonRoot === false || notNonRoot.length > 0) {
    violations.push(
      `runAsNonRoot != true (pod or containers ${names(notNonRoot)} must set securityContext.runAsNonRoot=true)`,
    );
  }
  const root = containers.filter((c) => containerContext(c).runAsUser === 0);
  if (podContext.runAsUser === 0 || root.length > 0)
    violations.push('runAsUser=0 (pod and containers must not set runAsUser=0)');

  const okSeccomp = (profile: unknown) =>
    ['RuntimeDefault', 'Localhost'].includes(String(asJson(profile).type));
  const podSeccomp = okSeccomp(podContext.seccompProfile);
  const noSeccomp = containers.filter((c) => {
    const profile = containerContext(c).seccompProfile;
    return profile === undefined ? !podSeccomp : !okSeccomp(profile);
  });
  if (noSeccomp.length > 0) {
    violations.push(
      `seccompProfile (pod or containers ${names(noSeccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`,
    );
  }

  const hostPorts = containers.filter((c) =>
    asList(c.ports).some((p) => typeof p.hostPort === 'number' && p.hostPort !== 0),
  );
  if (hostPorts.length > 0) violations.push(`hostPort (containers ${names(hostPorts)} use hostPorts)`);

  return violations;
}

export function podSecurityWarning(violations: string[]): string {
  return `would violate PodSecurity "restricted:latest": ${violations.join(', ')}`;
}
