import { accessMode } from './domain/access.ts';
import { REVIEW_STATE_OF_TYPE } from './domain/reviews.ts';
import {
  ACTIONS_USER_ID,
  AccessMode,
  type AccessModeValue,
  type CommentRecord,
  type CommitRecord,
  type FakeState,
  formatTime,
  type HookRecord,
  type IssueRecord,
  type LabelRecord,
  type PackageRecord,
  type PackageVersionRecord,
  type ReactionRecord,
  type RepoRecord,
  type ReviewRecord,
  type StatusRecord,
  type TokenRecord,
  type UserRecord,
  ZERO_TIME,
} from './state.ts';
import { hooksHaveNames } from './version.ts';
import { hookEventTypesOf } from './webhooks.ts';

/**
 * Gitea's `services/convert`: records to the JSON shapes of the API and of webhook payloads.
 * Field order follows Gitea's Go structs, because webhook bodies are signed byte for byte.
 */

type Json = Record<string, unknown>;

function avatarUrl(state: FakeState, user: UserRecord): string {
  return `${state.baseUrl}/avatars/${user.id.toString(16).padStart(32, '0')}`;
}

/** `authed`: the viewer is this user or a site admin, who also see admin-only fields. */
export function toUser(state: FakeState, user: UserRecord, opts: { authed?: boolean } = {}): Json {
  const authed = opts.authed ?? false;
  return {
    id: user.id,
    login: user.login,
    login_name: '',
    source_id: 0,
    full_name: user.fullName,
    email: user.email,
    avatar_url: avatarUrl(state, user),
    html_url: `${state.baseUrl}/${user.login}`,
    language: '',
    is_admin: authed ? user.isAdmin : false,
    last_login: ZERO_TIME,
    created: formatTime(user.createdAt),
    restricted: false,
    active: authed,
    prohibit_login: false,
    location: '',
    website: '',
    description: '',
    visibility: 'public',
    followers_count: 0,
    following_count: 0,
    starred_repos_count: 0,
    username: user.login,
  };
}

function permissions(mode: AccessModeValue): Json {
  return { admin: mode >= AccessMode.Admin, push: mode >= AccessMode.Write, pull: mode >= AccessMode.Read };
}

export function repoUrls(state: FakeState, repo: RepoRecord): { api: string; html: string } {
  const fullName = state.fullName(repo);
  return { api: `${state.apiUrl}/repos/${fullName}`, html: `${state.baseUrl}/${fullName}` };
}

export function toRepo(state: FakeState, repo: RepoRecord, mode: AccessModeValue): Json {
  const owner = state.repoOwner(repo);
  const { api, html } = repoUrls(state, repo);
  const issues = [...repo.issues.values()];
  return {
    id: repo.id,
    owner: toUser(state, owner),
    name: repo.name,
    full_name: state.fullName(repo),
    description: repo.description,
    empty: repo.branches.size === 0,
    private: repo.private,
    fork: false,
    template: false,
    parent: null,
    mirror: false,
    size: 0,
    language: '',
    languages_url: `${api}/languages`,
    html_url: html,
    url: api,
    link: '',
    ssh_url: `git@${new URL(state.baseUrl).hostname}:${state.fullName(repo)}.git`,
    clone_url: `${html}.git`,
    original_url: '',
    website: '',
    stars_count: 0,
    forks_count: 0,
    watchers_count: 1,
    open_issues_count: issues.filter((i) => !i.pull && !i.isClosed).length,
    open_pr_counter: issues.filter((i) => i.pull && !i.isClosed).length,
    release_counter: 0,
    default_branch: repo.defaultBranch,
    archived: false,
    created_at: formatTime(repo.createdAt),
    updated_at: formatTime(repo.updatedAt),
    archived_at: '1970-01-01T00:00:00Z',
    permissions: permissions(mode),
    has_code: true,
    has_issues: true,
    internal_tracker: {
      enable_time_tracker: true,
      allow_only_contributors_to_track_time: true,
      enable_issue_dependencies: true,
    },
    has_wiki: true,
    has_pull_requests: true,
    has_projects: true,
    projects_mode: 'all',
    has_releases: true,
    has_packages: true,
    has_actions: true,
    ignore_whitespace_conflicts: false,
    allow_merge_commits: true,
    allow_rebase: true,
    allow_rebase_explicit: true,
    allow_squash_merge: true,
    allow_fast_forward_only_merge: true,
    allow_rebase_update: true,
    allow_manual_merge: false,
    autodetect_manual_merge: false,
    default_delete_branch_after_merge: false,
    default_merge_style: 'merge',
    default_allow_maintainer_edit: false,
    default_target_branch: repo.defaultBranch,
    avatar_url: '',
    internal: false,
    mirror_interval: '',
    object_format_name: 'sha1',
    mirror_updated: ZERO_TIME,
    repo_transfer: null,
    topics: [],
    licenses: [],
    branch_count: repo.branches.size,
  };
}

