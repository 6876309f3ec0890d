import { imageAtSha } from './image-ref.ts';
import {
  PR_LABEL,
  previewLabels,
  REPO_ANNOTATION,
  SHA_ANNOTATION,
  URL_ANNOTATION,
} from './preview-labels.ts';
import type { PreviewTarget } from './preview-manifests.ts';
import { previewName, previewUrl } from './preview-name.ts';

/**
 * Argo CD `Application`s as the bot writes and reads them (argoproj.io/v1alpha1; field names
 * from Argo CD's "Declarative Setup" and application.yaml reference): the preview Application
 * it renders, and what it reads back (`status.sync`, `status.health`,
 * `status.operationState`, `status.summary.images`) to decide whether a deploy is done.
 * Pure functions; the client does the calls.
 */

export const ARGOCD_GROUP = 'argoproj.io';
export const ARGOCD_VERSION = 'v1alpha1';
export const APPLICATIONS = 'applications';
/** "App Deletion": deleting an Application with this finalizer first deletes its resources. */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/** "Annotations and Labels used by Argo CD": asks for a refresh; the controller removes it. */
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';
export const IN_CLUSTER = 'https://kubernetes.default.svc';

export interface ApplicationManifest {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'Application';
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
  spec: {
    project: string;
    source: {
      repoURL: string;
      targetRevision: string;
      path: string;
      kustomize?: { images?: string[] };
    };
    destination: { server: string; namespace: string };
    syncPolicy?: {
      automated?: { prune?: boolean; selfHeal?: boolean };
      syncOptions?: string[];
      managedNamespaceMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    };
  };
  status?: ApplicationStatusJson;
}

interface ApplicationStatusJson {
  sync?: { status?: string; revision?: string };
  health?: { status?: string; message?: string };
  operationState?: {
    phase?: string;
    message?: string;
    operation?: { sync?: { revision?: string } };
    finishedAt?: string;
  };
  summary?: { images?: string[] };
  conditions?: Array<{ type?: string; message?: string }>;
  resources?: Array<{
    kind?: string;
    name?: string;
    namespace?: string;
    health?: { status?: string; message?: string };
  }>;
  reconciledAt?: string;
}

export interface ArgoCdPreviewSettings {
  /** `ARGOCD_NAMESPACE` (default `argocd`). */
  argocdNamespace?: string;
  /** The AppProject preview Applications belong to (see docs/previews.md). Default `default`. */
  project?: string;
  /** `PREVIEW_DOMAIN`, for the URL the bot reports (the repository's manifests set up the Ingress). */
  domain: string;
  /** Kustomize directory in the repository (`preview.path`). */
  path: string;
  /** Where the cluster Argo CD deploys to. Default: the cluster Argo CD runs in. */
  destinationServer?: string;
}

export interface PreviewApplicationInput extends PreviewTarget {
  /** The URL Argo CD clones, as registered with it (Gitea's clone URL). */
  repoURL: string;
}

/**
 * The preview Application `pr-<N>-<repo>`: the repository at the head sha, the kustomize
 * directory with the image overridden to `<image>:<sha>`, automated sync with prune into the
 * namespace `pr-<N>-<repo>` (created by Argo CD, restricted Pod Security, labelled as the
 * bot's preview), and the resources finalizer so deleting the Application removes what it
 * deployed.
 */
export function renderPreviewApplication(
  input: PreviewApplicationInput,
  settings: ArgoCdPreviewSettings,
): ApplicationManifest {
  const name = previewName(input.prNumber, input.repo);
  const image = imageAtSha(input.image, input.sha);
  const path = settings.path.replace(/^\/+|\/+$/g, '') || '.';
  if (path.split('/').includes('..'))
    throw new Error(`preview path must stay inside the repository, got "${settings.path}"`);
  const labels = previewLabels(input.repo, input.prNumber);
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: settings.argocdNamespace ?? 'argocd',
      labels,
      annotations: {
        [REPO_ANNOTATION]: input.repo,
        [SHA_ANNOTATION]: input.sha,
        [URL_ANNOTATION]: previewUrl(name, settings.domain),
      },
      finalizers: [RESOURCES_FINALIZER],
    },
    spec: {
      project: settings.project ?? 'default',
      source: {
        repoURL: input.repoURL,
        targetRevision: input.sha,
        path,
        kustomize: { images: [image] },
      },
      destination: { server: settings.destinationServer ?? IN_CLUSTER, namespace: name },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true'],
        managedNamespaceMetadata: {
          labels: {
            ...labels,
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/warn': 'restricted',
          },
          annotations: { [REPO_ANNOTATION]: input.repo },
        },
      },
    },
  };
}

