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

export interface GiteaIssue {
  id: number;
  number: number;
  title: string;
  body?: string;
  state: string;
  user: GiteaUser;
  labels?: GiteaLabel[] | null;
  html_url?: string;
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

export interface GiteaPullRequest {
  id: number;
  number: number;
  title: string;
  body?: string;
  state: string;
  user: GiteaUser;
  labels?: GiteaLabel[] | null;
  html_url?: string;
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

/** Who did something. */
export interface Actor {
  id: number;
  login: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** Reads `repository` of any payload; null when absent or unusable. */
export function readRepo(payload: WebhookPayload): RepoRef | null {
  const repo: unknown = payload.repository;
  if (!isRecord(repo)) return null;
  const fullName = str(repo.full_name);
  const name = str(repo.name);
  const ownerLogin = isRecord(repo.owner)
    ? (str(repo.owner.login) ?? str(repo.owner.username))
    : str(repo.owner); // issue.repository carries the owner as a plain string
  const owner = ownerLogin ?? fullName?.split('/')[0];
  if (!fullName || !name || !owner) return null;
  return {
    owner,
    name,
    fullName,
    id: int(repo.id) ?? 0,
    defaultBranch: str(repo.default_branch) ?? 'main',
  };
}

/** Reads a user object; null when absent or without a login. */
export function readActor(user: unknown): Actor | null {
  if (!isRecord(user)) return null;
  const login = str(user.login) ?? str(user.username);
  if (!login) return null;
  return { id: int(user.id) ?? 0, login };
}

/** The issue or pull request number an event concerns, if any. */
export function readIssueNumber(payload: WebhookPayload): number | null {
  const issue: unknown = payload.issue;
  const pull: unknown = payload.pull_request;
  return (
    (isRecord(issue) ? int(issue.number) : undefined) ??
    (isRecord(pull) ? int(pull.number) : undefined) ??
    int(payload.number) ??
    null
  );
}

/** Names of a label list; tolerates `null` (Gitea sends it for "no labels"). */
export function readLabelNames(labels: unknown): string[] {
  if (!Array.isArray(labels)) return [];
  return labels.flatMap((label) => (isRecord(label) && typeof label.name === 'string' ? [label.name] : []));
}

/** The payload's `action`, or null for events without one (push, create, …). */
export function readAction(payload: WebhookPayload): string | null {
  return typeof payload.action === 'string' && payload.action !== '' ? payload.action : null;
}

/** Narrows parsed JSON to a payload; anything but a JSON object is not a Gitea webhook body. */
export function asWebhookPayload(value: unknown): WebhookPayload | null {
  return isRecord(value) ? (value as WebhookPayload) : null;
}
