import { repoUrls, toBranch, toRepo, toUser } from '../convert.ts';
import { accessMode } from '../domain/access.ts';
import { changeFiles, type FileChange } from '../domain/repos.ts';
import { ApiError, forbidden, notFound } from '../errors.ts';
import { listRecursive, type TreeEntry } from '../git.ts';
import {
  type ApiResponse,
  bodyArray,
  bodyString,
  doerOf,
  json,
  noContent,
  paged,
  type RequestContext,
  type RouteDef,
  repoOf,
} from '../router.ts';
import { AccessMode, accessModeName, type CommitRecord, formatTime, type RepoRecord } from '../state.ts';

/** Repository metadata, branches, trees, file contents and collaborator permissions. */

const DEFAULT_GIT_TREES_PER_PAGE = 1000;

function commitAt(ctx: RequestContext, ref: string | null): CommitRecord {
  const repo = repoOf(ctx);
  const commit = ctx.world.state.resolveRef(repo, ref || repo.defaultBranch);
  if (!commit) throw notFound(`object does not exist [id: ${ref ?? ''}, rel_path: ]`);
  return commit;
}

function contentEntry(
  ctx: RequestContext,
  repo: RepoRecord,
  commit: CommitRecord,
  entry: TreeEntry,
  ref: string,
) {
  const { api, html } = repoUrls(ctx.world.state, repo);
  const isFile = entry.type === 'blob';
  const self = `${api}/contents/${encodeURI(entry.path)}?ref=${encodeURIComponent(ref)}`;
  const git = `${api}/git/${isFile ? 'blobs' : 'trees'}/${entry.sha}`;
  const htmlUrl = `${html}/src/branch/${ref}/${encodeURI(entry.path)}`;
  return {
    name: entry.name,
    path: entry.path,
    sha: entry.sha,
    last_commit_sha: commit.sha,
    type: isFile ? 'file' : 'dir',
    size: entry.size,
    encoding: null as string | null,
    content: null as string | null,
    target: null,
    url: self,
    html_url: htmlUrl,
    git_url: git,
    download_url: isFile ? `${html}/raw/branch/${ref}/${encodeURI(entry.path)}` : null,
    submodule_git_url: null,
    _links: { self, git, html: htmlUrl },
  };
}

function findEntry(commit: CommitRecord, path: string): TreeEntry | undefined {
  return listRecursive(commit.tree).find((entry) => entry.path === path);
}

/** `/raw/{filepath}` without `?ref=`: the leading segments may name a branch or a commit. */
function splitRefAndPath(
  repo: RepoRecord,
  ctx: RequestContext,
  filepath: string,
): { commit: CommitRecord; path: string } {
  const { state } = ctx.world;
  const explicit = ctx.query.get('ref');
  if (explicit) return { commit: commitAt(ctx, explicit), path: filepath };
  const parts = filepath.split('/');
  for (let i = parts.length - 1; i >= 1; i--) {
    const commit = state.resolveRef(repo, parts.slice(0, i).join('/'));
    if (commit && !commit.files.has(filepath)) return { commit, path: parts.slice(i).join('/') };
  }
  return { commit: commitAt(ctx, null), path: filepath };
}

function fileCommit(ctx: RequestContext, repo: RepoRecord, commit: CommitRecord) {
  const { state } = ctx.world;
  const { api, html } = repoUrls(state, repo);
  const author = state.userById(commit.authorId);
  const person = { name: author.login, email: author.email, date: formatTime(commit.when) };
  return {
    url: `${api}/git/commits/${commit.sha}`,
    sha: commit.sha,
    created: formatTime(commit.when),
    html_url: `${html}/commit/${commit.sha}`,
    author: person,
    committer: person,
    parents: commit.parents.map((sha) => ({
      url: `${api}/git/commits/${sha}`,
      sha,
      created: formatTime(commit.when),
    })),
    message: commit.message,
    tree: {
      url: `${api}/git/trees/${commit.tree.sha}`,
      sha: commit.tree.sha,
      created: formatTime(commit.when),
    },
  };
}

const UNSIGNED = {
  verified: false,
  reason: 'gpg.error.not_signed_commit',
  signature: '',
  signer: null,
  payload: '',
};

