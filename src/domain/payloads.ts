/**
 * The parts of Gitea's webhook payloads (modules/structs in Gitea 1.26) that AiWorker reads.
 * Payloads are untrusted input and older Gitea versions omit fields, so everything a handler
 * might miss is optional here; the readers below never throw on a missing field.
 */

export interface GiteaUser {
  id: number;
  login: string;
  full_name?: string;
  email?: string;
  username?: string;
  [field: string]: unknown;
}

export interface GiteaLabel {
  id: number;
  name: string;
  color?: string;
  exclusive?: boolean;
  [field: string]: unknown;
}

export interface GiteaRepository {
  id: number;
  name: string;
  full_name: string;
  owner: GiteaUser;
  default_branch?: string;
  html_url?: string;
  clone_url?: string;
  private?: boolean;
  [field: string]: unknown;
}

/** What an issue and a pull request both carry. */
export interface GiteaIssueFields {
  id: number;
  number: number;
  title: string;
  body?: string;
  state: string;
  user: GiteaUser;
  labels?: GiteaLabel[] | null;
  html_url?: string;
  [field: string]: unknown;
}

export interface GiteaIssue extends GiteaIssueFields {
  /** Set (not null) when the issue is a pull request. */
  pull_request?: { merged?: boolean; merged_at?: string | null; [field: string]: unknown } | null;
  [field: string]: unknown;
}

export interface GiteaBranchRef {
  ref: string;
  sha: string;
  label?: string;
  repo_id?: number;
  [field: string]: unknown;
}

export interface GiteaPullRequest extends GiteaIssueFields {
  merged?: boolean;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  head?: GiteaBranchRef;
  base?: GiteaBranchRef;
  updated_at?: string;
  [field: string]: unknown;
}

export interface GiteaComment {
  id: number;
  body: string;
  user: GiteaUser;
  html_url?: string;
  created_at?: string;
  updated_at?: string;
  [field: string]: unknown;
}

export interface GiteaCommit {
  id: string;
  message: string;
  url?: string;
  [field: string]: unknown;
}

/** Any Gitea webhook body. Which fields are present depends on the event type. */
export interface WebhookPayload {
  action?: string;
  /** Issue or pull request number (issue and pull request events). */
  number?: number;
  repository?: GiteaRepository;
  sender?: GiteaUser;
  issue?: GiteaIssue;
  pull_request?: GiteaPullRequest;
  comment?: GiteaComment;
  /** Comment events: whether the comment is on a pull request. */
  is_pull?: boolean;
  /** `edited` actions: the previous values. */
  changes?: { body?: { from: string }; title?: { from: string }; ref?: { from: string } };
  /** Review events: the review's kind and summary text. */
  review?: { type: string; content: string } | null;
  /** Pull request events: the head commit they concern. */
  commit_id?: string;
  // push
  ref?: string;
  before?: string;
  after?: string;
  commits?: GiteaCommit[];
  head_commit?: GiteaCommit | null;
  pusher?: GiteaUser;
  [field: string]: unknown;
}

/** A repository as handlers see it. */
export interface RepoRef {
  owner: string;
  name: string;
  fullName: string;
  id: number;
  defaultBranch: string;
}

/** An issue or pull request of a repository, as writes to Gitea address it. */
export interface IssueRef {
  owner: string;
  repo: string;
  number: number;
}

/** Who did something. */
export interface Actor {
  id: number;
  login: string;
}
