import { ApiError } from '../errors.ts';
import { blobSha } from '../git.ts';
import { branchesContaining, revList } from '../git-history.ts';
import {
  type CommitRecord,
  type GitIdentity,
  gitIdentityOf,
  type RepoRecord,
  type UserRecord,
} from '../state.ts';
import { versionAtLeast } from '../version.ts';
import type { World } from '../world.ts';
import { synchronizePulls } from './pulls.ts';

export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** services/repository/push.go: how many commits a push payload lists (setting.UI.FeedMaxCommitNum). */
const FEED_MAX_COMMIT_NUM = 5;

export function createRepo(
  world: World,
  owner: UserRecord,
  name: string,
  opts: { files?: Record<string, string>; defaultBranch?: string; description?: string; private?: boolean },
): RepoRecord {
  const { state } = world;
  if (state.repoByName(owner.login, name)) {
    throw new Error(`Gitea fake: repository ${owner.login}/${name} already exists`);
  }
  const now = state.now();
  const repo: RepoRecord = {
    id: state.nextId('repo'),
    ownerId: owner.id,
    name,
    description: opts.description ?? '',
    private: opts.private ?? false,
    defaultBranch: opts.defaultBranch ?? 'main',
    branches: new Map(),
    commits: new Map(),
    labels: new Map(),
    issues: new Map(),
    nextIndex: 1,
    collaborators: new Map(),
    hooks: new Map(),
    statuses: [],
    createdAt: now,
    updatedAt: now,
  };
  state.repos.set(repo.id, repo);
  const files = new Map(Object.entries(opts.files ?? { 'README.md': `# ${name}\n` }));
  const commit = state.addCommit(repo, {
    files,
    parents: [],
    message: 'Initial commit',
    author: gitIdentityOf(owner),
  });
  repo.branches.set(repo.defaultBranch, commit.sha);
  return repo;
}

/**
 * The commits a push of a new branch reports (services/repository/push.go `pushNewBranch`,
 * modules/git `commitsBefore`): `git log -10` from the new head, stopping at the first commit
 * another branch contains too — so a branch made from an existing commit reports none.
 */
function newBranchCommits(repo: RepoRecord, head: string): CommitRecord[] {
  const out: CommitRecord[] = [];
  for (const commit of revList(repo, head).slice(0, 10)) {
    if (branchesContaining(repo, commit.sha).length > 1) break;
    out.push(commit);
  }
  return out;
}

/**
 * services/repository/push.go `getCompareURL` (relative to ROOT_URL): from the parent of the
 * oldest reported commit, or from the default branch for a new branch that reports none.
 */
function compareUrl(
  world: World,
  repo: RepoRecord,
  push: { branch: string; before: string; after: string; commits: CommitRecord[] },
): string {
  let from = push.before;
  if (from === ZERO_SHA) {
    const parent = push.commits.at(-1)?.parents[0];
    if (parent) from = parent;
  }
  if (from === ZERO_SHA && repo.defaultBranch !== push.branch) from = repo.defaultBranch;
  return from === ZERO_SHA ? '' : `${world.state.fullName(repo)}/compare/${from}...${push.after}`;
}

/**
 * The webhooks of one pushed branch update (services/repository/push.go `pushUpdates`):
 * `create` first for a new branch, then `push` with the commits `before..after` (all of them
 * counted in total_commits, the newest five listed), then `synchronized` for every open pull
 * request whose head is the branch.
 */
export function announceBranchUpdate(
  world: World,
  repo: RepoRecord,
  pusher: UserRecord,
  branch: string,
  before: string,
  after: string,
): void {
  const isNew = before === ZERO_SHA;
  const commits = isNew ? newBranchCommits(repo, after) : revList(repo, after, [before]);
  if (isNew) world.notify.branchCreated(repo, pusher, branch, after);
  const head = repo.commits.get(after);
  if (!head) throw new Error(`Gitea fake: no commit ${after}`);
  world.notify.pushed(repo, pusher, {
    branch,
    before,
    after,
    commits: commits.slice(0, FEED_MAX_COMMIT_NUM),
    totalCommits: commits.length,
    headCommit: head,
    compareUrl: compareUrl(world, repo, { branch, before, after, commits }),
  });
  synchronizePulls(world, repo, pusher, branch);
}

/** Who a commit is by, and when, when it is not simply the pusher now. */
export interface CommitAuthorship {
  author?: GitIdentity;
  committer?: GitIdentity;
  authorDate?: Date;
  committerDate?: Date;
}

/**
 * A push of one commit that writes `files` over the tree of `from` (default: the branch itself,
 * or the default branch when the branch is new); a `null` content deletes the path. Fires
 * create (new branch), push, and `synchronized` for every open pull request whose head is this
 * branch, as Gitea does.
 */
