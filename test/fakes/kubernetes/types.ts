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
  namespace: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** The three resources the agents runner touches. */
export type ResourceName = 'jobs' | 'secrets' | 'pods';

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
}

export const RESOURCES: Record<ResourceName, ResourceType> = {
  jobs: {
    resource: 'jobs',
    group: 'batch',
    apiVersion: 'batch/v1',
    kind: 'Job',
    listKind: 'JobList',
    qualified: 'jobs.batch',
    qualifiedKind: 'Job.batch',
  },
  secrets: {
    resource: 'secrets',
    group: '',
    apiVersion: 'v1',
    kind: 'Secret',
    listKind: 'SecretList',
    qualified: 'secrets',
    qualifiedKind: 'Secret',
  },
  pods: {
    resource: 'pods',
    group: '',
    apiVersion: 'v1',
    kind: 'Pod',
    listKind: 'PodList',
    qualified: 'pods',
    qualifiedKind: 'Pod',
  },
};

export function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
