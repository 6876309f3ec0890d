/** Whether the Gitea version the fake plays (`startGiteaFake({ version })`) is `major.minor` or newer. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return true; // an unreadable version plays the newest behaviour
  const [have, haveMinor] = [Number(match[1]), Number(match[2])];
  return have > major || (have === major && haveMinor >= minor);
}

/**
 * Webhooks have a `name` from Gitea 1.26 on (modules/structs/hook.go: `Hook.Name`,
 * `CreateHookOption.Name`, `EditHookOption.Name`); before, the API neither stores nor returns it.
 */
export function hooksHaveNames(version: string): boolean {
  return versionAtLeast(version, 1, 26);
}