export function toRepoMeta(state: FakeState, repo: RepoRecord): Json {
  return {
    id: repo.id,
    name: repo.name,
    owner: state.repoOwner(repo).login,
    full_name: state.fullName(repo),
  };
}

export function toLabel(state: FakeState, repo: RepoRecord, label: LabelRecord): Json {
  return {
    id: label.id,
    name: label.name,
    exclusive: label.exclusive,
    is_archived: label.isArchived,
    color: label.color,
    description: label.description,
    url: `${repoUrls(state, repo).api}/labels/${label.id}`,
  };
}

export function issueHtmlUrl(state: FakeState, repo: RepoRecord, issue: IssueRecord): string {
  return `${repoUrls(state, repo).html}/${issue.pull ? 'pulls' : 'issues'}/${issue.index}`;
}

function nullableTime(date: Date | null): string | null {
  return date ? formatTime(date) : null;
}

export function toIssue(state: FakeState, repo: RepoRecord, issue: IssueRecord): Json {
  const poster = state.userById(issue.posterId);
  return {
    id: issue.id,
    url: `${repoUrls(state, repo).api}/issues/${issue.index}`,
    html_url: issueHtmlUrl(state, repo, issue),
    number: issue.index,
    user: toUser(state, poster),
    original_author: '',
    original_author_id: 0,
    title: issue.title,
    body: issue.body,
    ref: '',
    assets: [],
    labels: state.labelsOf(repo, issue).map((label) => toLabel(state, repo, label)),
    milestone: null,
    assignee: null,
    assignees: null,
    state: issue.isClosed ? 'closed' : 'open',
    is_locked: issue.isLocked,
    comments: state.issueComments(issue).length,
    created_at: formatTime(issue.createdAt),
    updated_at: formatTime(issue.updatedAt),
    closed_at: nullableTime(issue.closedAt),
    due_date: null,
    time_estimate: 0,
    pull_request: issue.pull
      ? {
          merged: issue.pull.merged,
          merged_at: nullableTime(issue.pull.mergedAt),
          draft: false,
          html_url: issueHtmlUrl(state, repo, issue),
        }
      : null,
    repository: toRepoMeta(state, repo),
    pin_order: 0,
    content_version: 0,
  };
}

function branchInfo(
  state: FakeState,
  repo: RepoRecord,
  ref: string,
  sha: string,
  viewer: UserRecord | null,
): Json {
  return {
    label: ref,
    ref,
    sha,
    repo_id: repo.id,
    repo: toRepo(state, repo, accessMode(repo, viewer)),
  };
}

/** ToAPIPullRequest: `viewer` decides the permissions shown inside base.repo and head.repo. */
export function toPullRequest(
  state: FakeState,
  repo: RepoRecord,
  issue: IssueRecord,
  viewer: UserRecord | null,
): Json {
  const pull = issue.pull;
  if (!pull) throw new Error(`Gitea fake: issue #${issue.index} is not a pull request`);
  const html = issueHtmlUrl(state, repo, issue);
  const baseSha = repo.branches.get(pull.baseBranch) ?? pull.mergeBase;
  return {
    id: pull.id,
    url: html,
    number: issue.index,
    user: toUser(state, state.userById(issue.posterId)),
    title: issue.title,
    body: issue.body,
    labels: state.labelsOf(repo, issue).map((label) => toLabel(state, repo, label)),
    milestone: null,
    assignee: null,
    assignees: null,
    requested_reviewers: null,
    requested_reviewers_teams: null,
    state: issue.isClosed ? 'closed' : 'open',
    draft: false,
    is_locked: issue.isLocked,
    comments: state.issueComments(issue).length,
    review_comments: 0,
    additions: 0,
    deletions: 0,
    changed_files: 0,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    mergeable: !pull.merged && !issue.isClosed,
    merged: pull.merged,
    merged_at: nullableTime(pull.mergedAt),
    merge_commit_sha: pull.mergeCommitSha,
    merged_by: pull.mergedById ? toUser(state, state.userById(pull.mergedById)) : null,
    allow_maintainer_edit: false,
    base: branchInfo(state, repo, pull.baseBranch, baseSha, viewer),
    head: branchInfo(state, repo, pull.headBranch, pull.headSha, viewer),
    merge_base: pull.mergeBase,
    due_date: null,
    created_at: formatTime(issue.createdAt),
    updated_at: formatTime(issue.updatedAt),
    closed_at: nullableTime(issue.closedAt),
    pin_order: 0,
  };
}

