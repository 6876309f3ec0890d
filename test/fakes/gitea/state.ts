import { randomBytes } from 'node:crypto';
import { buildTree, commitSha, type GitTree } from './git.ts';

/**
 * The fake's in-memory database. Records mirror Gitea's tables closely enough that ids behave
 * the same way: every table has its own autoincrement, and issue ids start far from issue
 * numbers so a client that confuses the two fails loudly.
 */

export const AccessMode = { None: 0, Read: 1, Write: 2, Admin: 3, Owner: 4 } as const;
export type AccessModeValue = (typeof AccessMode)[keyof typeof AccessMode];

export function accessModeName(mode: AccessModeValue): 'none' | 'read' | 'write' | 'admin' | 'owner' {
  return (['none', 'read', 'write', 'admin', 'owner'] as const)[mode];
}

export interface UserRecord {
  id: number;
  login: string;
  email: string;
  fullName: string;
  isAdmin: boolean;
  password: string;
  createdAt: Date;
}

export interface TokenRecord {
  id: number;
  name: string;
  userId: number;
  token: string;
  scopes: string[];
  createdAt: Date;
}

/** A git signature's name and email (git's author or committer line, without the time). */
export interface GitIdentity {
  name: string;
  email: string;
}

export interface CommitRecord {
  sha: string;
  tree: GitTree;
  parents: string[];
  message: string;
  author: GitIdentity;
  committer: GitIdentity;
  /** Author date (what push payloads call `timestamp`). */
  when: Date;
  /** Committer date (what `git log` orders by). */
  committedAt: Date;
  files: ReadonlyMap<string, string>;
  added: string[];
  removed: string[];
  modified: string[];
}

export interface LabelRecord {
  id: number;
  repoId: number;
  name: string;
  color: string;
  description: string;
  exclusive: boolean;
  isArchived: boolean;
}

export interface PullRecord {
  id: number;
  headBranch: string;
  baseBranch: string;
  headSha: string;
  mergeBase: string;
  merged: boolean;
  mergedAt: Date | null;
  mergedById: number | null;
  mergeCommitSha: string | null;
}

export interface IssueRecord {
  id: number;
  repoId: number;
  index: number;
  posterId: number;
  title: string;
  body: string;
  isClosed: boolean;
  isLocked: boolean;
  labelIds: number[];
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  pull: PullRecord | null;
  /** Issue ids this issue depends on (is blocked by), in insertion order. */
  dependsOn: number[];
}

export interface CommentRecord {
  id: number;
  issueId: number;
  posterId: number;
  body: string;
  createdAt: Date;
  updatedAt: Date;
}

/** models/issues/review.go: one review of a pull request. */
export type ReviewType = 'pending' | 'approve' | 'comment' | 'reject';

