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
 * A push of one commit that writes `files` over the branch's current tree (the branch is
 * created from the default branch when missing). Fires create (new branch), push, and
 * `synchronized` for every open pull request whose head is this branch, as Gitea does.
 */
export function pushFiles(
  world: World,
  repo: RepoRecord,
  pusher: UserRecord,
  files: Record<string, string>,
  opts: { branch?: string; message?: string } = {},
): CommitRecord {
  const { state } = world;
  const branch = opts.branch ?? repo.defaultBranch;
  const existing = repo.branches.get(branch);
  const startSha = existing ?? repo.branches.get(repo.defaultBranch);
  const start = startSha ? repo.commits.get(startSha) : undefined;
  const tree = new Map(start?.files ?? []);
  for (const [path, content] of Object.entries(files)) tree.set(path.replace(/^\/+/, ''), content);
  const commit = state.addCommit(repo, {
    files: tree,
    parents: start ? [start.sha] : [],
    message: opts.message ?? `Update ${Object.keys(files).join(', ')}`,
    author: pusher,
  });
  repo.branches.set(branch, commit.sha);
  repo.updatedAt = state.now();
  if (!existing) world.notify.branchCreated(repo, pusher, branch, commit.sha);
  world.notify.pushed(repo, pusher, branch, existing ?? ZERO_SHA, [commit]);
  synchronizePulls(world, repo, pusher, branch);
  return commit;
}
