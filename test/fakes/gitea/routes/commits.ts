import { repoUrls, toUser } from '../convert.ts';
import { ApiError } from '../errors.ts';
import { commitsTouching, diffShortStat, revList } from '../git-history.ts';
import { listOptions, pageOf, paginationHeaders } from '../pagination.ts';
import { json, queryTime, type RequestContext, type RouteDef, repoOf } from '../router.ts';
import { type CommitRecord, formatTime, type GitIdentity, type RepoRecord, ZERO_TIME } from '../state.ts';

/** Commits (routers/api/v1/repo/commits.go; services/convert/git_commit.go `ToCommit`). */

/** services/convert/git_commit.go `ParseCommitOptions`: each part is on unless asked off. */
function commitOptions(ctx: RequestContext) {
  const on = (name: string) => {
    const value = ctx.query.get(name);
    return value === null || value === '' || ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
  };
  return { stat: on('stat'), files: on('files'), verification: on('verification') };
}

/** The one ref-name rule the API applies to `{sha}` (modules/git/ref.go `IsValidRefPattern`). */
function isValidRefPattern(name: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: git's rule forbids control characters
  const invalid = /[\u0000-\u001f\u007f \\~^:?*[]|^[/.]|\/\.|\.lock$|\.lock\/|\.\.|\/\/|@\{|[/.]$|^@$/;
  return !invalid.test(name);
}

/**
 * `ToCommit`: the API commit with the users behind the author and committer emails. Gitea
 * puts the commit's own sha in `commit.tree` (not the tree's), and gives parents no time.
 */
function toCommit(ctx: RequestContext, repo: RepoRecord, commit: CommitRecord) {
  const { state } = ctx.world;
  const { api, html } = repoUrls(state, repo);
  const opts = commitOptions(ctx);
  const userOf = (who: GitIdentity) => {
    const user = state.userByEmail(who.email);
    return user ? toUser(state, user) : null;
  };
  const signature = (who: GitIdentity, when: Date) => ({
    name: who.name,
    email: who.email,
    date: formatTime(when),
  });
  const stats = opts.stat ? diffShortStat(repo, commit) : null;
  return {
    url: `${api}/git/commits/${commit.sha}`,
    sha: commit.sha,
    created: formatTime(commit.committedAt),
    html_url: `${html}/commit/${commit.sha}`,
    commit: {
      url: `${api}/git/commits/${commit.sha}`,
      author: signature(commit.author, commit.when),
      committer: signature(commit.committer, commit.committedAt),
      message: commit.message,
      tree: {
        url: `${api}/git/trees/${commit.sha}`,
        sha: commit.sha,
        created: formatTime(commit.committedAt),
      },
      verification: opts.verification
        ? { verified: false, reason: 'gpg.error.not_signed_commit', signature: '', signer: null, payload: '' }
        : null,
    },
    author: userOf(commit.author),
    committer: userOf(commit.committer),
    parents: commit.parents.map((sha) => ({ url: `${api}/git/commits/${sha}`, sha, created: ZERO_TIME })),
    files: opts.files
      ? [
          ...commit.added.map((filename) => ({ filename, status: 'added' })),
          ...commit.removed.map((filename) => ({ filename, status: 'removed' })),
          ...commit.modified.map((filename) => ({ filename, status: 'modified' })),
        ]
      : null,
    stats: stats ? { total: stats.additions + stats.deletions, ...stats } : null,
  };
}

/** modules/git setting.Git.CommitsRangeSize: the most commits one page holds. */
const COMMITS_RANGE_SIZE = 50;

export const commitRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/git/commits/{sha}',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const sha = ctx.params.sha ?? '';
      if (!isValidRefPattern(sha)) throw new ApiError(422, `no valid ref or sha: ${sha}`);
      const commit = ctx.world.state.resolveRef(repo, sha);
      if (!commit) throw new ApiError(404, `commit doesn't exist: ${sha}`, false, null);
      return json(200, toCommit(ctx, repo, commit));
    },
  },
  {
    // `GetAllCommits`: from `sha` (default: the default branch), optionally only those that
    // changed `path`, minus what `not` reaches, within since/until (committer date), newest
    // first, a page at a time with Gitea's X-* paging headers.
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const { state } = ctx.world;
      const since = queryTimeOrRefuse(ctx, 'since');
      const until = queryTimeOrRefuse(ctx, 'until');
      const opts = listOptions(ctx.query);
      opts.limit = Math.min(opts.limit, COMMITS_RANGE_SIZE);
      const sha = ctx.query.get('sha') ?? '';
      const path = ctx.query.get('path') ?? '';
      const not = ctx.query.get('not') ?? '';
      const base = state.resolveRef(repo, sha || repo.defaultBranch);
      if (!base && path) throw new ApiError(500, `Gitea fake: git cannot count the commits of ${sha}`);
      // NotFoundOrServerError: a 404 whose body is JSON null.
      if (!base) return json(404, null);
      const excluded = not ? state.resolveRef(repo, not) : undefined;
      let commits = path ? commitsTouching(repo, base.sha, path) : revList(repo, base.sha);
      if (excluded) {
        const hidden = new Set(revList(repo, excluded.sha).map((c) => c.sha));
        commits = commits.filter((c) => !hidden.has(c.sha));
      }
      commits = commits.filter(
        (c) => (!since || c.committedAt >= since) && (!until || c.committedAt <= until),
      );
      if (path && commits.length === 0) throw new ApiError(404, 'FileCommitsCount', false, null);
      const pageCount = Math.ceil(commits.length / opts.limit);
      const headers = {
        ...paginationHeaders(ctx.url, state.baseUrl, commits.length, opts),
        'X-Page': String(opts.page),
        'X-PerPage': String(opts.limit),
        'X-Total': String(commits.length),
        'X-PageCount': String(pageCount),
        'X-HasMore': String(opts.page < pageCount),
      };
      return json(
        200,
        pageOf(commits, opts).map((commit) => toCommit(ctx, repo, commit)),
        headers,
      );
    },
  },
];

function queryTimeOrRefuse(ctx: RequestContext, key: 'since' | 'until'): Date | undefined {
  try {
    return queryTime(ctx, key);
  } catch {
    throw new ApiError(422, `invalid '${key}' format, expected ISO 8601 (RFC3339)`);
  }
}
