/**
 * The shapes the Kubernetes fake stores: plain JSON objects as the API server serves them,
 * with the metadata the server itself maintains always present.
 */

export type Json = Record<string, unknown>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  /** Absent on cluster-scoped objects (Namespaces). */
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  deletionTimestamp?: string;
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

/** One entry of `metadata.managedFields` (server-side apply's field ownership). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Json;
  subresource?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** The resources the fake serves: the agents runner's, the preview deployer's, Argo CD's. */
export type ResourceName =
  | 'jobs'
  | 'secrets'
  | 'pods'
  | 'namespaces'
  | 'deployments'
  | 'replicasets'
  | 'services'
  | 'ingresses'
  | 'resourcequotas'
  | 'networkpolicies'
  | 'applications'
  | 'appprojects';

export interface ResourceType {
  resource: ResourceName;
  /** API group; '' for the core group. */
  group: string;
  apiVersion: string;
  kind: string;
  listKind: string;
  /** How the API server names the resource in NotFound/AlreadyExists messages (`jobs.batch`). */
  qualified: string;
  /** How it names the kind in Invalid messages (`Job.batch`). */
  qualifiedKind: string;
  namespaced: boolean;
  /** Writes to the main resource keep `status` (it has a `/status` subresource). */
  statusSubresource: boolean;
  /** A custom resource (CRD): server-side apply treats its lists as atomic. */
  custom: boolean;
}

function resourceType(
  resource: ResourceName,
  apiVersion: string,
  kind: string,
  options: { namespaced?: boolean; statusSubresource?: boolean; custom?: boolean } = {},
): ResourceType {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  return {
    resource,
    group,
    apiVersion,
    kind,
    listKind: `${kind}List`,
    qualified: group ? `${resource}.${group}` : resource,
    qualifiedKind: group ? `${kind}.${group}` : kind,
    namespaced: options.namespaced ?? true,
    statusSubresource: options.statusSubresource ?? true,
    custom: options.custom ?? false,
  };
}

export const RESOURCES: Record<ResourceName, ResourceType> = {
  jobs: resourceType('jobs', 'batch/v1', 'Job'),
  secrets: resourceType('secrets', 'v1', 'Secret', { statusSubresource: false }),
  pods: resourceType('pods', 'v1', 'Pod'),
  namespaces: resourceType('namespaces', 'v1', 'Namespace', { namespaced: false }),
  deployments: resourceType('deployments', 'apps/v1', 'Deployment'),
  replicasets: resourceType('replicasets', 'apps/v1', 'ReplicaSet'),
  services: resourceType('services', 'v1', 'Service'),
  ingresses: resourceType('ingresses', 'networking.k8s.io/v1', 'Ingress'),
  resourcequotas: resourceType('resourcequotas', 'v1', 'ResourceQuota'),
  networkpolicies: resourceType('networkpolicies', 'networking.k8s.io/v1', 'NetworkPolicy', {
    statusSubresource: false,
  }),
  // Argo CD's CRDs declare no status subresource: its controller writes status with the object.
  applications: resourceType('applications', 'argoproj.io/v1alpha1', 'Application', {
    statusSubresource: false,
    custom: true,
  }),
  appprojects: resourceType('appprojects', 'argoproj.io/v1alpha1', 'AppProject', {
    statusSubresource: false,
    custom: true,
  }),
};

/** The resource served at `/api/v1/...` or `/apis/{group}/{version}/...` under this plural. */
export function resourceAt(apiVersion: string, plural: string): ResourceType | undefined {
  const type = RESOURCES[plural as ResourceName];
  return type && type.apiVersion === apiVersion ? type : undefined;
}

/** `metadata.namespace`, or '' for a cluster-scoped object. */
export function namespaceOf(object: { metadata: { namespace?: string } }): string {
  return object.metadata.namespace ?? '';
}

export function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
