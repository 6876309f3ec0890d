/**
 * Labels every object the bot writes to a cluster carries, whatever it is for (agent runs,
 * previews), and how any text becomes a valid label value.
 */

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'aiworker';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
/** The repository, as a label value (`owner.name`, see sanitizeLabelValue). */
export const REPO_LABEL = 'aiworker.dev/repo';
/** The full `owner/name`, which a label value cannot always hold. */
export const REPO_ANNOTATION = 'aiworker.dev/repo';

const LABEL_VALUE_MAX = 63;

/**
 * A label value for any text: at most 63 characters of `[A-Za-z0-9_.-]`, starting and ending
 * alphanumeric. `owner/name` becomes `owner.name`; other characters become `_`. Text that had
 * to be cut keeps a short hash so two long names stay distinct.
 */
export function sanitizeLabelValue(text: string): string {
  const replaced = text.replace(/\//g, '.').replace(/[^A-Za-z0-9_.-]/g, '_');
  const trimEnds = (v: string) => v.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  let value = trimEnds(replaced);
  if (value.length > LABEL_VALUE_MAX) {
    const hash = shortHash(text);
    value = `${trimEnds(value.slice(0, LABEL_VALUE_MAX - hash.length - 1))}-${hash}`;
  }
  return value;
}

/** Eight hex digits of 32-bit FNV-1a: a stable, dependency-free suffix that keeps cut names apart. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
