import { repoUrls } from '../convert.ts';
import { canWrite } from '../domain/access.ts';
import {
  type ChangeFilesOptions,
  changeFiles,
  cleanGitTreePath,
  defaultChangeMessage,
  type FileChange,
} from '../domain/repos.ts';
import { ApiError } from '../errors.ts';
import { listRecursive, type TreeEntry } from '../git.ts';
import { lastCommitTouching } from '../git-history.ts';
import {
  type ApiResponse,
  bodyArray,
  bodyBool,
  bodyString,
  doerOf,
  json,
  type RequestContext,
  type RouteDef,
  repoOf,
} from '../router.ts';
import { type CommitRecord, formatTime, type GitIdentity, type RepoRecord, ZERO_TIME } from '../state.ts';
import { versionAtLeast } from '../version.ts';
import { type RefCommit, refCommitOf, refWebLinkPath } from './refs.ts';

/**
 * File contents (routers/api/v1/repo/file.go; services/repository/files/content.go for what
 * a path reads as, update.go for what a write checks). Every write is a commit pushed to the
 * branch, with its webhooks.
 */

/** services/repository/files/content.go `getFileContentsByEntryInternal`. */
function contentsOf(
  ctx: RequestContext,
  repo: RepoRecord,
  ref: RefCommit,
  entry: TreeEntry,
  withContent: boolean,
): Record<string, unknown> {
  const { state } = ctx.world;
  const { api, html } = repoUrls(state, repo);
  const isFile = entry.type === 'blob';
  const escaped = entry.path.split('/').map(encodeURIComponent).join('/');
  const self = `${api}/contents/${escaped}?ref=${encodeURIComponent(ref.inputRef)}`;
  const git = `${api}/git/blobs/${entry.sha}`;
  const htmlUrl = `${html}/src/${refWebLinkPath(ref)}/${escaped}`;
  const last = lastCommitTouching(repo, ref.sha, entry.path) as CommitRecord;
  const content = withContent && isFile ? Buffer.from(ref.commit.files.get(entry.path) ?? '', 'utf8') : null;
  return {
    name: entry.name,
    path: entry.path,
    sha: entry.sha,
    last_commit_sha: last.sha,
    last_committer_date: formatTime(last.committedAt),
    last_author_date: formatTime(last.when),
    type: isFile ? 'file' : 'dir',
    size: entry.size,
    encoding: content ? 'base64' : null,
    content: content ? content.toString('base64') : null,
    target: null,
    url: self,
    html_url: htmlUrl,
    git_url: git,
    download_url: isFile ? `${html}/raw/${refWebLinkPath(ref)}/${escaped}` : null,
    submodule_git_url: null,
    _links: { self, git, html: htmlUrl },
  };
}

function entryAt(commit: CommitRecord, path: string): TreeEntry | undefined {
  return listRecursive(commit.tree).find((entry) => entry.path === path);
}

/** `object does not exist [id: , rel_path: …]`: the first missing part of the path, as GetTreeEntryByPath finds it. */
function missingEntryMessage(commit: CommitRecord, path: string): string {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    if (!commit.tree.subtrees.has(parts.slice(0, i).join('/'))) {
      return `object does not exist [id: , rel_path: ${parts[i - 1]}]`;
    }
  }
  return `object does not exist [id: , rel_path: ${path}]`;
}

/**
 * `GetContents` / `GetContentsList`: a file with its content, or a directory's entries without
 * theirs. A missing path is a 404 with message `GetContentsOrList` and the git error.
 */
function getContents(ctx: RequestContext, rawPath: string): ApiResponse {
  const repo = repoOf(ctx);
  const ref = refCommitOf(ctx, ctx.query.get('ref')?.trim() ?? '');
  const path = cleanGitTreePath(rawPath);
  if (path === '' && rawPath.replace(/\/+/g, '') !== '') {
    throw new ApiError(500, `path contains a malformed path component [path: ${rawPath}]`);
  }
  const tree = path === '' ? ref.commit.tree : ref.commit.tree.subtrees.get(path);
  if (tree)
    return json(
      200,
      tree.entries.map((entry) => contentsOf(ctx, repo, ref, entry, false)),
    );
  const entry = entryAt(ref.commit, path);
  if (!entry) throw new ApiError(404, 'GetContentsOrList', false, [missingEntryMessage(ref.commit, path)]);
  return json(200, contentsOf(ctx, repo, ref, entry, true));
}

/** services/repository/files/file.go `GetFileCommitResponse`: CommitMeta parts carry no time. */
function fileCommit(ctx: RequestContext, repo: RepoRecord, commit: CommitRecord) {
  const { api, html } = repoUrls(ctx.world.state, repo);
  const person = (who: GitIdentity, when: Date) => ({
    name: who.name,
    email: who.email,
    date: formatTime(when),
  });
  return {
    url: `${api}/git/commits/${commit.sha}`,
    sha: commit.sha,
    created: ZERO_TIME,
    html_url: `${html}/commit/${commit.sha}`,
    author: person(commit.author, commit.when),
    committer: person(commit.committer, commit.committedAt),
    parents: commit.parents.map((sha) => ({ url: `${api}/git/commits/${sha}`, sha, created: ZERO_TIME })),
    message: commit.message,
    tree: { url: `${api}/git/trees/${commit.tree.sha}`, sha: commit.tree.sha, created: ZERO_TIME },
  };
}

/** services/asymkey `GetPayloadCommitVerification` for an unsigned commit. */
const UNSIGNED = {
  verified: false,
  reason: 'gpg.error.not_signed_commit',
  signature: '',
  signer: null,
  payload: '',
};

