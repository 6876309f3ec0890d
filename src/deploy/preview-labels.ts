import {
  COMPONENT_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  REPO_ANNOTATION,
  REPO_LABEL,
  sanitizeLabelValue,
} from '../kubernetes/labels.ts';

/**
 * How the bot marks what it deploys for a preview, in both modes: labels to find previews
 * again (listing for reconcile selects on them) and annotations with what labels cannot hold.
 */

export const FIELD_MANAGER = 'aiworker';
export const PREVIEW_COMPONENT = 'preview';
export const PR_LABEL = 'aiworker.dev/pr';
export const SHA_ANNOTATION = 'aiworker.dev/sha';
export const IMAGE_ANNOTATION = 'aiworker.dev/image';
export const URL_ANNOTATION = 'aiworker.dev/url';

/** Selects every preview the bot made (namespaces in `kubernetes` mode, Applications in `argocd` mode). */
export const PREVIEW_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${COMPONENT_LABEL}=${PREVIEW_COMPONENT}`;

export function previewLabels(repo: string, prNumber: number): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [COMPONENT_LABEL]: PREVIEW_COMPONENT,
    [REPO_LABEL]: sanitizeLabelValue(repo),
    [PR_LABEL]: String(prNumber),
  };
}

export { REPO_ANNOTATION };

/** What a listed preview says about itself, read back from its labels and annotations. */
export interface PreviewIdentity {
  repo: string | null;
  prNumber: number | null;
  sha: string | null;
}

export function previewIdentity(metadata: {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}): PreviewIdentity {
  const pr = Number(metadata.labels?.[PR_LABEL]);
  return {
    repo: metadata.annotations?.[REPO_ANNOTATION] ?? null,
    prNumber: Number.isSafeInteger(pr) && pr > 0 ? pr : null,
    sha: metadata.annotations?.[SHA_ANNOTATION] ?? null,
  };
}

/**
 * Whether an existing object under a preview's name is this repository's preview (any
 * preview of the bot's when `repo` is null): returns what holds the name otherwise (for
 * PreviewNameTakenError), null when it is ours.
 */
export function foreignHolder(
  kind: string,
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> },
  repo: string | null,
): string | null {
  const ours =
    metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    metadata.labels?.[COMPONENT_LABEL] === PREVIEW_COMPONENT;
  if (!ours) return `a ${kind} the bot did not create`;
  const holder = metadata.annotations?.[REPO_ANNOTATION];
  if (repo !== null && holder !== undefined && holder.toLowerCase() !== repo.toLowerCase()) {
    return `the preview of ${holder}`;
  }
  return null;
}

/** A preview found in the cluster (either mode), for reconciling the bot's records at start. */
export interface ListedPreview {
  name: string;
  repo: string | null;
  prNumber: number | null;
  sha: string | null;
  image: string | null;
  url: string | null;
  createdAt: Date | null;
  /** Being deleted (namespace `Terminating`). */
  terminating: boolean;
}
