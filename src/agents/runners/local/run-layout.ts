import path from 'node:path';

/**
 * Where one local run keeps its things. Everything of a run lives in one directory, so
 * removing that directory forgets the run entirely.
 *
 *   run-<id>/state.json   what a restarted runner needs to know about the run
 *   run-<id>/output.log   everything the clone step and the agent printed
 *   run-<id>/exit-code    written by the agent's wrapper when the agent ends
 *   run-<id>/home/        the agent's HOME
 *   run-<id>/repo/        the clone the agent works in
 */

export interface RunLayout {
  dir: string;
  state: string;
  log: string;
  exitCode: string;
  home: string;
  repo: string;
}

const RUN_DIR = /^run-(\d+)$/;

export function externalIdOf(runId: number): string {
  return `run-${runId}`;
}

/** The run id an external id names, or null when it is not one of ours. */
export function runIdOf(externalId: string): number | null {
  const match = RUN_DIR.exec(externalId);
  if (!match?.[1]) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

export function runLayout(root: string, runId: number): RunLayout {
  const dir = path.join(root, externalIdOf(runId));
  return {
    dir,
    state: path.join(dir, 'state.json'),
    log: path.join(dir, 'output.log'),
    exitCode: path.join(dir, 'exit-code'),
    home: path.join(dir, 'home'),
    repo: path.join(dir, 'repo'),
  };
}
