import { repoUrls, toBranch, toRepo, toUser } from '../convert.ts';
import { accessMode } from '../domain/access.ts';
import { ApiError, forbidden, notFound } from '../errors.ts';
import { listRecursive, type TreeEntry } from '../git.ts';
import { doerOf, json, noContent, paged, type RequestContext, type RouteDef, repoOf } from '../router.ts';
import { AccessMode, accessModeName, type CommitRecord, type RepoRecord } from '../state.ts';

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