function fileContent(ctx: RequestContext, repo: RepoRecord, commit: CommitRecord, path: string, ref: string) {
  const entry = findEntry(commit, path);
  if (!entry) return null;
  const content = commit.files.get(path) ?? '';
  return {
    ...contentEntry(ctx, repo, commit, entry, ref),
    encoding: 'base64',
    content: Buffer.from(content, 'utf8').toString('base64'),
  };
}

function decodeContent(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : '', 'base64').toString('utf8');
}

/** The branch a file route commits to, and the options every file route shares. */
function commitOptions(ctx: RequestContext) {
  return {
    branch: bodyString(ctx, 'branch'),
    newBranch: bodyString(ctx, 'new_branch'),
    message: bodyString(ctx, 'message'),
  };
}

function singleFileChange(ctx: RequestContext, change: FileChange, status: number): ApiResponse {
  const repo = repoOf(ctx);
  const opts = commitOptions(ctx);
  const commit = changeFiles(ctx.world, repo, doerOf(ctx), [change], opts);
  const ref = opts.newBranch || opts.branch || repo.defaultBranch;
  return json(status, {
    content: change.operation === 'delete' ? null : fileContent(ctx, repo, commit, change.path, ref),
    commit: fileCommit(ctx, repo, commit),
    verification: UNSIGNED,
  });
}

