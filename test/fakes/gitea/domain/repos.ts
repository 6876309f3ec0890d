import { ApiError, notFound } from '../errors.ts';
import { blobSha } from '../git.ts';
import type { CommitRecord, RepoRecord, UserRecord } from '../state.ts';
import type { World } from '../world.ts';
import { synchronizePulls } from './pulls.ts';

const ZERO_SHA = '0000000000000000000000000000000000000000';

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
  const commit = state.addCommit(repo, { files, parents: [], message: 'Initial commit', author: owner });
  repo.branches.set(repo.defaultBranch, commit.sha);
  return repo;
}

/**
 * A push of one commit that writes `files` over the tree of `from` (default: the branch itself,
 * or the default branch when the branch is new); a `null` content deletes the path. Fires create
 * (new branch), push, and `synchronized` for every open pull request whose head is this branch,
 * as Gitea does.
 */
export function pushFiles(
  world: World,
  repo: RepoRecord,
  pusher: UserRecord,
  files: Record<string, string | null>,
  opts: { branch?: string; from?: string; message?: string } = {},
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
    author: pusher,
  });
  repo.branches.set(branch, commit.sha);
  repo.updatedAt = state.now();
  if (!existing) world.notify.branchCreated(repo, pusher, branch, commit.sha);
  world.notify.pushed(repo, pusher, branch, existing ?? ZERO_SHA, [commit]);
  synchronizePulls(world, repo, pusher, branch);
  return commit;
}

export interface FileChange {
  operation: 'create' | 'update' | 'delete';
  path: string;
  /** Decoded content, for create and update. */
  content?: string;
  /** Blob sha the client last saw, required to update or delete an existing file. */
  sha?: string;
}

/**
 * services/repository/files ChangeRepoFiles: validates every change against the branch head
 * (a file that exists cannot be created, a stale sha cannot update or delete), then commits
 * them all at once. `newBranch` starts a new branch from `branch`.
 */
export function changeFiles(
  world: World,
  repo: RepoRecord,
  doer: UserRecord,
  changes: FileChange[],
  opts: { branch?: string; newBranch?: string; message?: string },
): CommitRecord {
  const branch = opts.branch || repo.defaultBranch;
  const headSha = repo.branches.get(branch);
  const head = headSha ? repo.commits.get(headSha) : undefined;
  if (!head) throw notFound(`branch does not exist [repo_id: ${repo.id} name: ${branch}]`);
  if (opts.newBranch && repo.branches.has(opts.newBranch)) {
    throw new ApiError(422, `branch already exists [name: ${opts.newBranch}]`);
  }
  const writes: Record<string, string | null> = {};
  for (const change of changes) {
    const path = change.path.replace(/^\/+/, '');
    const current = head.files.get(path);
    if (change.operation === 'create') {
      if (current !== undefined) throw new ApiError(422, `repository file already exists [path: ${path}]`);
      writes[path] = change.content ?? '';
      continue;
    }
    if (current === undefined) throw notFound(`repository file does not exist [path: ${path}]`);
    const expected = blobSha(current);
    if (change.sha !== expected) {
      throw new ApiError(422, `sha does not match [given: ${change.sha ?? ''}, expected: ${expected}]`);
    }
    writes[path] = change.operation === 'delete' ? null : (change.content ?? '');
  }
  const verb = { create: 'Add', update: 'Update', delete: 'Delete' };
  const message = opts.message || changes.map((c) => `${verb[c.operation]} ${c.path}`).join('\n');
  return pushFiles(world, repo, doer, writes, { branch: opts.newBranch || branch, from: branch, message });
}