export interface ReviewRecord {
  id: number;
  issueId: number;
  reviewerId: number;
  type: ReviewType;
  content: string;
  /** The head commit the review looked at. */
  commitId: string;
  /** The pull request's content changed since `commitId`. */
  stale: boolean;
  official: boolean;
  dismissed: boolean;
  /** The review's timeline comment (CommentTypeReview), which its html_url points at. */
  commentId: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ReactionRecord {
  id: number;
  issueId: number;
  /** 0 for a reaction on the issue itself. */
  commentId: number;
  userId: number;
  content: string;
  createdAt: Date;
}

export interface StatusRecord {
  id: number;
  repoId: number;
  sha: string;
  /** Per-sha sequence number (Gitea's `index`). */
  index: number;
  context: string;
  state: string;
  targetUrl: string;
  description: string;
  creatorId: number;
  createdAt: Date;
  updatedAt: Date;
}

/** models/actions/status.go: the state of an Actions run or job. */
export type ActionStatus =
  | 'waiting'
  | 'running'
  | 'success'
  | 'failure'
  | 'cancelled'
  | 'skipped'
  | 'blocked';

/** models/actions/run_job.go: one job of a run. */
export interface ActionJobRecord {
  id: number;
  runId: number;
  /** The job's id in the workflow file. */
  jobId: string;
  /** The job's `name:`, else its id. */
  name: string;
  /** `runs-on` labels; null for a job without them (one that calls a reusable workflow). */
  runsOn: string[] | null;
  /** 0 until a runner picks the job up. */
  attempt: number;
  status: ActionStatus;
  taskId: number;
  runnerId: number;
  runnerName: string;
  createdAt: Date;
  startedAt: Date | null;
  stoppedAt: Date | null;
}

/** models/actions/run.go: one run of a workflow file. */
export interface ActionRunRecord {
  id: number;
  repoId: number;
  /** Per-repository run number. */
  index: number;
  /** The workflow file's name, e.g. `aiworker.yml`. */
  workflowId: string;
  /** `.gitea/workflows` or `.github/workflows`. */
  workflowDir: string;
  /** The workflow's content at the run's commit. */
  workflowYaml: string;
  title: string;
  triggerUserId: number;
  /** `refs/heads/<branch>` or `refs/pull/<n>/head`. */
  ref: string;
  commitSha: string;
  /** The hook event (modules/webhook/type.go), e.g. `pull_request_sync`. */
  event: string;
  /** The workflow's trigger, e.g. `pull_request`. */
  triggerEvent: string;
  status: ActionStatus;
  createdAt: Date;
  startedAt: Date | null;
  stoppedAt: Date | null;
  jobs: ActionJobRecord[];
}

/** models/packages: one version (for containers: one tag) of a package. */
export interface PackageVersionRecord {
  id: number;
  /** Lower-cased, as the container registry stores tags. */
  version: string;
  creatorId: number;
  createdAt: Date;
  /** The manifest digest the tag points at. */
  digest: string;
}

export interface PackageRecord {
  id: number;
  ownerId: number;
  type: 'container';
  /** Lower-cased image path below the owner, e.g. `shop`. */
  name: string;
  versions: PackageVersionRecord[];
}

export interface HookRecord {
  id: number;
  repoId: number;
  type: string;
  name: string;
  url: string;
  contentType: 'json' | 'form';
  secret: string;
  /** `null` means "send everything"; otherwise the enabled HookEventTypes. */
  events: Set<string> | null;
  active: boolean;
  branchFilter: string;
  authorizationHeader: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface RepoRecord {
  id: number;
  ownerId: number;
  name: string;
  description: string;
  private: boolean;
  defaultBranch: string;
  /** Branch name → head commit sha. */
  branches: Map<string, string>;
  commits: Map<string, CommitRecord>;
  labels: Map<number, LabelRecord>;
  /** Issues and pull requests by number (they share one sequence). */
  issues: Map<number, IssueRecord>;
  nextIndex: number;
  collaborators: Map<number, AccessModeValue>;
  hooks: Map<number, HookRecord>;
  statuses: StatusRecord[];
  createdAt: Date;
  updatedAt: Date;
}

/** models/user/user_system.go: the id of the user Gitea Actions acts as (`gitea-actions`). */
export const ACTIONS_USER_ID = -2;

/** Each table's first id; far apart so ids of different kinds never look alike. */
const FIRST_IDS = {
  user: 1,
  token: 1,
  repo: 100,
  label: 300,
  issue: 1000,
  pull: 3000,
  comment: 5000,
  review: 7000,
  reaction: 1,
  status: 1,
  hook: 1,
  actionRun: 11000,
  actionJob: 13000,
  actionTask: 15000,
  package: 17000,
  packageVersion: 19000,
} as const;

type Table = keyof typeof FIRST_IDS;

export class FakeState {
  readonly users = new Map<number, UserRecord>();
  readonly tokens = new Map<number, TokenRecord>();
  readonly repos = new Map<number, RepoRecord>();
  readonly issuesById = new Map<number, IssueRecord>();
  readonly comments = new Map<number, CommentRecord>();
  readonly reviews = new Map<number, ReviewRecord>();
  readonly reactions: ReactionRecord[] = [];
  readonly actionRuns = new Map<number, ActionRunRecord>();
  readonly packages: PackageRecord[] = [];
  private readonly nextIds = new Map<Table, number>();

