import { createHash } from 'node:crypto';
import type { RepoReader } from '../../src/context/types.ts';

type ReaderMethod = 'getRepo' | 'getBranchHead' | 'getTree' | 'getFile';

export interface FakeRepoOptions {
  defaultBranch?: string;
  description?: string;
  /** Reported sizes that differ from the text's byte length (to model huge files cheaply). */
  sizes?: Record<string, number>;
  /** Gitea cut the tree listing short. */
  truncated?: boolean;
}

/**
 * An in-memory repository behind the `RepoReader` interface, with Gitea's behaviour where it
 * matters: an empty repository has no branch head, unknown branches and commits are errors,
 * missing files are null, the recursive tree lists directories as `tree` entries. Every call is
 * recorded, and how many file reads were in flight at once is tracked.
 */
export class FakeRepoReader implements RepoReader {
  readonly calls: Array<{ method: ReaderMethod; args: string[] }> = [];
  #commits = new Map<string, Record<string, string>>();
  #head: string | null = null;
  #inFlight = 0;
  maxConcurrentReads = 0;
  readonly #options: FakeRepoOptions;

  constructor(files: Record<string, string> | null, options: FakeRepoOptions = {}) {
    this.#options = options;
    if (files) this.push(files);
  }

  /** Makes a new commit with exactly these files on the default branch; returns its sha. */
  push(files: Record<string, string>): string {
    const hash = createHash('sha1');
    for (const path of Object.keys(files).sort()) hash.update(`${path}\0${files[path]}\0`);
    hash.update(String(this.#commits.size));
    const sha = hash.digest('hex');
    this.#commits.set(sha, { ...files });
    this.#head = sha;
    return sha;
  }

  get head(): string {
    if (!this.#head) throw new Error('the fake repository has no commits');
    return this.#head;
  }

  callsTo(method: ReaderMethod): Array<{ method: ReaderMethod; args: string[] }> {
    return this.calls.filter((call) => call.method === method);
  }

  async getRepo(): Promise<{ defaultBranch: string; description: string; empty: boolean }> {
    this.calls.push({ method: 'getRepo', args: [] });
    return {
      defaultBranch: this.#options.defaultBranch ?? 'main',
      description: this.#options.description ?? '',
      empty: this.#head === null,
    };
  }

  async getBranchHead(branch: string): Promise<string> {
    this.calls.push({ method: 'getBranchHead', args: [branch] });
    if (branch !== (this.#options.defaultBranch ?? 'main') || this.#head === null) {
      throw new Error(`branch ${branch} not found (404)`);
    }
    return this.#head;
  }

  async getTree(sha: string): Promise<{
    entries: Array<{ path: string; type: 'blob' | 'tree'; size: number }>;
    truncated: boolean;
  }> {
    this.calls.push({ method: 'getTree', args: [sha] });
    const files = this.#commitFiles(sha);
    const dirs = new Set<string>();
    const entries: Array<{ path: string; type: 'blob' | 'tree'; size: number }> = [];
    for (const [path, text] of Object.entries(files)) {
      const segments = path.split('/');
      for (let i = 1; i < segments.length; i++) dirs.add(segments.slice(0, i).join('/'));
      entries.push({ path, type: 'blob', size: this.#options.sizes?.[path] ?? Buffer.byteLength(text) });
    }
    for (const dir of dirs) entries.push({ path: dir, type: 'tree', size: 0 });
    entries.sort((a, b) => a.path.localeCompare(b.path));
    return { entries, truncated: this.#options.truncated ?? false };
  }

  async getFile(path: string, ref: string): Promise<string | null> {
    this.calls.push({ method: 'getFile', args: [path, ref] });
    const files = this.#commitFiles(ref);
    this.#inFlight++;
    this.maxConcurrentReads = Math.max(this.maxConcurrentReads, this.#inFlight);
    try {
      // Yield to the event loop like a network read, so concurrent reads really overlap.
      await new Promise((resolve) => setImmediate(resolve));
      return files[path] ?? null;
    } finally {
      this.#inFlight--;
    }
  }

  #commitFiles(sha: string): Record<string, string> {
    const files = this.#commits.get(sha);
    if (!files) throw new Error(`commit ${sha} not found (404)`);
    return files;
  }
}
