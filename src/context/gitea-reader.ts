import type { GiteaPick } from '../gitea/client.ts';
import type { RepoReader } from './types.ts';

/**
 * The context indexer's read-only view of one repository, over the Gitea client. Submodule
 * entries (`commit`) are left out of the tree: they have no content to read.
 */
export function giteaRepoReader(
  client: GiteaPick<{ repos: 'get'; contents: 'branch' | 'tree' | 'file' }>,
  owner: string,
  repo: string,
): RepoReader {
  return {
    async getRepo() {
      const found = await client.repos.get(owner, repo);
      return { defaultBranch: found.defaultBranch, description: found.description, empty: found.empty };
    },
    async getBranchHead(branch) {
      return (await client.contents.branch(owner, repo, branch)).headSha;
    },
    async getTree(sha) {
      const tree = await client.contents.tree(owner, repo, sha, { recursive: true });
      const entries = tree.entries.flatMap((entry) =>
        entry.type === 'commit' ? [] : [{ path: entry.path, type: entry.type, size: entry.size }],
      );
      return { entries, truncated: tree.truncated };
    },
    getFile(path, ref) {
      return client.contents.file(owner, repo, path, ref);
    },
  };
}