  constructor(
    readonly baseUrl: string,
    readonly version: string,
    private readonly clock: () => Date,
  ) {}

  now(): Date {
    return new Date(Math.floor(this.clock().getTime() / 1000) * 1000);
  }

  nextId(table: Table): number {
    const id = this.nextIds.get(table) ?? FIRST_IDS[table];
    this.nextIds.set(table, id + 1);
    return id;
  }

  get apiUrl(): string {
    return `${this.baseUrl}/api/v1`;
  }

  get swaggerUrl(): string {
    return `${this.baseUrl}/api/swagger`;
  }

  userByLogin(login: string): UserRecord | undefined {
    const lower = login.toLowerCase();
    for (const user of this.users.values()) if (user.login.toLowerCase() === lower) return user;
    return undefined;
  }

  mustUser(login: string): UserRecord {
    const user = this.userByLogin(login);
    if (!user) throw new Error(`Gitea fake: no user "${login}" (add it with addUser)`);
    return user;
  }

  userById(id: number): UserRecord {
    const user = this.users.get(id);
    if (!user) throw new Error(`Gitea fake: no user with id ${id}`);
    return user;
  }

  tokenByValue(value: string): TokenRecord | undefined {
    for (const token of this.tokens.values()) if (token.token === value) return token;
    return undefined;
  }

  repoByName(owner: string, name: string): RepoRecord | undefined {
    const ownerUser = this.userByLogin(owner);
    if (!ownerUser) return undefined;
    const lower = name.toLowerCase();
    for (const repo of this.repos.values()) {
      if (repo.ownerId === ownerUser.id && repo.name.toLowerCase() === lower) return repo;
    }
    return undefined;
  }

  mustRepo(fullName: string): RepoRecord {
    const [owner, name, ...rest] = fullName.split('/');
    const repo = owner && name && rest.length === 0 ? this.repoByName(owner, name) : undefined;
    if (!repo) throw new Error(`Gitea fake: no repository "${fullName}" (create it with createRepo)`);
    return repo;
  }

  repoOwner(repo: RepoRecord): UserRecord {
    return this.userById(repo.ownerId);
  }

  fullName(repo: RepoRecord): string {
    return `${this.repoOwner(repo).login}/${repo.name}`;
  }

  issueRepo(issue: IssueRecord): RepoRecord {
    const repo = this.repos.get(issue.repoId);
    if (!repo) throw new Error(`Gitea fake: issue ${issue.id} has no repository`);
    return repo;
  }

  mustIssue(repo: RepoRecord, index: number): IssueRecord {
    const issue = repo.issues.get(index);
    if (!issue) throw new Error(`Gitea fake: ${this.fullName(repo)} has no issue #${index}`);
    return issue;
  }

  issueComments(issue: IssueRecord): CommentRecord[] {
    return [...this.comments.values()].filter((c) => c.issueId === issue.id).sort((a, b) => a.id - b.id);
  }

  createUser(login: string, opts: { admin?: boolean; password?: string; email?: string }): UserRecord {
    if (this.userByLogin(login)) throw new Error(`Gitea fake: user "${login}" already exists`);
    const user: UserRecord = {
      id: this.nextId('user'),
      login,
      email: opts.email ?? `${login.toLowerCase()}@example.com`,
      fullName: '',
      isAdmin: opts.admin ?? false,
      password: opts.password ?? `${login}-password`,
      createdAt: this.now(),
    };
    this.users.set(user.id, user);
    return user;
  }

