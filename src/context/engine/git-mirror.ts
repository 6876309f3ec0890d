import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepositorySource, SourceEntry } from './source.ts';

/**
 * Shallow clones of repositories on disk, one per repository, fetched by commit over git's
 * smart HTTP with the bot's token (basic auth, token as password, as Gitea accepts). Each is
 * kept within a size budget, and all of them within a total budget (least recently used
 * removed first). Only objects are stored (a bare repository): files are read with
 * `git ls-tree` and `git cat-file`, never checked out.
 */

export interface GitMirrorOptions {
  /** Directory holding the clones (`<root>/<owner>/<name>.git`). */
  root: string;
  /** A repository whose objects exceed this after a fresh shallow fetch is not kept (default 512 MiB). */
  maxRepoBytes?: number;
  /** All clones together (default 4 GiB). */
  maxTotalBytes?: number;
  /** Per git command (default 120 s). */
  timeoutMs?: number;
  /** The `git` binary (default `git` on PATH). */
  gitBinary?: string;
}

export interface GitCredentials {
  username: string;
  /** Sent as the basic-auth password; never written to disk or a command line. */
  token: string;
}

export type MirrorResult =
  | { ok: true; source: GitCommitSource; fetched: boolean; bytes: number }
  | { ok: false; reason: string };

const REPO_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs git with the credentials in the environment (GIT_CONFIG_*), not on its command line. */
function runGit(
  binary: string,
  args: readonly string[],
  options: { credentials?: GitCredentials; timeoutMs: number; input?: Buffer; signal?: AbortSignal },
): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', LC_ALL: 'C' };
  if (options.credentials) {
    const basic = Buffer.from(`${options.credentials.username}:${options.credentials.token}`).toString(
      'base64',
    );
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env,
      stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (err.length < 4_000) err += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
    if (options.input && child.stdin) {
      // A git that exits early (a bad object) closes its input: that is its answer, not a crash.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** Bytes of a git directory's objects (loose and packed). */
async function objectBytes(binary: string, dir: string, timeoutMs: number): Promise<number> {
  const result = await runGit(binary, ['-C', dir, 'count-objects', '-v'], { timeoutMs });
  let kib = 0;
  for (const line of result.stdout.toString('utf8').split('\n')) {
    const match = /^(size|size-pack): (\d+)$/.exec(line.trim());
    if (match) kib += Number(match[2]);
  }
  return kib * 1024;
}

/** A readable summary of a failed git command, with any credential scrubbed. */
function gitFailure(what: string, result: RunResult): string {
  const detail = result.stderr
    .replace(/Authorization: Basic \S+/gi, 'Authorization: Basic ***')
    .replace(/\/\/[^/@\s]+@/g, '//***@')
    .trim()
    .split('\n')
    .slice(-3)
    .join(' ');
  return `${what} failed (git exit ${result.code})${detail ? `: ${detail}` : ''}`;
}

export class GitMirrorStore {
  readonly #options: Required<GitMirrorOptions>;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(options: GitMirrorOptions) {
    this.#options = {
      maxRepoBytes: 512 * 1024 * 1024,
      maxTotalBytes: 4 * 1024 * 1024 * 1024,
      timeoutMs: 120_000,
      gitBinary: 'git',
      ...options,
    };
  }

  directoryOf(repo: string): string {
    const [owner = '', name = ''] = repo.toLowerCase().split('/');
    return join(this.#options.root, owner, `${name}.git`);
  }

  /**
   * Makes `commitSha` of `repo` available locally, fetching only what is missing (a push
   * fetches the new commit's objects, shallowly). Never throws for the repository's sake: a
   * failure comes back as `{ ok: false, reason }` for the caller to state.
   */
  async sync(
    repo: string,
    cloneUrl: string,
    commitSha: string,
    credentials?: GitCredentials,
    signal?: AbortSignal,
  ): Promise<MirrorResult> {
    if (!REPO_NAME.test(repo)) return { ok: false, reason: `not a repository name: ${JSON.stringify(repo)}` };
    if (!SHA.test(commitSha)) return { ok: false, reason: `not a commit sha: ${JSON.stringify(commitSha)}` };
    const dir = this.directoryOf(repo);
    // One git operation per repository at a time: two fetches into one directory would race.
    const previous = this.#locks.get(dir) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.#sync(dir, cloneUrl, commitSha, credentials, signal));
    this.#locks.set(dir, run);
    try {
      return await run;
    } finally {
      if (this.#locks.get(dir) === run) this.#locks.delete(dir);
    }
  }

  async #sync(
    dir: string,
    cloneUrl: string,
    commitSha: string,
    credentials: GitCredentials | undefined,
    signal: AbortSignal | undefined,
  ): Promise<MirrorResult> {
    const { gitBinary: git, timeoutMs, maxRepoBytes } = this.#options;
    try {
      await mkdir(dir, { recursive: true });
      const init = await runGit(git, ['init', '--bare', '--quiet', dir], { timeoutMs });
      if (init.code !== 0) return { ok: false, reason: gitFailure('git init', init) };
      const present = await runGit(git, ['-C', dir, 'cat-file', '-e', `${commitSha}^{commit}`], {
        timeoutMs,
      });
      let fetched = false;
      if (present.code !== 0) {
        const fetch = await this.#fetch(dir, cloneUrl, commitSha, credentials, signal);
        if (fetch) return { ok: false, reason: fetch };
        fetched = true;
      }
      let bytes = await objectBytes(git, dir, timeoutMs);
      if (bytes > maxRepoBytes && fetched) {
        // Objects of older commits pile up: start over with this commit alone, once.
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
        await runGit(git, ['init', '--bare', '--quiet', dir], { timeoutMs });
        const again = await this.#fetch(dir, cloneUrl, commitSha, credentials, signal);
        if (again) return { ok: false, reason: again };
        bytes = await objectBytes(git, dir, timeoutMs);
      }
      if (bytes > maxRepoBytes) {
        await rm(dir, { recursive: true, force: true });
        return {
          ok: false,
          reason: `repository is ${Math.round(bytes / 1024 / 1024)} MiB at one commit, over the ${Math.round(maxRepoBytes / 1024 / 1024)} MiB limit for a clone`,
        };
      }
      const now = new Date();
      await writeFile(join(dir, 'aiworker-last-used'), commitSha);
      await utimes(join(dir, 'aiworker-last-used'), now, now);
      await this.#enforceTotal(dir);
      return { ok: true, source: new GitCommitSource(dir, commitSha, git, timeoutMs), fetched, bytes };
    } catch (error) {
      return { ok: false, reason: `clone failed: ${(error as Error).message}` };
    }
  }

  async #fetch(
    dir: string,
    cloneUrl: string,
    commitSha: string,
    credentials: GitCredentials | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const { gitBinary: git, timeoutMs } = this.#options;
    const result = await runGit(
      git,
      ['-C', dir, 'fetch', '--quiet', '--no-tags', '--depth', '1', cloneUrl, commitSha],
      { timeoutMs, ...(credentials ? { credentials } : {}), ...(signal ? { signal } : {}) },
    );
    return result.code === 0 ? undefined : gitFailure('git fetch', result);
  }

  /** Removes the least recently used clones (never `keep`) until all fit the total budget. */
  async #enforceTotal(keep: string): Promise<void> {
    const { root, maxTotalBytes, gitBinary, timeoutMs } = this.#options;
    const clones: Array<{ dir: string; used: number; bytes: number }> = [];
    for (const owner of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(join(root, owner)).catch(() => [] as string[])) {
        const dir = join(root, owner, name);
        const used = await stat(join(dir, 'aiworker-last-used')).then(
          (s) => s.mtimeMs,
          () => 0,
        );
        clones.push({ dir, used, bytes: await objectBytes(gitBinary, dir, timeoutMs) });
      }
    }
    let total = clones.reduce((sum, clone) => sum + clone.bytes, 0);
    for (const clone of clones.sort((a, b) => a.used - b.used)) {
      if (total <= maxTotalBytes) break;
      if (clone.dir === keep) continue;
      await rm(clone.dir, { recursive: true, force: true });
      total -= clone.bytes;
    }
  }
}

