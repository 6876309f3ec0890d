import type { RepoReader } from '../context/types.ts';
import type { GiteaClient } from './client.ts';

/**
 * The context indexer's read-only view of one repository, over the Gitea client. Submodule
 * entries (`commit`) are left out of the tree: they have no content to read.
 */
export function giteaRepoReader(
  client: Pick<GiteaClient, 'getRepo' | 'getBranch' | 'getTree' | 'getFileContent'>,
  owner: string,
  repo: string,
): RepoReader {
  return {
    async getRepo() {
      const found = await client.getRepo(owner, repo);
      return { defaultBranch: found.defaultBranch, description: found.description, empty: found.empty };
    },
    async getBranchHead(branch) {
      return (await client.getBranch(owner, repo, branch)).headSha;
    },
    async getTree(sha) {
      const tree = await client.getTree(owner, repo, sha, { recursive: true });
      const entries = tree.entries.flatMap((entry) =>
        entry.type === 'commit' ? [] : [{ path: entry.path, type: entry.type, size: entry.size }],
      );
      return { entries, truncated: tree.truncated };
    },
    getFile(path, ref) {
      return client.getFileContent(owner, repo, path, ref);
    },
  };
}
