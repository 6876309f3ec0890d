/** Major and minor of a Gitea version string like `1.26.3`, `1.22.0+dev-12-gabc`, `1.27.0-rc0`. */
export function parseGiteaVersion(version: string): [number, number] | null {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!match) return null;
  return [Number(match[1]), Number(match[2])];
}

/** Whether `version` is at least `major.minor`; an unreadable version counts as new enough. */
export function giteaAtLeast(version: string, major: number, minor: number): boolean {
  const parsed = parseGiteaVersion(version);
  if (!parsed) return true;
  return parsed[0] > major || (parsed[0] === major && parsed[1] >= minor);
}