/** One commit of a local clone, read with `git ls-tree` and `git cat-file --batch`. */
export class GitCommitSource implements RepositorySource {
  readonly kind = 'git clone';
  #blobs: Map<string, string> | undefined;

  constructor(
    readonly directory: string,
    readonly commitSha: string,
    readonly gitBinary = 'git',
    readonly timeoutMs = 120_000,
  ) {}

  async listFiles(signal?: AbortSignal): Promise<{ entries: SourceEntry[]; truncated: boolean }> {
    const result = await runGit(
      this.gitBinary,
      ['-C', this.directory, 'ls-tree', '-r', '-l', '-z', this.commitSha],
      {
        timeoutMs: this.timeoutMs,
        ...(signal ? { signal } : {}),
      },
    );
    if (result.code !== 0) throw new Error(gitFailure('git ls-tree', result));
    const entries: SourceEntry[] = [];
    const blobs = new Map<string, string>();
    for (const record of result.stdout.toString('utf8').split('\0')) {
      // `<mode> <type> <sha> <size>\t<path>`; submodules (commit) and symlinks (120000) are not files.
      const match = /^(\d+) (\w+) ([0-9a-f]+)\s+(\d+|-)\t(.+)$/s.exec(record);
      if (match?.[2] !== 'blob' || match[1] === '120000') continue;
      const [, , , sha = '', size = '0', path = ''] = match;
      entries.push({ path, size: Number(size), blobSha: sha });
      blobs.set(path, sha);
    }
    this.#blobs = blobs;
    return { entries, truncated: false };
  }

  async readFiles(paths: readonly string[], signal?: AbortSignal): Promise<Map<string, string | null>> {
    const texts = new Map<string, string | null>();
    if (paths.length === 0) return texts;
    if (!this.#blobs) await this.listFiles(signal);
    const wanted = paths.map((path) => ({ path, sha: this.#blobs?.get(path) }));
    const known = wanted.filter((w): w is { path: string; sha: string } => w.sha !== undefined);
    for (const w of wanted) if (!w.sha) texts.set(w.path, null);
    if (known.length === 0) return texts;
    const result = await runGit(this.gitBinary, ['-C', this.directory, 'cat-file', '--batch'], {
      timeoutMs: this.timeoutMs,
      input: Buffer.from(known.map((w) => `${w.sha}\n`).join('')),
      ...(signal ? { signal } : {}),
    });
    if (result.code !== 0) throw new Error(gitFailure('git cat-file', result));
    // `<sha> blob <size>\n<content>\n` per object, or `<sha> missing\n`.
    const out = result.stdout;
    let offset = 0;
    for (const { path } of known) {
      const newline = out.indexOf(10, offset);
      if (newline === -1) break;
      const header = out.toString('utf8', offset, newline).split(' ');
      if (header[1] === 'missing' || header.length < 3) {
        texts.set(path, null);
        offset = newline + 1;
        continue;
      }
      const size = Number(header[2]);
      texts.set(path, out.toString('utf8', newline + 1, newline + 1 + size));
      offset = newline + 1 + size + 1;
    }
    return texts;
  }
}
