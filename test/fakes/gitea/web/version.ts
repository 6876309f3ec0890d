/**
 * The Gitea versions whose web UI the fake renders and behaves like (tags v1.24.7, v1.25.4 and
 * v1.26.3). The REST API stays 1.26.3's whatever the version.
 */
export type WebVersion = '1.24' | '1.25' | '1.26';

/** `1.25`, `1.25.4` or `v1.25.4` → `1.25`; anything outside 1.24–1.26 is refused. */
export function webVersionOf(version: string): WebVersion {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  const minor = match && match[1] === '1' ? Number(match[2]) : Number.NaN;
  if (minor === 24 || minor === 25 || minor === 26) return `1.${minor}` as WebVersion;
  throw new Error(`Gitea fake: version "${version}" is not one it models (1.24, 1.25 or 1.26)`);
}

/** Gitea dropped the CSRF token for cross-origin protection in 1.26.0 (#36183). */
export function usesCsrfToken(version: WebVersion): boolean {
  return version !== '1.26';
}

/**
 * Whether viewing a board runs MustDefaultColumn even when the project has no issues (creating
 * "Uncategorized" in a column-less project): up to 1.25 LoadIssuesFromProject always called it;
 * 1.26 returns early without issues (services/projects/issue.go, v1.25.4 line 103, v1.26.3 126–129).
 */
export function viewEnsuresDefaultColumn(version: WebVersion): boolean {
  return version !== '1.26';
}
