import { repoUrls, toBranch, toRepo, toUser } from '../convert.ts';
import { accessMode } from '../domain/access.ts';
import { createBranch } from '../domain/repos.ts';
import { ApiError, forbidden, notFound } from '../errors.ts';
import { listRecursive } from '../git.ts';
import {
  bodyString,
  doerOf,
  json,
  noContent,
  paged,
  type RequestContext,
  type RouteDef,
  repoOf,
} from '../router.ts';
import { AccessMode, accessModeName, type CommitRecord, type RepoRecord } from '../state.ts';

/** Repository metadata, branches, trees, file contents and collaborator permissions. */

const DEFAULT_GIT_TREES_PER_PAGE = 1000;

function commitAt(ctx: RequestContext, ref: string | null): CommitRecord {
  const repo = repoOf(ctx);
  const commit = ctx.world.state.resolveRef(repo, ref || repo.defaultBranch);
  if (!commit) throw notFound(`object does not exist [id: ${ref ?? ''}, rel_path: ]`);
  return commit;
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
    // routers/api/v1/repo/branch.go `CreateBranch`: from `old_ref_name` (any ref; a missing
    // one is GetCommit's 500), else the deprecated `old_branch_name` (404 `The old branch does
    // not exist`), else the default branch. 201 with the branch; create and push webhooks.
    method: 'POST',
    path: '/repos/{owner}/{repo}/branches',
    access: 'write',
    handle: (ctx) => {
      const repo = repoOf(ctx);
      const { state } = ctx.world;
      const name = bodyString(ctx, 'new_branch_name') ?? '';
      const oldRef = bodyString(ctx, 'old_ref_name') ?? '';
      const oldBranch = bodyString(ctx, 'old_branch_name') ?? '';
      let from: CommitRecord | undefined;
      if (oldRef !== '') {
        from = state.resolveRef(repo, oldRef);
        if (!from) throw new ApiError(500, `object does not exist [id: ${oldRef}, rel_path: ]`);
      } else if (oldBranch !== '') {
        const sha = repo.branches.get(oldBranch);
        if (!sha) throw new ApiError(404, 'The old branch does not exist');
        from = repo.commits.get(sha);
      } else {
        from = repo.commits.get(repo.branches.get(repo.defaultBranch) ?? '');
      }
      if (!from) throw new ApiError(500, 'the base commit is gone');
      createBranch(ctx.world, repo, doerOf(ctx), name, from.sha);
      return json(201, toBranch(state, repo, name, from));
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