function decodeContent(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    // routers/api/v1/repo/file.go base64Reader: Go's StdEncoding error.
    const at = text.search(/[^A-Za-z0-9+/=]/);
    throw new ApiError(
      422,
      `illegal base64 data at input byte ${at >= 0 ? at : text.length - (text.length % 4)}`,
    );
  }
  return Buffer.from(text, 'base64').toString('utf8');
}

function identity(value: unknown): GitIdentity | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { name, email } = value as Record<string, unknown>;
  const out = { name: typeof name === 'string' ? name : '', email: typeof email === 'string' ? email : '' };
  return out.name || out.email ? out : undefined;
}

function date(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) || parsed.getTime() <= -62135596800000 ? undefined : parsed;
}

/**
 * `ReqChangeRepoFileOptionsAndCheck` (1.25, 1.26; `reqRepoBranchWriter` in 1.24): after the
 * body is bound, the doer must be able to write to the branch, then the options every file
 * route shares.
 */
function commitOptions(ctx: RequestContext, changes: readonly FileChange[]): ChangeFilesOptions {
  const repo = repoOf(ctx);
  const doer = doerOf(ctx);
  if (!canWrite(repo, doer)) {
    throw new ApiError(
      403,
      versionAtLeast(ctx.world.state.version, 1, 25)
        ? 'user should have a permission to write to the target branch'
        : 'user should have a permission to write to this branch',
    );
  }
  const dates = (ctx.body.dates ?? {}) as Record<string, unknown>;
  return {
    branch: bodyString(ctx, 'branch'),
    newBranch: bodyString(ctx, 'new_branch'),
    message: bodyString(ctx, 'message') || defaultChangeMessage(changes),
    forcePush: bodyBool(ctx, 'force_push'),
    author: identity(ctx.body.author),
    committer: identity(ctx.body.committer),
    authorDate: date(dates.author),
    committerDate: date(dates.committer),
  };
}

/** The files of a write as the new branch head has them (`GetFilesResponseFromCommit`). */
function writeResponse(ctx: RequestContext, opts: ChangeFilesOptions, commit: CommitRecord, paths: string[]) {
  const repo = repoOf(ctx);
  const branch = opts.newBranch || opts.branch || repo.defaultBranch;
  const ref: RefCommit = { inputRef: branch, kind: 'branch', commit, sha: commit.sha };
  return {
    files: paths.map((raw) => {
      const path = cleanGitTreePath(raw);
      const entry = entryAt(commit, path);
      return entry && entry.type === 'blob' ? contentsOf(ctx, repo, ref, entry, true) : null;
    }),
    commit: fileCommit(ctx, repo, commit),
    verification: UNSIGNED,
  };
}

/** One file changed through `POST`, `PUT` or `DELETE …/contents/{path}` (`GetFileResponseFromFilesResponse`). */
function singleFileChange(ctx: RequestContext, change: FileChange, status: number): ApiResponse {
  const repo = repoOf(ctx);
  const opts = commitOptions(ctx, [change]);
  const commit = changeFiles(ctx.world, repo, doerOf(ctx), [change], opts);
  const { files, ...rest } = writeResponse(ctx, opts, commit, [change.path]);
  return json(status, { content: files[0] ?? null, ...rest });
}

export const contentRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/contents',
    handle: (ctx) => getContents(ctx, ''),
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/contents/{filepath}',
    handle: (ctx) => getContents(ctx, ctx.params.filepath ?? ''),
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/contents/{filepath}',
    access: 'signed',
    handle: (ctx) =>
      singleFileChange(
        ctx,
        { operation: 'create', path: ctx.params.filepath ?? '', content: decodeContent(ctx.body.content) },
        201,
      ),
  },
  {
    // 1.26 (UpdateFileOptions.SHA optional): without a sha this creates the file and answers
    // 201. 1.24 and 1.25 require the sha (`binding:"Required"`) and always update.
    method: 'PUT',
    path: '/repos/{owner}/{repo}/contents/{filepath}',
    access: 'signed',
    handle: (ctx) => {
      const path = ctx.params.filepath ?? '';
      const sha = bodyString(ctx, 'sha') ?? '';
      const shaOptional = versionAtLeast(ctx.world.state.version, 1, 26);
      if (!shaOptional && sha === '') throw new ApiError(422, '[SHA]: Required');
      const content = decodeContent(ctx.body.content);
      const fromPath = bodyString(ctx, 'from_path');
      const create = shaOptional && sha === '';
      const change: FileChange = { operation: create ? 'create' : 'update', path, content, sha, fromPath };
      return singleFileChange(ctx, change, create ? 201 : 200);
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/contents/{filepath}',
    access: 'signed',
    handle: (ctx) =>
      singleFileChange(
        ctx,
        { operation: 'delete', path: ctx.params.filepath ?? '', sha: bodyString(ctx, 'sha') },
        200,
      ),
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/contents',
    access: 'signed',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const changes: FileChange[] = (bodyArray(ctx, 'files') ?? []).map((raw: unknown) => {
        const file = (raw ?? {}) as Record<string, unknown>;
        return {
          operation: String(file.operation ?? ''),
          path: String(file.path ?? ''),
          content: decodeContent(file.content),
          ...(typeof file.sha === 'string' && file.sha !== '' ? { sha: file.sha } : {}),
          ...(typeof file.from_path === 'string' && file.from_path !== ''
            ? { fromPath: file.from_path }
            : {}),
        };
      });
      const opts = commitOptions(ctx, changes);
      const commit = changeFiles(ctx.world, repo, doerOf(ctx), changes, opts);
      return json(
        201,
        writeResponse(
          ctx,
          opts,
          commit,
          changes.map((c) => c.path),
        ),
      );
    },
  },
];
