import type { CommitRecord, RepoRecord } from './state.ts';

/**
 * Walking a repository's commit graph the way the git commands Gitea runs do: `git rev-list`
 * / `git log` order (newest committer date first, each commit once), ancestry, the branches
 * that contain a commit, and the last commit that changed a path.
 */

function mustCommit(repo: RepoRecord, sha: string): CommitRecord {
  const commit = repo.commits.get(sha);
  if (!commit) throw new Error(`Gitea fake: no commit ${sha}`);
  return commit;
}

/** Every commit reachable from `sha`, itself included. */
export function ancestry(repo: RepoRecord, sha: string): Set<string> {
  const seen = new Set<string>();
  const stack = [sha];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...mustCommit(repo, next).parents);
  }
  return seen;
}

/**
 * `git rev-list <head> ^<exclude>…`: the commits reachable from `head` and from none of
 * `exclude`, newest committer date first (git's date-ordered walk; ties in the order reached).
 */
export function revList(repo: RepoRecord, head: string, exclude: readonly string[] = []): CommitRecord[] {
  const hidden = new Set<string>();
  for (const sha of exclude) for (const reachable of ancestry(repo, sha)) hidden.add(reachable);
  const out: CommitRecord[] = [];
  const queued = new Set<string>([head]);
  const queue: CommitRecord[] = [mustCommit(repo, head)];
  while (queue.length > 0) {
    let best = 0;
    for (let i = 1; i < queue.length; i++) {
      if ((queue[i] as CommitRecord).committedAt > (queue[best] as CommitRecord).committedAt) best = i;
    }
    const commit = queue.splice(best, 1)[0] as CommitRecord;
    if (!hidden.has(commit.sha)) out.push(commit);
    for (const parent of commit.parents) {
      if (queued.has(parent)) continue;
      queued.add(parent);
      queue.push(mustCommit(repo, parent));
    }
  }
  return out;
}

export function isAncestor(repo: RepoRecord, ancestor: string, of: string): boolean {
  return ancestry(repo, of).has(ancestor);
}

/** Branch names whose head contains `sha` (`git for-each-ref --contains`). */
export function branchesContaining(repo: RepoRecord, sha: string): string[] {
  return [...repo.branches].filter(([, head]) => isAncestor(repo, sha, head)).map(([name]) => name);
}

/** The object a path names in a commit: the file's content, or the directory's tree sha. */
function objectAt(commit: CommitRecord, path: string): string | undefined {
  const content = commit.files.get(path);
  if (content !== undefined) return `blob:${content}`;
  const tree = commit.tree.subtrees.get(path);
  return tree ? `tree:${tree.sha}` : undefined;
}

/**
 * `git log -1 -- <path>` from `head` (modules/git `GetCommitByPath`): the newest commit that
 * changed the file or directory, following git's default history simplification (a merge
 * that kept one parent's version of the path is passed through to that parent).
 */
export function lastCommitTouching(repo: RepoRecord, head: string, path: string): CommitRecord | undefined {
  let commit: CommitRecord | undefined = mustCommit(repo, head);
  while (commit) {
    const object = objectAt(commit, path);
    const parents: CommitRecord[] = commit.parents.map((sha) => mustCommit(repo, sha));
    const same: CommitRecord | undefined = parents.find((parent) => objectAt(parent, path) === object);
    if (!same) return object === undefined && parents.length === 0 ? undefined : commit;
    commit = same;
  }
  return undefined;
}

/**
 * `git log <head> -- <path>` with the same simplification: every commit that changed the path,
 * newest first.
 */
export function commitsTouching(repo: RepoRecord, head: string, path: string): CommitRecord[] {
  const out: CommitRecord[] = [];
  let next = lastCommitTouching(repo, head, path);
  while (next) {
    out.push(next);
    const parent = next.parents[0];
    next = parent ? lastCommitTouching(repo, parent, path) : undefined;
  }
  return out;
}

/** Lines added and removed between two versions of a file (a minimal diff: the LCS's complement). */
function lineChanges(
  before: string | undefined,
  after: string | undefined,
): { added: number; removed: number } {
  const split = (text: string | undefined) => (text ? text.replace(/\n$/, '').split('\n') : []);
  const a = split(before);
  const b = split(after);
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      row[j] =
        a[i - 1] === b[j - 1]
          ? (previous[j - 1] as number) + 1
          : Math.max(previous[j] as number, row[j - 1] as number);
    }
    previous = row;
  }
  const common = previous[b.length] as number;
  return { added: b.length - common, removed: a.length - common };
}

/** `git diff --shortstat <commit>^ <commit>` (the empty tree for a root commit). */
export function diffShortStat(
  repo: RepoRecord,
  commit: CommitRecord,
): { additions: number; deletions: number } {
  const parent = commit.parents[0] ? mustCommit(repo, commit.parents[0]).files : new Map<string, string>();
  let additions = 0;
  let deletions = 0;
  for (const path of new Set([...parent.keys(), ...commit.files.keys()])) {
    if (parent.get(path) === commit.files.get(path)) continue;
    const { added, removed } = lineChanges(parent.get(path), commit.files.get(path));
    additions += added;
    deletions += removed;
  }
  return { additions, deletions };
}
