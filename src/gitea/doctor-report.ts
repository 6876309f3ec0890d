import { parseRepoSlug, type RepoSlug } from './repo-slug.ts';

/** One line of `aiworker doctor`: what was checked, whether it is fine, and how to fix it. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** For a failed check: `warning` does not stop AiWorker, `error` does. Default `error`. */
  severity?: 'error' | 'warning';
}

/** Plain-text report, one check per line, fixes indented below the failures. */
export function formatCheckResults(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    const mark = result.ok ? 'ok  ' : result.severity === 'warning' ? 'warn' : 'FAIL';
    lines.push(`[${mark}] ${result.name}: ${result.detail}`);
    if (!result.ok && result.fix) lines.push(`       fix: ${result.fix}`);
  }
  return lines.join('\n');
}

/** Whether any check failed with severity error (warnings do not count). */
export function hasBlockingFailure(results: readonly CheckResult[]): boolean {
  return results.some((result) => !result.ok && result.severity !== 'warning');
}

/** The repository a check is about, or that check failed because the slug is not OWNER/NAME. */
export function slugOfCheck(name: string, slug: string): RepoSlug | { failed: CheckResult } {
  try {
    return parseRepoSlug(slug);
  } catch (error) {
    return {
      failed: {
        name,
        ok: false,
        detail: (error as Error).message,
        fix: 'Pass the repository as OWNER/NAME.',
      },
    };
  }
}