  issueToken(user: UserRecord, name: string, scopes: string[]): TokenRecord {
    const token: TokenRecord = {
      id: this.nextId('token'),
      name,
      userId: user.id,
      token: randomBytes(20).toString('hex'),
      scopes,
      createdAt: this.now(),
    };
    this.tokens.set(token.id, token);
    return token;
  }

  /**
   * Records a commit of `files` (the full tree) on top of `parents`. `committer` defaults to
   * the author and the dates to now, as `git commit-tree` does with only GIT_AUTHOR_* set.
   */
  addCommit(
    repo: RepoRecord,
    opts: {
      files: ReadonlyMap<string, string>;
      parents: string[];
      message: string;
      author: GitIdentity;
      committer?: GitIdentity;
      authorDate?: Date;
      committerDate?: Date;
    },
  ): CommitRecord {
    const previous = opts.parents[0] ? repo.commits.get(opts.parents[0])?.files : undefined;
    const added: string[] = [];
    const removed: string[] = [];
    const modified: string[] = [];
    for (const [path, content] of opts.files) {
      const before = previous?.get(path);
      if (before === undefined) added.push(path);
      else if (before !== content) modified.push(path);
    }
    for (const path of previous?.keys() ?? []) if (!opts.files.has(path)) removed.push(path);
    const tree = buildTree(opts.files);
    const now = this.now();
    const committer = opts.committer ?? opts.author;
    const message = opts.message.endsWith('\n') ? opts.message : `${opts.message}\n`;
    const shaAt = (nudge: number) =>
      commitSha({
        tree: tree.sha,
        parents: opts.parents,
        author: opts.author,
        authorWhen: new Date((opts.authorDate ?? now).getTime() + nudge * 1000),
        committer,
        committerWhen: new Date((opts.committerDate ?? now).getTime() + nudge * 1000),
        message,
      });
    let sha = shaAt(0);
    // Two identical commits in the same second would collide; a real clock moves on, ours nudges.
    let nudge = 0;
    while (repo.commits.has(sha)) sha = shaAt(++nudge);
    const commit: CommitRecord = {
      sha,
      tree,
      parents: opts.parents,
      message,
      author: { ...opts.author },
      committer: { ...committer },
      when: new Date((opts.authorDate ?? now).getTime() + nudge * 1000),
      committedAt: new Date((opts.committerDate ?? now).getTime() + nudge * 1000),
      files: new Map(opts.files),
      added,
      removed,
      modified,
    };
    repo.commits.set(sha, commit);
    return commit;
  }

  /** The user whose email this is (models/user GetUserByEmail: case-insensitive), if any. */
  userByEmail(email: string): UserRecord | undefined {
    const lower = email.toLowerCase();
    for (const user of this.users.values()) if (user.email.toLowerCase() === lower) return user;
    return undefined;
  }

  /** A branch name, a full commit sha, or a unique sha prefix of at least 7 characters. */
  resolveRef(repo: RepoRecord, ref: string): CommitRecord | undefined {
    const branchHead = repo.branches.get(ref);
    if (branchHead) return repo.commits.get(branchHead);
    const direct = repo.commits.get(ref);
    if (direct) return direct;
    if (/^[0-9a-f]{7,39}$/.test(ref)) {
      const matches = [...repo.commits.values()].filter((c) => c.sha.startsWith(ref));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }

  labelsOf(repo: RepoRecord, issue: IssueRecord): LabelRecord[] {
    return issue.labelIds
      .map((id) => repo.labels.get(id))
      .filter((label): label is LabelRecord => label !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  }
}

/**
 * The git signature Gitea writes for a user (models/user/user.go `NewGitSig`: `GitName()` is
 * the full name, else the login; `GetEmail()` the email, fake users keep none private).
 */
export function gitIdentityOf(user: UserRecord): GitIdentity {
  return { name: user.fullName || user.login, email: user.email };
}

/** Gitea's time format: RFC 3339 at second precision, UTC. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
