import { GiteaNotFoundError } from './errors.ts';
import { readBody, seg, segs } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { type GiteaBranch, type GiteaTree, type GiteaTreeEntry, toBranch, toTreeEntry } from './types.ts';

/** What a repository holds: branches, trees and file contents. */

export interface GetTreeOptions {
  recursive?: boolean;
  /** Guard for huge repositories; the result is marked truncated when reached. Default 100 000. */
  maxEntries?: number;
}

const TREE_PAGE_SIZE = 1000;

export class GiteaContents {
  constructor(private readonly t: GiteaTransport) {}

  async branch(owner: string, repo: string, branch: string): Promise<GiteaBranch> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.repoGetBranch(seg(owner), seg(repo), segs(branch), p),
    );
    return readBody(this.t, response, toBranch);
  }

  /** The tree at a commit (or ref), every page of it. */
  async tree(owner: string, repo: string, sha: string, options: GetTreeOptions = {}): Promise<GiteaTree> {
    const maxEntries = options.maxEntries ?? 100_000;
    const entries: GiteaTreeEntry[] = [];
    let treeSha = sha;
    for (let page = 1; ; page++) {
      const response = await this.t.call('idempotent', (p) =>
        this.t.api.repos.getTree(
          seg(owner),
          seg(repo),
          seg(sha),
          { recursive: options.recursive ?? true, page, per_page: TREE_PAGE_SIZE },
          p,
        ),
      );
      const data = readBody(this.t, response, (tree) => ({
        ...tree,
        entries: (tree.tree ?? []).map(toTreeEntry),
      }));
      treeSha = data.sha ?? treeSha;
      const pageEntries = data.entries;
      entries.push(...pageEntries);
      if (entries.length >= maxEntries) {
        const more = data.truncated === true || entries.length > maxEntries;
        return { sha: treeSha, entries: entries.slice(0, maxEntries), truncated: more };
      }
      const total = data.total_count;
      const done =
        pageEntries.length === 0 ||
        data.truncated !== true ||
        (total !== undefined && entries.length >= total);
      if (done) return { sha: treeSha, entries, truncated: false };
    }
  }

  /** A file's text at `ref` (default branch when omitted), or null when there is no such file. */
  async file(owner: string, repo: string, path: string, ref?: string): Promise<string | null> {
    try {
      const response = await this.t.call('idempotent', (p) =>
        this.t.api.repos.repoGetRawFile(
          seg(owner),
          seg(repo),
          segs(path.replace(/^\/+/, '')),
          ref ? { ref } : {},
          {
            ...p,
            format: 'text',
          },
        ),
      );
      const text: unknown = response.data;
      return typeof text === 'string' ? text : '';
    } catch (error) {
      if (error instanceof GiteaNotFoundError) return null;
      throw error;
    }
  }
}
