import { notFound as notFoundError } from '../errors.ts';
import { type RequestContext, repoOf } from '../router.ts';
import type { CommitRecord } from '../state.ts';

/**
 * routers/api/v1/utils/git.go `ResolveRefCommit`, as the API's `?ref=` and `{ref}` use it: a
 * branch, else a string that looks like a commit id (hex, at least `minLength` characters —
 * the full length unless the route allows less — and at most 40), else a 404
 * (`APIErrorNotFound(err)`: the git error in `errors`).
 */
export interface RefCommit {
  /** The ref as the caller wrote it. */
  inputRef: string;
  kind: 'branch' | 'commit';
  commit: CommitRecord;
  sha: string;
}

export function refCommitOf(ctx: RequestContext, inputRef: string, minLength = 40): RefCommit {
  const repo = repoOf(ctx);
  const ref = inputRef || repo.defaultBranch;
  const notFound = () => notFoundError(`object does not exist [id: ${ref}, rel_path: ]`);
  const branchHead = repo.branches.get(ref);
  if (branchHead) {
    const commit = repo.commits.get(branchHead) as CommitRecord;
    return { inputRef: ref, kind: 'branch', commit, sha: commit.sha };
  }
  if (ref.length < minLength || ref.length > 40 || !/^[0-9a-f]+$/.test(ref)) throw notFound();
  const matches = [...repo.commits.values()].filter((c) => c.sha.startsWith(ref));
  const commit = matches.length === 1 ? matches[0] : undefined;
  if (!commit) throw notFound();
  return { inputRef: ref, kind: 'commit', commit, sha: commit.sha };
}

/** modules/git/ref.go `RefWebLinkPath`: `branch/<name>` or `commit/<sha>`. */
export function refWebLinkPath(ref: RefCommit): string {
  return ref.kind === 'branch'
    ? `branch/${ref.inputRef.split('/').map(encodeURIComponent).join('/')}`
    : `commit/${ref.inputRef}`;
}
