import type {
  AccessToken,
  Branch,
  Comment,
  CommitStatus,
  GitEntry,
  Hook,
  Issue,
  Label,
  PullRequest,
  PullReview,
  Repository,
  User,
} from 'gitea-js';

/**
 * What the client returns: the fields AiWorker uses, always present (gitea-js marks every
 * field optional). Converted from Gitea's JSON at the edge, in one place.
 */

export interface GiteaUser {
  id: number;
  login: string;
  fullName: string;
  email: string;
  isAdmin: boolean;
}

export interface GiteaRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  description: string;
  defaultBranch: string;
  private: boolean;
  archived: boolean;
  empty: boolean;
  htmlUrl: string;
  cloneUrl: string;
  /** The calling user's rights on the repository. */
  permissions: { admin: boolean; push: boolean; pull: boolean };
}

export interface GiteaBranch {
  name: string;
  headSha: string;
  protected: boolean;
}

export interface GiteaTreeEntry {
  path: string;
  type: 'blob' | 'tree' | 'commit';
  size: number;
  sha: string;
  mode: string;
}

export interface GiteaTree {
  sha: string;
  entries: GiteaTreeEntry[];
  /** True when the listing stopped before the end (the `maxEntries` guard). */
  truncated: boolean;
}

export interface GiteaLabel {
  id: number;
  name: string;
  /** Six hex digits, lower case, without `#`. */
  color: string;
  description: string;
  exclusive: boolean;
  isArchived: boolean;
}

export type IssueState = 'open' | 'closed';

export interface GiteaIssue {
  id: number;
  number: number;
  title: string;
  body: string;
  state: IssueState;
  labels: GiteaLabel[];
  /** Login of the author. */
  author: string;
  assignees: string[];
  isPullRequest: boolean;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** `owner/name` of the issue's repository (dependencies may be in another repository). */
  repository: string;
}

export interface GiteaComment {
  id: number;
  body: string;
  /** Login of the author. */
  author: string;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface GiteaPullRequest {
  id: number;
  number: number;
  title: string;
  body: string;
  state: IssueState;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  /** When it was closed; null while it is open. */
  closedAt: string | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  author: string;
  htmlUrl: string;
  labels: GiteaLabel[];
}

/** The API's review states (Gitea's ReviewStateType). */
export type ReviewState = 'APPROVED' | 'REQUEST_CHANGES' | 'COMMENT' | 'PENDING' | 'REQUEST_REVIEW';

export interface GiteaPullReview {
  id: number;
  /** Login of the reviewer. */
  reviewer: string;
  state: ReviewState | '';
  body: string;
  /** The head commit the review looked at. */
  commitId: string;
  /** The pull request changed since `commitId`. */
  stale: boolean;
  dismissed: boolean;
  submittedAt: string;
  htmlUrl: string;
}

export interface GiteaHook {
  id: number;
  type: string;
  url: string;
  contentType: string;
  events: string[];
  active: boolean;
  /** Null when this Gitea does not name hooks (before 1.26). */
  name: string | null;
}

export type CommitStatusState = 'pending' | 'success' | 'error' | 'failure' | 'warning' | 'skipped';

export interface GiteaCommitStatus {
  id: number;
  state: CommitStatusState;
  context: string;
  description: string;
  targetUrl: string;
}

export interface GiteaAccessToken {
  id: number;
  name: string;
  /** The token itself; Gitea shows it only in the response that created it. */
  token: string;
  scopes: string[];
}

export interface GiteaWorkflowRun {
  id: number;
  runNumber: number;
  /** e.g. `queued`, `in_progress`, `completed` */
  status: string;
  /** e.g. `success`, `failure`, `cancelled`; empty while running. */
  conclusion: string;
  event: string;
  headBranch: string;
  headSha: string;
  /** Workflow file, e.g. `build.yml` or `.gitea/workflows/build.yml@refs/heads/main`. */
  path: string;
  displayTitle: string;
  htmlUrl: string;
  startedAt: string | null;
  completedAt: string | null;
}

/** What an `ensure…` write did: it looks for its effect first, so a repeat changes nothing. */
export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

/** The Gitea reactions allowed by default (`[ui] REACTIONS`). */
export type Reaction = '+1' | '-1' | 'laugh' | 'hooray' | 'confused' | 'heart' | 'rocket' | 'eyes';

/** Thrown by converters when Gitea's JSON lacks a field every response of that kind has. */
export class UnexpectedGiteaResponseError extends Error {}

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) {
    throw new UnexpectedGiteaResponseError(`Gitea response has no ${what}`);
  }
  return value;
}

