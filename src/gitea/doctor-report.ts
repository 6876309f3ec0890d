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
