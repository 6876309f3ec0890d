import { ApiError, forbiddenEmpty } from '../errors.ts';
import type { IssueRecord, LabelRecord, PullRecord, RepoRecord, UserRecord } from '../state.ts';
import type { World } from '../world.ts';
import { canWrite } from './access.ts';
import { attachLabel } from './labels.ts';

/**
 * Issues (services/issue/issue.go, status.go; routers/api/v1/repo/issue.go). Issues and pull
 * requests share one number sequence per repository; their ids come from one global table.
 */

export function insertIssue(
  world: World,
  repo: RepoRecord,
  poster: UserRecord,
  opts: { title: string; body?: string; labels?: LabelRecord[]; pull?: Omit<PullRecord, 'id'> },
): IssueRecord {
  const { state } = world;
  const now = state.now();
  const issue: IssueRecord = {
    id: state.nextId('issue'),
    repoId: repo.id,
    index: repo.nextIndex++,
    posterId: poster.id,
    title: opts.title,
    body: opts.body ?? '',
    isClosed: false,
    isLocked: false,
    labelIds: [],
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    pull: opts.pull ? { id: state.nextId('pull'), ...opts.pull } : null,
    dependsOn: [],
  };
  for (const label of opts.labels ?? []) attachLabel(repo, issue, label);
  repo.issues.set(issue.index, issue);
  state.issuesById.set(issue.id, issue);
  return issue;
}

/** NewIssue: `opened`, then `label_updated` when it was created with labels. */
export function createIssue(
  world: World,
  repo: RepoRecord,
  poster: UserRecord,
  opts: { title: string; body?: string; labels?: LabelRecord[]; closed?: boolean },
): IssueRecord {
  // Only writers may set labels on creation; Gitea silently drops them for others.
  const labels = canWrite(repo, poster) ? (opts.labels ?? []) : [];
  const issue = insertIssue(world, repo, poster, { title: opts.title, body: opts.body, labels });
  world.notify.opened(repo, issue);
  if (issue.labelIds.length > 0) world.notify.labelsUpdated(repo, issue, poster);
  if (opts.closed) changeIssueStatus(world, repo, issue, poster, true);
  return issue;
}

export function openDependencies(world: World, issue: IssueRecord): IssueRecord[] {
  return issue.dependsOn
    .map((id) => world.state.issuesById.get(id))
    .filter((dep): dep is IssueRecord => dep !== undefined && !dep.isClosed);
}

export function dependenciesLeftError(issue: IssueRecord): ApiError {
  const what = issue.pull ? 'pull request' : 'issue';
  return new ApiError(412, `cannot close this ${what} because it still has open dependencies`);
}

/**
 * ChangeStatus: closing an issue whose dependencies are still open is refused (Gitea's
 * ErrDependenciesLeft, answered 412). A no-op when the state does not change.
 */
export function changeIssueStatus(
  world: World,
  repo: RepoRecord,
  issue: IssueRecord,
  doer: UserRecord,
  close: boolean,
  commitId = '',
): void {
  if (issue.isClosed === close) return;
  if (close && openDependencies(world, issue).length > 0) throw dependenciesLeftError(issue);
  const now = world.state.now();
  issue.isClosed = close;
  issue.closedAt = close ? now : null;
  issue.updatedAt = now;
  world.notify.statusChanged(repo, issue, doer, commitId);
}

/** Poster or writer (EditIssue answers a bare 403 otherwise). */
export function requireIssueEditor(repo: RepoRecord, issue: IssueRecord, doer: UserRecord): void {
  if (issue.posterId !== doer.id && !canWrite(repo, doer)) throw forbiddenEmpty();
}

/**
 * EditIssue: title, then body, then state; each change fires its own webhook, and a refused
 * close (412) comes after the title and body were already saved, as in Gitea.
 */
export function editIssue(
  world: World,
  repo: RepoRecord,
  issue: IssueRecord,
  doer: UserRecord,
  opts: { title?: string; body?: string; state?: string },
): IssueRecord {
  requireIssueEditor(repo, issue, doer);
  if (opts.title !== undefined && opts.title !== '' && opts.title !== issue.title) {
    const oldTitle = issue.title;
    issue.title = opts.title;
    issue.updatedAt = world.state.now();
    world.notify.edited(repo, issue, doer, { title: oldTitle });
  }
  if (opts.body !== undefined && opts.body !== issue.body) {
    const oldBody = issue.body;
    issue.body = opts.body;
    issue.updatedAt = world.state.now();
    world.notify.edited(repo, issue, doer, { body: oldBody });
  }
  if (opts.state !== undefined) {
    if (issue.pull?.merged) {
      throw new ApiError(412, 'cannot change state of this pull request, it was already merged');
    }
    changeIssueStatus(world, repo, issue, doer, opts.state === 'closed');
  }
  return issue;
}

export interface IssueListQuery {
  state?: string;
  labels?: string;
  type?: string;
  q?: string;
  createdBy?: string;
  since?: Date;
  before?: Date;
}

/**
 * ListIssues filters. Unknown label names are dropped, and when none of the names exist the
 * label filter is ignored entirely (Gitea's behaviour); newest issues come first.
 */
export function listIssues(world: World, repo: RepoRecord, query: IssueListQuery): IssueRecord[] {
  const state = query.state ?? 'open';
  const labelNames = (query.labels ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const labelIds = [...repo.labels.values()].filter((l) => labelNames.includes(l.name)).map((l) => l.id);
  const createdBy = query.createdBy ? world.state.userByLogin(query.createdBy) : undefined;
  const q = query.q?.toLowerCase();
  return [...repo.issues.values()]
    .filter((issue) => state === 'all' || (state === 'closed') === issue.isClosed)
    .filter((issue) => query.type !== 'issues' || !issue.pull)
    .filter((issue) => query.type !== 'pulls' || issue.pull !== null)
    .filter((issue) => labelIds.every((id) => issue.labelIds.includes(id)))
    .filter((issue) => !query.createdBy || (createdBy !== undefined && issue.posterId === createdBy.id))
    .filter((issue) => !q || issue.title.toLowerCase().includes(q) || issue.body.toLowerCase().includes(q))
    .filter((issue) => !query.since || issue.updatedAt >= query.since)
    .filter((issue) => !query.before || issue.updatedAt < query.before)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.index - a.index);
}
