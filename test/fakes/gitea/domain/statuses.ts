import { ApiError } from '../errors.ts';
import type { RepoRecord, StatusRecord } from '../state.ts';
import { versionAtLeast } from '../version.ts';
import type { World } from '../world.ts';

/**
 * Commit statuses (services/repository/commitstatus/commitstatus.go `CreateCommitStatus`,
 * models/git/commit_status.go). Each new status fires a `status` webhook.
 */

/**
 * A new status on the commit `ref` names. Gitea resolves `ref` like `git cat-file` (a full or
 * short sha, or a branch) and stores the full sha; a missing commit is a 500 with GetCommit's
 * error. The state is not validated (modules/structs/status.go has no binding on it), and
 * context, description and target URL are trimmed (`NewCommitStatus`).
 */
export function createStatus(
  world: World,
  repo: RepoRecord,
  creatorId: number,
  ref: string,
  opts: { state: string; targetUrl?: string; description?: string; context?: string },
): StatusRecord {
  const { state } = world;
  const commit = state.resolveRef(repo, ref);
  if (!commit) throw new ApiError(500, `GetCommit[${ref}]: object does not exist [id: ${ref}, rel_path: ]`);
  const now = state.now();
  const status: StatusRecord = {
    id: state.nextId('status'),
    repoId: repo.id,
    sha: commit.sha,
    index: repo.statuses.filter((s) => s.sha === commit.sha).length + 1,
    context: (opts.context ?? '').trim(),
    state: opts.state,
    targetUrl: (opts.targetUrl ?? '').trim(),
    description: (opts.description ?? '').trim(),
    creatorId,
    createdAt: now,
    updatedAt: now,
  };
  repo.statuses.push(status);
  world.notify.commitStatus(repo, status, commit);
  return status;
}

/** Every status of a commit, newest first. */
export function statusesOf(repo: RepoRecord, sha: string): StatusRecord[] {
  return repo.statuses.filter((s) => s.sha === sha).sort((a, b) => b.id - a.id);
}

/**
 * models/git/commit_status.go `GetLatestCommitStatus`: the latest status of each context,
 * contexts ordered by their latest index (newest first) for paging, the page's statuses
 * returned in table order (oldest first).
 */
export function latestStatuses(repo: RepoRecord, sha: string): StatusRecord[] {
  const latest = new Map<string, StatusRecord>();
  for (const status of statusesOf(repo, sha))
    if (!latest.has(status.context)) latest.set(status.context, status);
  return [...latest.values()];
}

/** 1.24's state priorities (modules/structs/commit_status.go `NoBetterThan`): worst first. */
const PRIORITY_1_24 = ['error', 'failure', 'warning', 'pending', 'success'];

/**
 * The combined state of the latest statuses, as each version computes it:
 * - 1.24 (services/convert/status.go `ToCombinedStatus`): the worst state by priority, a state
 *   outside the five known ones counting only when it comes first, then `error` reported as
 *   `failure` — so `warning` and `pending` stay themselves;
 * - 1.25 (modules/commitstatus `Combine`): `failure` when any is error or failure, `success`
 *   when all are success, warning or skipped, otherwise `pending`;
 * - 1.26: the same, except that a `warning` now makes it `failure`.
 * An empty list combines to `''` (1.24, 1.25) or `pending` (1.26); see combinedStatusJson.
 */
export function combineStates(states: readonly string[], version: string): string {
  if (!versionAtLeast(version, 1, 25)) {
    let combined = '';
    for (const state of states) {
      const rank = PRIORITY_1_24.indexOf(state);
      const current = PRIORITY_1_24.indexOf(combined);
      if (combined === '' || (rank >= 0 && current >= 0 && rank <= current)) combined = state;
    }
    return combined === 'error' ? 'failure' : combined;
  }
  if (states.length === 0) return versionAtLeast(version, 1, 26) ? 'pending' : '';
  const warningFails = versionAtLeast(version, 1, 26);
  let successes = 0;
  for (const state of states) {
    if (state === 'error' || state === 'failure' || (warningFails && state === 'warning')) return 'failure';
    if (state === 'success' || state === 'skipped' || (!warningFails && state === 'warning')) successes++;
  }
  return successes > 0 && successes === states.length ? 'success' : 'pending';
}

/** The `state` filter of the status lists: other values are ignored (CommitStatusOptions.ToConds). */
export const FILTERABLE_STATES = ['pending', 'success', 'error', 'failure', 'warning'];

/**
 * routers/api/v1/repo/status.go `getCommitStatuses` sort orders (CommitStatusOptions.ToOrders).
 * `leastindex` and `highestindex` are named the other way round in Gitea: leastindex sorts by
 * index descending. Statuses created in the same second keep the newest first.
 */
export function sortStatuses(statuses: StatusRecord[], sort: string): StatusRecord[] {
  const byTime = (a: Date, b: Date) => a.getTime() - b.getTime();
  const sorted = [...statuses];
  switch (sort) {
    case 'oldest':
      return sorted.sort((a, b) => byTime(a.createdAt, b.createdAt) || a.id - b.id);
    case 'recentupdate':
      return sorted.sort((a, b) => byTime(b.updatedAt, a.updatedAt) || b.id - a.id);
    case 'leastupdate':
      return sorted.sort((a, b) => byTime(a.updatedAt, b.updatedAt) || a.id - b.id);
    case 'leastindex':
      return sorted.sort((a, b) => b.index - a.index);
    case 'highestindex':
      return sorted.sort((a, b) => a.index - b.index);
    default:
      return sorted.sort((a, b) => byTime(b.createdAt, a.createdAt) || b.id - a.id);
  }
}