export function pushFiles(
  world: World,
  repo: RepoRecord,
  pusher: UserRecord,
  files: Record<string, string | null>,
  opts: { branch?: string; from?: string; message?: string } & CommitAuthorship = {},
): CommitRecord {
  const { state } = world;
  const branch = opts.branch ?? repo.defaultBranch;
  const existing = repo.branches.get(branch);
  const startSha = existing ?? repo.branches.get(opts.from ?? repo.defaultBranch);
  const start = startSha ? repo.commits.get(startSha) : undefined;
  const tree = new Map(start?.files ?? []);
  for (const [rawPath, content] of Object.entries(files)) {
    const path = rawPath.replace(/^\/+/, '');
    if (content === null) tree.delete(path);
    else tree.set(path, content);
  }
  const commit = state.addCommit(repo, {
    files: tree,
    parents: start ? [start.sha] : [],
    message: opts.message || `Update ${Object.keys(files).join(', ')}`,
    author: opts.author ?? gitIdentityOf(pusher),
    committer: opts.committer,
    authorDate: opts.authorDate,
    committerDate: opts.committerDate,
  });
  repo.branches.set(branch, commit.sha);
  repo.updatedAt = state.now();
  announceBranchUpdate(world, repo, pusher, branch, existing ?? ZERO_SHA, commit.sha);
  return commit;
}

/**
 * A branch made from an existing commit (services/repository/branch.go
 * `CreateNewBranchFromCommit`, `checkBranchName`): the name must not exist, nor be a directory
 * of another branch's name or the other way round; it is pushed like any new branch.
 */
export function createBranch(
  world: World,
  repo: RepoRecord,
  doer: UserRecord,
  name: string,
  sha: string,
): void {
  for (const existing of repo.branches.keys()) {
    if (existing === name) throw new ApiError(409, 'The branch already exists.');
    if (existing.startsWith(`${name}/`) || name.startsWith(`${existing}/`)) {
      throw new ApiError(409, 'The branch with the same name already exists.');
    }
  }
  repo.branches.set(name, sha);
  repo.updatedAt = world.state.now();
  announceBranchUpdate(world, repo, doer, name, ZERO_SHA, sha);
}

export interface FileChange {
  operation: string;
  path: string;
  /** Decoded content, for create and update. */
  content?: string;
  /** Blob sha the client last saw; checked when given. */
  sha?: string;
  /** The file's old path, to move it (update). */
  fromPath?: string;
}

export interface ChangeFilesOptions extends CommitAuthorship {
  /** Base branch (default: the default branch). */
  branch?: string;
  /** Branch to commit to, made from `branch` when it differs (default: `branch`). */
  newBranch?: string;
  message: string;
  /** 1.26: overwrite `newBranch` when it exists. */
  forcePush?: boolean;
}

/** services/repository/files/file.go `CleanGitTreePath`: a relative, cleaned path without `.git`. */
export function cleanGitTreePath(name: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  if (parts.some((part) => part.toLowerCase() === '.git')) return '';
  return parts.join('/');
}

/** `object does not exist [id: , rel_path: …]` as modules/git `GetTreeEntryByPath` words it. */
function missingEntry(files: ReadonlyMap<string, string>, path: string): string {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    const isDir = [...files.keys()].some((file) => file.startsWith(`${dir}/`));
    // SubTree looks each directory up by its own name.
    if (!isDir) return `object does not exist [id: , rel_path: ${parts[i - 1]}]`;
  }
  return `object does not exist [id: , rel_path: ${path}]`;
}

/**
 * handleCheckErrors' target-path rules: no existing file where a directory is needed, no
 * directory where the file goes, and no existing file for a create or a move.
 */
function checkTargetPath(files: ReadonlyMap<string, string>, change: FileChange, path: string, from: string) {
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    const isFile = files.has(sub);
    const isDir = [...files.keys()].some((file) => file.startsWith(`${sub}/`));
    if (!isFile && !isDir) return;
    if (i < parts.length) {
      if (isFile) {
        throw new ApiError(422, `a file exists where you’re trying to create a subdirectory [path: ${sub}]`);
      }
      continue;
    }
    if (isDir)
      throw new ApiError(422, `a directory exists where you’re trying to create a file [path: ${sub}]`);
    if (from !== path || change.operation === 'create') {
      throw new ApiError(422, `repository file already exists [path: ${path}]`);
    }
  }
}

