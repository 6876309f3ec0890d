import { ApiError, notFound } from '../errors.ts';
import {
  type CommitRecord,
  gitIdentityOf,
  type IssueRecord,
  type LabelRecord,
  type RepoRecord,
  type UserRecord,
} from '../state.ts';
import type { World } from '../world.ts';
import { canWrite } from './access.ts';
import { changeIssueStatus, insertIssue, openDependencies } from './issues.ts';
import { announceBranchUpdate } from './repos.ts';
import { markReviewsStale } from './reviews.ts';

/**
 * Pull requests (services/pull): same-repository branches only. A merge into the default
 * branch closes the issues its title or body closes with a keyword (`Closes #12`), as Gitea's
 * cross-reference resolution does.
 */

const CLOSING_REF =
  /(?:^|[\s([])(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:([\w.-]+\/[\w.-]+))?#(\d+)(?![\w#])/gi;

/** Issue numbers in this repository that `text` closes by keyword. */
export function closingReferences(text: string, repoFullName: string): number[] {
  const numbers: number[] = [];
  for (const match of text.matchAll(CLOSING_REF)) {
    const repoRef = match[1];
    if (repoRef && repoRef.toLowerCase() !== repoFullName.toLowerCase()) continue;
    const n = Number(match[2]);
    if (!numbers.includes(n)) numbers.push(n);
  }
  return numbers;
}

function headBranchName(world: World, repo: RepoRecord, head: string): string {
  const colon = head.indexOf(':');
  if (colon < 0) return head;
  const owner = head.slice(0, colon);
  if (owner.toLowerCase() !== world.state.repoOwner(repo).login.toLowerCase()) {
    // Pull requests from forks are outside what the fake models.
    throw notFound(`head repository of "${head}" does not exist`);
  }
  return head.slice(colon + 1);
}

export function createPullRequest(
  world: World,
  repo: RepoRecord,
  poster: UserRecord,
  opts: { head: string; base: string; title: string; body?: string; labels?: LabelRecord[] },
): IssueRecord {
  const headBranch = headBranchName(world, repo, opts.head);
  const baseSha = repo.branches.get(opts.base);
  const headSha = repo.branches.get(headBranch);
  if (!baseSha || !headSha) throw notFound();
  if (headBranch === opts.base) {
    throw new ApiError(422, 'Invalid PullRequest: There are no changes between the head and the base');
  }
  for (const issue of repo.issues.values()) {
    const pull = issue.pull;
    if (pull && !issue.isClosed && pull.headBranch === headBranch && pull.baseBranch === opts.base) {
      throw new ApiError(
        409,
        `pull request already exists for these targets [id: ${pull.id}, issue_id: ${issue.id}, head_repo_id: ${repo.id}, base_repo_id: ${repo.id}, head_branch: ${headBranch}, base_branch: ${opts.base}]`,
      );
    }
  }
  const labels = canWrite(repo, poster) ? (opts.labels ?? []) : [];
  const issue = insertIssue(world, repo, poster, {
    title: opts.title,
    body: opts.body,
    labels,
    pull: {
      headBranch,
      baseBranch: opts.base,
      headSha,
      mergeBase: baseSha,
      merged: false,
      mergedAt: null,
      mergedById: null,
      mergeCommitSha: null,
    },
  });
  world.notify.opened(repo, issue);
  if (issue.labelIds.length > 0) world.notify.labelsUpdated(repo, issue, poster);
  return issue;
}

/** After a push to `branch`: every open pull request with that head moves and fires `synchronized`. */
export function synchronizePulls(world: World, repo: RepoRecord, pusher: UserRecord, branch: string): void {
  const head = repo.branches.get(branch);
  if (!head) return;
  for (const issue of repo.issues.values()) {
    const pull = issue.pull;
    if (!pull || issue.isClosed || pull.headBranch !== branch || pull.headSha === head) continue;
    pull.headSha = head;
    issue.updatedAt = world.state.now();
    markReviewsStale(world, issue, head);
    world.notify.synchronized(repo, issue, pusher);
  }
}

export const MERGE_STYLES = [
  'merge',
  'rebase',
  'rebase-merge',
  'squash',
  'fast-forward-only',
  'manually-merged',
];

function mergedFiles(
  repo: RepoRecord,
  base: CommitRecord,
  head: CommitRecord,
  mergeBase: string,
): Map<string, string> {
  const ancestor = repo.commits.get(mergeBase)?.files ?? new Map<string, string>();
  const files = new Map(base.files);
  for (const [path, content] of head.files) if (ancestor.get(path) !== content) files.set(path, content);
  for (const path of ancestor.keys()) if (!head.files.has(path)) files.delete(path);
  return files;
}

export function mergePullRequest(
  world: World,
  repo: RepoRecord,
  issue: IssueRecord,
  doer: UserRecord,
  opts: { style: string; title?: string; message?: string; headCommitId?: string; deleteBranch?: boolean },
): void {
  const { state } = world;
  const pull = issue.pull;
  if (!pull) throw notFound();
  if (!canWrite(repo, doer)) throw new ApiError(405, 'User not allowed to merge PR');
  if (pull.merged) throw new ApiError(405, '');
  if (issue.isClosed) throw notFound();
  if (opts.headCommitId && opts.headCommitId !== pull.headSha) throw new ApiError(409, 'head out of date');
  if (!MERGE_STYLES.includes(opts.style)) throw new ApiError(405, 'Invalid merge style');
  if (openDependencies(world, issue).length > 0) {
    throw new ApiError(412, 'cannot merge this pull request because it still has open dependencies');
  }
  const baseSha = repo.branches.get(pull.baseBranch);
  const base = baseSha ? repo.commits.get(baseSha) : undefined;
  const head = repo.commits.get(pull.headSha);
  if (!base || !head) throw new ApiError(500, 'base or head branch is gone');

  const title =
    opts.title ||
    `Merge pull request '${issue.title}' (#${issue.index}) from ${pull.headBranch} into ${pull.baseBranch}`;
  const message = opts.message ? `${title}\n\n${opts.message}` : title;
  let merged: CommitRecord;
  if (base.sha === pull.mergeBase && (opts.style === 'fast-forward-only' || opts.style === 'rebase')) {
    merged = head;
  } else if (opts.style === 'fast-forward-only') {
    throw new ApiError(405, 'Fast-forward-only merge is not possible: the base branch has moved on');
  } else {
    const files = mergedFiles(repo, base, head, pull.mergeBase);
    const parents =
      opts.style === 'merge' || opts.style === 'rebase-merge' ? [base.sha, head.sha] : [base.sha];
    merged = state.addCommit(repo, { files, parents, message, author: gitIdentityOf(doer) });
  }
  repo.branches.set(pull.baseBranch, merged.sha);

  const now = state.now();
  pull.merged = true;
  pull.mergedAt = now;
  pull.mergedById = doer.id;
  pull.mergeCommitSha = merged.sha;
  issue.isClosed = true;
  issue.closedAt = now;
  issue.updatedAt = now;
  world.notify.merged(repo, issue, doer);

  if (pull.baseBranch === repo.defaultBranch) {
    for (const n of closingReferences(`${issue.title}\n${issue.body}`, state.fullName(repo))) {
      const target = repo.issues.get(n);
      if (!target || target.pull || target.isClosed) continue;
      try {
        changeIssueStatus(world, repo, target, doer, true, merged.sha);
      } catch (error) {
        // Gitea leaves an issue with open dependencies open and still completes the merge.
        if (!(error instanceof ApiError && error.status === 412)) throw error;
      }
    }
  }
  announceBranchUpdate(world, repo, doer, pull.baseBranch, base.sha, merged.sha);
  if (opts.deleteBranch) repo.branches.delete(pull.headBranch);
}
