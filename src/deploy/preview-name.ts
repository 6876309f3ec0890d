import { shortHash } from '../kubernetes/labels.ts';

/**
 * The one name a pull request's preview goes by: its namespace, its Argo CD Application and
 * the first DNS label of its URL, `pr-<N>-<repo>`. It must be a DNS-1123 label (at most 63
 * characters of `[a-z0-9-]`, alphanumeric at both ends) so that one wildcard certificate for
 * `*.<PREVIEW_DOMAIN>` covers every preview.
 *
 * The repository's name is lowercased and every run of other characters becomes one `-`.
 * Gitea keeps repository names unique per owner ignoring case only, so a name that had to be
 * changed more than that (`my_app` and `my.app` both read `my-app`), or cut to fit, gets an
 * 8-hex-digit hash of the lowercased name appended: distinct repositories never share a name
 * through sanitizing or truncation. The owner is not part of the name (it would not fit
 * alongside the repository's name); two owners' repositories with the same name are told
 * apart by the repository annotation the deployers check before writing.
 */

const MAX_LABEL = 63;
const HASH_LENGTH = 8;

export function previewName(prNumber: number, repo: string): string {
  if (!Number.isSafeInteger(prNumber) || prNumber < 1) {
    throw new Error(`pull request number must be a positive whole number, got ${String(prNumber)}`);
  }
  const repoName = repo.includes('/') ? repo.slice(repo.lastIndexOf('/') + 1) : repo;
  if (repoName.trim() === '') throw new Error(`repository name is empty in "${repo}"`);
  const lowered = repoName.toLowerCase();
  const slug = lowered.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const prefix = `pr-${prNumber}-`;
  if (slug === lowered && prefix.length + slug.length <= MAX_LABEL) return `${prefix}${slug}`;
  const hash = shortHash(lowered).slice(0, HASH_LENGTH);
  const room = MAX_LABEL - prefix.length - HASH_LENGTH - 1;
  const cut = slug.slice(0, Math.max(0, room)).replace(/-+$/, '');
  return cut === '' ? `${prefix}${hash}` : `${prefix}${cut}-${hash}`;
}

/** The preview's URL: one DNS label under the preview domain. */
export function previewUrl(name: string, domain: string): string {
  return `https://${previewHost(name, domain)}`;
}

export function previewHost(name: string, domain: string): string {
  const cleanDomain = domain
    .trim()
    .replace(/^\*?\.+/, '')
    .replace(/\.+$/, '')
    .toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(cleanDomain)) {
    throw new Error(`PREVIEW_DOMAIN must be a DNS name like previews.example.com, got "${domain}"`);
  }
  const host = `${name}.${cleanDomain}`;
  if (host.length > 253) throw new Error(`preview host ${host} is longer than 253 characters`);
  return host;
}
