import { ApiError } from '../errors.ts';
import type { RepoRecord, StatusRecord, UserRecord } from '../state.ts';
import type { World } from '../world.ts';

/** Commit statuses (services/repository/commitstatus). Each new status fires a `status` webhook. */

export const STATUS_STATES = ['pending', 'success', 'error', 'failure', 'warning', 'skipped'];

/** Worst first: the combined state is the worst of the latest status of each context. */
const SEVERITY = ['error', 'failure', 'warning', 'pending', 'success', 'skipped'];

export function createStatus(
  world: World,
  repo: RepoRecord,
  creator: UserRecord,
  sha: string,
  opts: { state: string; targetUrl?: string; description?: string; context?: string },
): StatusRecord {
  const { state } = world;
  const commit = state.resolveRef(repo, sha);
  if (!commit || commit.sha !== sha) {
    throw new ApiError(500, `GetCommit[${sha}]: object does not exist [id: ${sha}, rel_path: ]`);
  }
  if (!STATUS_STATES.includes(opts.state))
    throw new ApiError(400, `invalid commit status state: "${opts.state}"`);
  const now = state.now();
  const status: StatusRecord = {
    id: state.nextId('status'),
    repoId: repo.id,
    sha,
    index: repo.statuses.filter((s) => s.sha === sha).length + 1,
    context: opts.context || 'default',
    state: opts.state,
    targetUrl: opts.targetUrl ?? '',
    description: opts.description ?? '',
    creatorId: creator.id,
    createdAt: now,
    updatedAt: now,
  };
  repo.statuses.push(status);
  world.notify.commitStatus(repo, status, commit, creator);
  return status;
}

/** Every status of a commit, newest first. */
export function statusesOf(repo: RepoRecord, sha: string): StatusRecord[] {
  return repo.statuses.filter((s) => s.sha === sha).sort((a, b) => b.id - a.id);
}

/** The latest status of each context, and their combined state. */
export function combinedStatus(repo: RepoRecord, sha: string): { state: string; latest: StatusRecord[] } {
  const latest = new Map<string, StatusRecord>();
  for (const status of statusesOf(repo, sha))
    if (!latest.has(status.context)) latest.set(status.context, status);
  const list = [...latest.values()].sort((a, b) => a.id - b.id);
  let state = '';
  for (const status of list) {
    if (state === '' || SEVERITY.indexOf(status.state) < SEVERITY.indexOf(state)) state = status.state;
  }
  return { state, latest: list };
}
