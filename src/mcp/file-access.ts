import { isSecretPath } from '../context/path-roles.ts';

/**
 * Which repository paths an agent may read through get_file. The rules of the indexer hold
 * here too: files that commonly hold credentials (`.env`, keys, `.npmrc`, …) are never read,
 * so they can never reach a model. Paths are taken relative to the repository root.
 */

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

export function checkReadablePath(input: string): PathCheck {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(input))
    return { ok: false, reason: 'the path contains control characters' };
  const segments = input
    .trim()
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0) return { ok: false, reason: 'the path is empty' };
  if (segments.includes('..')) return { ok: false, reason: 'the path may not contain `..`' };
  if (segments.includes('.git')) return { ok: false, reason: 'files inside `.git` are not readable' };
  const path = segments.join('/');
  if (isSecretPath(path)) {
    return {
      ok: false,
      reason: `${path} is a file that commonly holds credentials (.env, keys, certificates, .npmrc, …); AiWorker never reads those`,
    };
  }
  return { ok: true, path };
}