/**
 * services/repository/files/update.go `ChangeRepoFiles`: checks every change against the head
 * of `branch`, then commits them all at once to `newBranch`. What each version answers:
 * - the base branch must exist: 404 `branch does not exist [repo_id: R name: B]`;
 * - a new branch must not exist: 422 `branch already exists [name: B]` (1.26: unless force_push);
 * - update/delete of a missing file: 404 (1.25, 1.26) or 500 (1.24, whose error handler does
 *   not know the error) `object does not exist [id: , rel_path: P]`;
 * - a given sha that is not the file's blob: 422 `sha does not match [given: G, expected: E]`;
 *   no sha at all passes (the API never sends a last commit id, so the branch head is used);
 * - create over an existing file: 422 `repository file already exists [path: P]`.
 */
export function changeFiles(
  world: World,
  repo: RepoRecord,
  doer: UserRecord,
  changes: FileChange[],
  opts: ChangeFilesOptions,
): CommitRecord {
  const { state } = world;
  const branch = opts.branch || repo.defaultBranch;
  const newBranch = opts.newBranch || branch;
  const headSha = repo.branches.get(branch);
  const head = headSha ? repo.commits.get(headSha) : undefined;
  if (!head) throw new ApiError(404, `branch does not exist [repo_id: ${repo.id} name: ${branch}]`);
  const paths = changes.map((change) => {
    const path = cleanGitTreePath(change.path);
    if (path === '')
      throw new ApiError(422, `path contains a malformed path component [path: ${change.path}]`);
    const from = change.fromPath ? cleanGitTreePath(change.fromPath) : path;
    if (from === '') {
      throw new ApiError(422, `path contains a malformed path component [path: ${change.fromPath}]`);
    }
    return { change, path, from };
  });
  const forcePush = opts.forcePush === true && versionAtLeast(state.version, 1, 26);
  if (newBranch !== branch && repo.branches.has(newBranch) && !forcePush) {
    throw new ApiError(422, `branch already exists [name: ${newBranch}]`);
  }
  const writes: Record<string, string | null> = {};
  for (const { change, path, from } of paths) {
    const { operation } = change;
    if (operation === 'upload' || operation === 'rename') {
      if (versionAtLeast(state.version, 1, 25)) {
        throw new ApiError(501, `Gitea fake: the file operation "${operation}" is not modelled`);
      }
    }
    if (operation === 'update' || operation === 'delete') {
      const current = head.files.get(from);
      if (current === undefined) {
        throw new ApiError(versionAtLeast(state.version, 1, 25) ? 404 : 500, missingEntry(head.files, from));
      }
      const expected = blobSha(current);
      if (change.sha && change.sha !== expected) {
        throw new ApiError(422, `sha does not match [given: ${change.sha}, expected: ${expected}]`);
      }
    }
    if (operation === 'create' || operation === 'update') checkTargetPath(head.files, change, path, from);
  }
  for (const { change, path, from } of paths) {
    if (change.operation === 'create' || change.operation === 'update') {
      if (from !== path) writes[from] = null;
      writes[path] = change.content ?? '';
    } else if (change.operation === 'delete') {
      writes[path] = null;
    } else {
      throw new ApiError(
        500,
        `invalid file operation: ${change.operation} ${path}, supported operations are create, update, delete`,
      );
    }
  }
  // A force push replaces the branch: the commit goes on top of the base branch.
  if (forcePush && newBranch !== branch) repo.branches.delete(newBranch);
  // temp_repo.go CommitTree: the message is trimmed and ends with one newline.
  return pushFiles(world, repo, doer, writes, {
    branch: newBranch,
    from: branch,
    message: `${opts.message.trim()}\n`,
    author: gitSignature(doer, opts.author, opts.committer),
    committer: gitSignature(doer, opts.committer, opts.author),
    authorDate: opts.authorDate ?? opts.committerDate,
    committerDate: opts.committerDate ?? opts.authorDate,
  });
}

/**
 * temp_repo.go `makeGitUserSignature`: each of name and email from the identity, else from the
 * other identity (an author given alone is the committer too), else the doer's.
 */
function gitSignature(doer: UserRecord, identity?: GitIdentity, other?: GitIdentity): GitIdentity {
  const own = gitIdentityOf(doer);
  return {
    name: identity?.name || other?.name || own.name,
    email: identity?.email || other?.email || own.email,
  };
}

/**
 * routers/api/v1/repo/file.go `changeFilesCommitMessage` (locale repo.editor.add/update/delete):
 * the default message when none is given.
 */
export function defaultChangeMessage(changes: readonly FileChange[]): string {
  const of = (ops: string[]) => changes.filter((c) => ops.includes(c.operation)).map((c) => c.path);
  const created = of(['create']);
  const updated = of(['update', 'upload', 'rename']);
  const deleted = of(['delete']);
  let message = '';
  if (created.length > 0) message += `Add ${created.join(', ')}\n`;
  if (updated.length > 0) message += `Update ${updated.join(', ')}\n`;
  if (deleted.length > 0) message += `Delete ${deleted.join(', ')}`;
  return message.replace(/^\n+|\n+$/g, '');
}