export function toComment(
  state: FakeState,
  repo: RepoRecord,
  issue: IssueRecord,
  comment: CommentRecord,
): Json {
  const html = issueHtmlUrl(state, repo, issue);
  return {
    id: comment.id,
    html_url: `${html}#issuecomment-${comment.id}`,
    pull_request_url: issue.pull ? html : '',
    issue_url: issue.pull ? '' : html,
    user: toUser(state, state.userById(comment.posterId)),
    original_author: '',
    original_author_id: 0,
    body: comment.body,
    assets: [],
    created_at: formatTime(comment.createdAt),
    updated_at: formatTime(comment.updatedAt),
  };
}

/** services/convert/pull_review.go ToPullReview. */
export function toPullReview(
  state: FakeState,
  repo: RepoRecord,
  issue: IssueRecord,
  review: ReviewRecord,
  viewer: UserRecord | null,
): Json {
  const html = issueHtmlUrl(state, repo, issue);
  const reviewer = state.userById(review.reviewerId);
  const authed = viewer !== null && (viewer.isAdmin || viewer.id === reviewer.id);
  return {
    id: review.id,
    user: toUser(state, reviewer, { authed }),
    team: null,
    state: REVIEW_STATE_OF_TYPE[review.type],
    body: review.content,
    commit_id: review.commitId,
    stale: review.stale,
    official: review.official,
    dismissed: review.dismissed,
    comments_count: 0,
    submitted_at: formatTime(review.createdAt),
    updated_at: formatTime(review.updatedAt),
    html_url: `${html}#issuecomment-${review.commentId}`,
    pull_request_url: html,
  };
}

export function toReaction(state: FakeState, reaction: ReactionRecord): Json {
  return {
    user: toUser(state, state.userById(reaction.userId)),
    content: reaction.content,
    created_at: formatTime(reaction.createdAt),
  };
}

/**
 * modules/repository/commits.go `ToAPIPayloadCommit`: the git author and committer, each with
 * the login of the user who has that email (empty when nobody has it).
 */
export function toPayloadCommit(state: FakeState, repo: RepoRecord, commit: CommitRecord): Json {
  const person = (who: { name: string; email: string }) => ({
    name: who.name,
    email: who.email,
    username: state.userByEmail(who.email)?.login ?? '',
  });
  return {
    id: commit.sha,
    message: commit.message,
    url: `${repoUrls(state, repo).html}/commit/${commit.sha}`,
    author: person(commit.author),
    committer: person(commit.committer),
    verification: null,
    timestamp: formatTime(commit.when),
    added: commit.added,
    removed: commit.removed,
    modified: commit.modified,
  };
}

const ACTIONS_USER: UserRecord = {
  id: ACTIONS_USER_ID,
  login: 'gitea-actions',
  email: 'teabot@gitea.io',
  fullName: 'Gitea Actions',
  isAdmin: false,
  password: '',
  createdAt: new Date(0),
};

/**
 * The Actions user as services/convert `ToUser` shows it to nobody in particular (webhook
 * senders): it keeps its email private, so the email is the placeholder
 * `<id>+<name>@<NO_REPLY_ADDRESS>` (models/user/user.go `GetPlaceholderEmail`; the no-reply
 * address defaults to `noreply.` + the domain), the avatar is the default one
 * (models/user/avatar.go) and it was never created (time 0).
 */