export function normaliseColor(color: string | undefined): string {
  return (color ?? '').replace(/^#/, '').toLowerCase();
}

export function toUser(user: User): GiteaUser {
  return {
    id: required(user.id, 'user id'),
    login: required(user.login, 'user login'),
    fullName: user.full_name ?? '',
    email: user.email ?? '',
    isAdmin: user.is_admin ?? false,
  };
}

export function toRepo(repo: Repository): GiteaRepo {
  return {
    id: required(repo.id, 'repository id'),
    owner: repo.owner?.login ?? '',
    name: required(repo.name, 'repository name'),
    fullName: repo.full_name ?? '',
    description: repo.description ?? '',
    defaultBranch: repo.default_branch || 'main',
    private: repo.private ?? false,
    archived: repo.archived ?? false,
    empty: repo.empty ?? false,
    htmlUrl: repo.html_url ?? '',
    cloneUrl: repo.clone_url ?? '',
    permissions: {
      admin: repo.permissions?.admin ?? false,
      push: repo.permissions?.push ?? false,
      pull: repo.permissions?.pull ?? false,
    },
  };
}

export function toBranch(branch: Branch): GiteaBranch {
  return {
    name: required(branch.name, 'branch name'),
    headSha: required(branch.commit?.id, 'branch head commit'),
    protected: branch.protected ?? false,
  };
}

export function toTreeEntry(entry: GitEntry): GiteaTreeEntry {
  const type = entry.type === 'tree' || entry.type === 'commit' ? entry.type : 'blob';
  return {
    path: required(entry.path, 'tree entry path'),
    type,
    size: entry.size ?? 0,
    sha: entry.sha ?? '',
    mode: entry.mode ?? '',
  };
}

export function toLabel(label: Label): GiteaLabel {
  return {
    id: required(label.id, 'label id'),
    name: required(label.name, 'label name'),
    color: normaliseColor(label.color),
    description: label.description ?? '',
    exclusive: label.exclusive ?? false,
    isArchived: label.is_archived ?? false,
  };
}

export function toIssue(issue: Issue): GiteaIssue {
  return {
    id: required(issue.id, 'issue id'),
    number: required(issue.number, 'issue number'),
    title: issue.title ?? '',
    body: issue.body ?? '',
    state: issue.state === 'closed' ? 'closed' : 'open',
    labels: (issue.labels ?? []).map(toLabel),
    author: issue.user?.login ?? '',
    assignees: (issue.assignees ?? []).flatMap((user) => (user.login ? [user.login] : [])),
    isPullRequest: issue.pull_request != null,
    htmlUrl: issue.html_url ?? '',
    createdAt: issue.created_at ?? '',
    updatedAt: issue.updated_at ?? '',
    closedAt: issue.closed_at ?? null,
    repository: issue.repository?.full_name ?? '',
  };
}

export function toComment(comment: Comment): GiteaComment {
  return {
    id: required(comment.id, 'comment id'),
    body: comment.body ?? '',
    author: comment.user?.login ?? '',
    htmlUrl: comment.html_url ?? '',
    createdAt: comment.created_at ?? '',
    updatedAt: comment.updated_at ?? '',
  };
}

export function toPullRequest(pr: PullRequest): GiteaPullRequest {
  return {
    id: required(pr.id, 'pull request id'),
    number: required(pr.number, 'pull request number'),
    title: pr.title ?? '',
    body: pr.body ?? '',
    state: pr.state === 'closed' ? 'closed' : 'open',
    draft: pr.draft ?? false,
    merged: pr.merged ?? false,
    mergedAt: pr.merged_at ?? null,
    mergeCommitSha: pr.merge_commit_sha ?? null,
    closedAt: pr.closed_at ?? null,
    head: { ref: pr.head?.ref ?? '', sha: pr.head?.sha ?? '' },
    base: { ref: pr.base?.ref ?? '', sha: pr.base?.sha ?? '' },
    author: pr.user?.login ?? '',
    htmlUrl: pr.html_url ?? '',
    labels: (pr.labels ?? []).map(toLabel),
  };
}

const REVIEW_STATES: readonly ReviewState[] = [
  'APPROVED',
  'REQUEST_CHANGES',
  'COMMENT',
  'PENDING',
  'REQUEST_REVIEW',
];

export function toPullReview(review: PullReview): GiteaPullReview {
  return {
    id: required(review.id, 'review id'),
    reviewer: review.user?.login ?? '',
    state: REVIEW_STATES.find((state) => state === review.state) ?? '',
    body: review.body ?? '',
    commitId: review.commit_id ?? '',
    stale: review.stale ?? false,
    dismissed: review.dismissed ?? false,
    submittedAt: review.submitted_at ?? '',
    htmlUrl: review.html_url ?? '',
  };
}

export function toHook(hook: Hook & { name?: string }): GiteaHook {
  return {
    id: required(hook.id, 'hook id'),
    type: hook.type ?? '',
    url: hook.config?.url ?? '',
    contentType: hook.config?.content_type ?? '',
    events: hook.events ?? [],
    active: hook.active ?? false,
    name: hook.name ?? null,
  };
}

const STATUS_STATES: readonly CommitStatusState[] = [
  'pending',
  'success',
  'error',
  'failure',
  'warning',
  'skipped',
];

export function toCommitStatus(status: CommitStatus): GiteaCommitStatus {
  const state = STATUS_STATES.find((s) => s === status.status) ?? 'pending';
  return {
    id: required(status.id, 'status id'),
    state,
    context: status.context ?? '',
    description: status.description ?? '',
    targetUrl: status.target_url ?? '',
  };
}

export function toAccessToken(token: AccessToken): GiteaAccessToken {
  return {
    id: required(token.id, 'token id'),
    name: token.name ?? '',
    token: required(token.sha1, 'token value (sha1)'),
    scopes: token.scopes ?? [],
  };
}

/** Gitea's `ActionWorkflowRun` (gitea-js 1.23 has no type for it). */
export interface RawWorkflowRun {
  id?: number;
  run_number?: number;
  status?: string;
  conclusion?: string;
  event?: string;
  head_branch?: string;
  head_sha?: string;
  path?: string;
  display_title?: string;
  html_url?: string;
  started_at?: string;
  completed_at?: string;
}

export interface RawWorkflowRunsResponse {
  total_count?: number;
  workflow_runs?: RawWorkflowRun[];
}

export interface RawRunDetails {
  workflow_run_id?: number;
  html_url?: string;
  run_url?: string;
}

/** Go's zero time, which Gitea sends for "not yet". */
function timeOrNull(value: string | undefined): string | null {
  return value && !value.startsWith('0001-01-01') ? value : null;
}

export function toWorkflowRun(run: RawWorkflowRun): GiteaWorkflowRun {
  return {
    id: required(run.id, 'workflow run id'),
    runNumber: run.run_number ?? 0,
    status: run.status ?? '',
    conclusion: run.conclusion ?? '',
    event: run.event ?? '',
    headBranch: run.head_branch ?? '',
    headSha: run.head_sha ?? '',
    path: run.path ?? '',
    displayTitle: run.display_title ?? '',
    htmlUrl: run.html_url ?? '',
    startedAt: timeOrNull(run.started_at),
    completedAt: timeOrNull(run.completed_at),
  };
}