/** What the bot reads back from an Application. */
export interface ApplicationView {
  name: string;
  /** `Synced` · `OutOfSync` · `Unknown` (null before the first comparison). */
  sync: string | null;
  syncedRevision: string | null;
  /** `Healthy` · `Progressing` · `Degraded` · `Suspended` · `Missing` · `Unknown`. */
  health: string | null;
  operation: { phase: string; message: string; revision: string | null } | null;
  images: string[];
  /** Conditions such as `InvalidSpecError`, `ComparisonError`, `SyncError`. */
  conditions: Array<{ type: string; message: string }>;
  /** `Deployment preview: <message>` for each resource that is not healthy and says why. */
  resourceMessages: string[];
  /** A refresh was asked for and the controller has not done it yet. */
  refreshPending: boolean;
  deleting: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function readApplication(app: ApplicationManifest): ApplicationView {
  const status = app.status ?? {};
  const op = status.operationState;
  return {
    name: app.metadata.name,
    sync: status.sync?.status ?? null,
    syncedRevision: status.sync?.revision ?? null,
    health: status.health?.status ?? null,
    operation: op?.phase
      ? { phase: op.phase, message: op.message ?? '', revision: op.operation?.sync?.revision ?? null }
      : null,
    images: status.summary?.images ?? [],
    conditions: (status.conditions ?? []).map((c) => ({
      type: c.type ?? 'Unknown',
      message: c.message ?? '',
    })),
    resourceMessages: (status.resources ?? [])
      .filter((r) => r.health?.message && r.health.status !== 'Healthy')
      .map((r) => `${r.kind ?? 'resource'} ${r.name ?? '?'}: ${r.health?.message}`),
    refreshPending: app.metadata.annotations?.[REFRESH_ANNOTATION] !== undefined,
    deleting: app.metadata.deletionTimestamp !== undefined,
    labels: app.metadata.labels ?? {},
    annotations: app.metadata.annotations ?? {},
  };
}

/** What a deploy waits for: the revision Argo CD must have synced and/or an image it must run. */
export interface ApplicationExpectation {
  revision?: string;
  image?: string;
}

export type ApplicationOutcome =
  | { state: 'healthy'; view: ApplicationView }
  | { state: 'pending'; view: ApplicationView; summary: string }
  | {
      state: 'failed';
      kind: 'invalid' | 'sync-failed' | 'degraded' | 'timeout' | 'missing';
      message: string;
      view: ApplicationView | null;
    };

const SPEC_ERRORS = new Set(['InvalidSpecError', 'ComparisonError']);

/** Where a deploy through Argo CD stands, given the Application as read now. */
export function assessApplication(view: ApplicationView, expect: ApplicationExpectation): ApplicationOutcome {
  const summary = describeApplication(view);
  if (view.refreshPending) return { state: 'pending', view, summary };
  const specError = view.conditions.find((c) => SPEC_ERRORS.has(c.type));
  if (specError)
    return { state: 'failed', kind: 'invalid', message: `${specError.type}: ${specError.message}`, view };
  const op = view.operation;
  const opIsOurs = !expect.revision || !op?.revision || op.revision === expect.revision;
  if (op && opIsOurs && (op.phase === 'Failed' || op.phase === 'Error')) {
    return {
      state: 'failed',
      kind: 'sync-failed',
      message: `sync ${op.phase.toLowerCase()}: ${op.message}`,
      view,
    };
  }
  const atRevision = !expect.revision || view.syncedRevision === expect.revision;
  const atImage = !expect.image || view.images.includes(expect.image);
  if (view.sync !== 'Synced' || !atRevision || !atImage) return { state: 'pending', view, summary };
  if (view.health === 'Healthy') return { state: 'healthy', view };
  if (view.health === 'Degraded') {
    const details =
      view.resourceMessages.length > 0 ? view.resourceMessages.join('; ') : 'no message from Argo CD';
    return { state: 'failed', kind: 'degraded', message: `Degraded: ${details}`, view };
  }
  return { state: 'pending', view, summary };
}

/** `OutOfSync, Progressing, operation Running (one or more tasks are running)`: for timeouts. */
export function describeApplication(view: ApplicationView): string {
  const parts = [`sync ${view.sync ?? 'not compared yet'}`, `health ${view.health ?? 'unknown'}`];
  if (view.syncedRevision) parts.push(`at ${view.syncedRevision.slice(0, 12)}`);
  if (view.operation)
    parts.push(
      `operation ${view.operation.phase}${view.operation.message ? ` (${view.operation.message})` : ''}`,
    );
  if (view.refreshPending) parts.push('refresh not yet done');
  parts.push(...view.resourceMessages);
  return parts.join(', ');
}

/** The PR number of a listed preview Application. */
export function prNumberOf(view: ApplicationView): number | null {
  const pr = Number(view.labels[PR_LABEL]);
  return Number.isSafeInteger(pr) && pr > 0 ? pr : null;
}