export function toActionsUser(state: FakeState): Json {
  const domain = new URL(state.baseUrl).hostname;
  return {
    ...toUser(state, ACTIONS_USER),
    email: `${ACTIONS_USER_ID}+${ACTIONS_USER.login}@noreply.${domain}`,
    avatar_url: `${state.baseUrl}/assets/img/avatar_default.png`,
  };
}

/** Whoever created a status, as a webhook's `sender`. */
export function toStatusCreator(state: FakeState, creatorId: number): Json {
  return creatorId === ACTIONS_USER_ID ? toActionsUser(state) : toUser(state, state.userById(creatorId));
}

/**
 * modules/httplib/url.go `MakeAbsoluteURL`: an absolute URL stays, a path gets ROOT_URL's host
 * in front, and an empty one becomes ROOT_URL itself.
 */
export function absoluteUrl(state: FakeState, link: string): string {
  if (link === '') return `${state.baseUrl}/`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('//')) return link;
  return `${state.baseUrl}/${link.replace(/^\/+/, '')}`;
}

/**
 * services/convert/status.go `ToCommitStatus`: `id` is the status's index among the commit's
 * statuses, `updated_at` repeats the creation time, and the creator is looked up by id — which
 * finds nobody for the Actions user (`creator: null`).
 */
export function toCommitStatus(state: FakeState, repo: RepoRecord, status: StatusRecord): Json {
  return {
    id: status.index,
    status: status.state,
    target_url: status.targetUrl,
    description: status.description,
    url: `${repoUrls(state, repo).api}/statuses/${status.sha}`,
    context: status.context,
    creator: status.creatorId === ACTIONS_USER_ID ? null : toUser(state, state.userById(status.creatorId)),
    created_at: formatTime(status.createdAt),
    updated_at: formatTime(status.createdAt),
  };
}

/** The API's event list for a hook (webhook.EventsArray). */
export function hookEventNames(state: FakeState, hook: HookRecord): string[] {
  return [...(hook.events ?? hookEventTypesOf(state.version))].sort();
}

/** services/webhook/general.go `ToHook`; `name` is in the JSON from 1.26 on. */
export function toHook(state: FakeState, hook: HookRecord): Json {
  return {
    id: hook.id,
    ...(hooksHaveNames(state.version) ? { name: hook.name } : {}),
    type: hook.type,
    branch_filter: hook.branchFilter,
    config: { content_type: hook.contentType, url: hook.url },
    events: hookEventNames(state, hook),
    // HeaderAuthorization() decrypts it: the API shows the header in clear.
    authorization_header: hook.authorizationHeader,
    active: hook.active,
    updated_at: formatTime(hook.updatedAt),
    created_at: formatTime(hook.createdAt),
  };
}

export function toToken(token: TokenRecord, opts: { withSecret: boolean }): Json {
  return {
    id: token.id,
    name: token.name,
    sha1: opts.withSecret ? token.token : '',
    token_last_eight: token.token.slice(-8),
    scopes: token.scopes,
    created_at: formatTime(token.createdAt),
    last_used_at: ZERO_TIME,
  };
}

export function toBranch(state: FakeState, repo: RepoRecord, name: string, commit: CommitRecord): Json {
  return {
    name,
    commit: toPayloadCommit(state, repo, commit),
    protected: false,
    required_approvals: 0,
    enable_status_check: false,
    status_check_contexts: [],
    user_can_push: true,
    user_can_merge: true,
    effective_branch_protection_name: '',
  };
}

/**
 * services/convert/package.go `ToPackage`: the version's id, owner and creator as the doer may
 * see them, no repository (a container package is linked to none), and the version's page.
 */
export function toPackage(
  state: FakeState,
  pkg: PackageRecord,
  version: PackageVersionRecord,
  doer: UserRecord | null,
): Json {
  const owner = state.userById(pkg.ownerId);
  const creator = state.userById(version.creatorId);
  const authed = (user: UserRecord) => doer !== null && (doer.id === user.id || doer.isAdmin);
  return {
    id: version.id,
    owner: toUser(state, owner, { authed: authed(owner) }),
    repository: null,
    creator: toUser(state, creator, { authed: authed(creator) }),
    type: pkg.type,
    name: pkg.name,
    version: version.version,
    html_url: `${state.baseUrl}/${owner.login}/-/packages/${pkg.type}/${encodeURIComponent(pkg.name)}/${encodeURIComponent(version.version)}`,
    created_at: formatTime(version.createdAt),
  };
}