export const repoRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      return json(200, toRepo(ctx.world.state, repo, accessMode(repo, ctx.doer)));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/branches',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const names = [...repo.branches.keys()].sort();
      return paged(ctx, names, (name) => toBranch(ctx.world.state, repo, name, commitAt(ctx, name)));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/branches/{branch}',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const name = ctx.params.branch ?? '';
      const sha = repo.branches.get(name);
      const commit = sha ? repo.commits.get(sha) : undefined;
      if (!commit) throw notFound(`branch does not exist [repo_id: ${repo.id} name: ${name}]`);
      return json(200, toBranch(ctx.world.state, repo, name, commit));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/git/trees/{sha}',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const ref = ctx.params.sha ?? '';
      const { state } = ctx.world;
      const commit = state.resolveRef(repo, ref);
      let tree = commit?.tree;
      if (!tree) {
        for (const c of repo.commits.values()) {
          tree = c.tree.sha === ref ? c.tree : [...c.tree.subtrees.values()].find((t) => t.sha === ref);
          if (tree) break;
        }
      }
      if (!tree) throw new ApiError(400, `object does not exist [id: ${ref}, rel_path: ]`);
      const recursive = ['true', '1'].includes(ctx.query.get('recursive') ?? '');
      const entries = recursive ? listRecursive(tree) : tree.entries;
      const page = Math.max(Number.parseInt(ctx.query.get('page') ?? '1', 10) || 1, 1);
      const asked = Number.parseInt(ctx.query.get('per_page') ?? '', 10);
      const perPage = asked > 0 && asked <= DEFAULT_GIT_TREES_PER_PAGE ? asked : DEFAULT_GIT_TREES_PER_PAGE;
      const start = perPage * (page - 1);
      const end = Math.min(start + perPage, entries.length);
      const { api } = repoUrls(state, repo);
      const sha = commit ? commit.sha : tree.sha;
      return json(200, {
        sha,
        url: `${api}/git/trees/${sha}`,
        tree: entries.slice(start, Math.max(start, end)).map((entry) => ({
          path: entry.path,
          mode: entry.mode,
          type: entry.type,
          size: entry.size,
          sha: entry.sha,
          url: `${api}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`,
        })),
        truncated: end < entries.length,
        page,
        total_count: entries.length,
      });
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/contents',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const ref = ctx.query.get('ref') || repo.defaultBranch;
      const commit = commitAt(ctx, ref);
      return json(
        200,
        commit.tree.entries.map((entry) => contentEntry(ctx, repo, commit, entry, ref)),
      );
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/contents/{filepath}',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const ref = ctx.query.get('ref') || repo.defaultBranch;
      const commit = commitAt(ctx, ref);
      const path = (ctx.params.filepath ?? '').replace(/^\/+|\/+$/g, '');
      const entry = findEntry(commit, path);
      if (!entry) throw notFound(`object does not exist [id: ${commit.sha}, rel_path: ${path}]`);
      if (entry.type === 'tree') {
        const tree = commit.tree.subtrees.get(path);
        return json(
          200,
          (tree?.entries ?? []).map((child) => contentEntry(ctx, repo, commit, child, ref)),
        );
      }
      const content = commit.files.get(path) ?? '';
      return json(200, {
        ...contentEntry(ctx, repo, commit, entry, ref),
        encoding: 'base64',
        content: Buffer.from(content, 'utf8').toString('base64'),
      });
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/contents/{filepath}',
    access: 'write',
    handle: (ctx) =>
      singleFileChange(
        ctx,
        { operation: 'create', path: ctx.params.filepath ?? '', content: decodeContent(ctx.body.content) },
        201,
      ),
  },
  {
    method: 'PUT',
    path: '/repos/{owner}/{repo}/contents/{filepath}',
    access: 'write',
    handle: (ctx) => {
      const path = ctx.params.filepath ?? '';
      const sha = bodyString(ctx, 'sha');
      const content = decodeContent(ctx.body.content);
      // Without a sha PUT creates the file (and refuses if it exists); with one it updates it.
      if (!sha) return singleFileChange(ctx, { operation: 'create', path, content }, 201);
      return singleFileChange(ctx, { operation: 'update', path, content, sha }, 200);
    },
  },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/contents/{filepath}',
    access: 'write',
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
    access: 'write',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const changes: FileChange[] = (bodyArray(ctx, 'files') ?? []).map((raw: unknown) => {
        const file = (raw ?? {}) as Record<string, unknown>;
        const operation = String(file.operation ?? '');
        if (operation !== 'create' && operation !== 'update' && operation !== 'delete') {
          throw new ApiError(422, `[Operation]: In`);
        }
        return {
          operation,
          path: String(file.path ?? ''),
          content: decodeContent(file.content),
          ...(typeof file.sha === 'string' ? { sha: file.sha } : {}),
        };
      });
      const opts = commitOptions(ctx);
      const commit = changeFiles(ctx.world, repo, doerOf(ctx), changes, opts);
      const ref = opts.newBranch || opts.branch || repo.defaultBranch;
      return json(201, {
        files: changes.map((c) =>
          c.operation === 'delete' ? null : fileContent(ctx, repo, commit, c.path, ref),
        ),
        commit: fileCommit(ctx, repo, commit),
        verification: UNSIGNED,
      });
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/raw/{filepath}',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const { commit, path } = splitRefAndPath(repo, ctx, ctx.params.filepath ?? '');
      const content = commit.files.get(path);
      if (content === undefined) throw notFound();
      return { status: 200, text: content, contentType: 'text/plain; charset=utf-8' };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/collaborators',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const users = [...repo.collaborators.keys()].map((id) => ctx.world.state.userById(id));
      return paged(ctx, users, (user) => toUser(ctx.world.state, user));
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/collaborators/{collaborator}',
    access: 'signed',
    handle: (ctx) => {
      const user = ctx.world.state.userByLogin(ctx.params.collaborator ?? '');
      if (!user) throw new ApiError(422, `user does not exist [uid: 0, name: ${ctx.params.collaborator}]`);
      return repoOf(ctx).collaborators.has(user.id) ? noContent() : { status: 404 };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/collaborators/{collaborator}/permission',
    access: 'signed',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const doer = doerOf(ctx);
      const { state } = ctx.world;
      const name = ctx.params.collaborator ?? '';
      const isRepoAdmin = accessMode(repo, doer) >= AccessMode.Admin;
      if (!doer.isAdmin && doer.login.toLowerCase() !== name.toLowerCase() && !isRepoAdmin) {
        throw forbidden(
          'Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own',
        );
      }
      const user = state.userByLogin(name);
      if (!user) throw new ApiError(404, `user does not exist [uid: 0, name: ${name}]`);
      const mode = accessModeName(accessMode(repo, user));
      return json(200, { permission: mode, role_name: mode, user: toUser(state, user) });
    },
  },
];
