import { createHash } from 'node:crypto';
import { parseRepoConfig, REPO_CONFIG_PATH, type RepoConfig } from '../config/repo-config.ts';
import type { GiteaPick } from './client.ts';
import { GiteaNotFoundError } from './errors.ts';

/**
 * Reads `.gitea/aiworker.yaml` from a repository's default branch.
 *
 * Webhooks arrive in any order (docs/architecture.md, Event rules), so the `push` that changed
 * the file may be handled after an event that depends on it, or by another worker process. The
 * parsed file is therefore kept per head commit of the default branch: `get` asks Gitea for
 * the branch head (one call) and reads the file again only when the head moved. `recent` skips
 * that check for an entry checked within `maxAgeMs`: for reads that follow a `get` in the same
 * piece of work, or that may lag a little (rendering, agent settings). A `push` to the
 * repository makes the next `recent` check again.
 */

export type RepoSettings =
  | { ok: true; config: RepoConfig }
  | { ok: false; problems: string[] /** identifies this version of the bad file */; contentHash: string };

interface Checked {
  /** Head of the default branch the settings were read at; null when the branch does not exist. */
  headSha: string | null;
  settings: RepoSettings;
  checkedAt: number;
}

const MAX_REPOS = 10_000;

export class RepoSettingsService {
  private readonly checked = new Map<string, Checked>();

  constructor(
    private readonly gitea: GiteaPick<{ contents: 'file' | 'branch' }>,
    private readonly maxAgeMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The settings at the default branch's current head (one Gitea call, two when it moved). */
  async get(owner: string, repo: string, defaultBranch: string): Promise<RepoSettings> {
    const key = keyOf(owner, repo);
    const headSha = await this.headOf(owner, repo, defaultBranch);
    const known = this.checked.get(key);
    if (known && known.headSha === headSha) {
      known.checkedAt = this.now();
      return known.settings;
    }
    const text =
      headSha === null ? null : await this.gitea.contents.file(owner, repo, REPO_CONFIG_PATH, headSha);
    const settings = settingsOf(text);
    this.remember(key, { headSha, settings, checkedAt: this.now() });
    return settings;
  }

  /** Settings checked against the branch head within `maxAgeMs`, else as `get`. */
  async recent(owner: string, repo: string, defaultBranch: string): Promise<RepoSettings> {
    const known = this.checked.get(keyOf(owner, repo));
    if (known && this.now() - known.checkedAt < this.maxAgeMs) return known.settings;
    return this.get(owner, repo, defaultBranch);
  }

  /** The next `recent` checks the branch head again. */
  invalidate(owner: string, repo: string): void {
    const known = this.checked.get(keyOf(owner, repo));
    if (known) known.checkedAt = Number.NEGATIVE_INFINITY;
  }

  private async headOf(owner: string, repo: string, branch: string): Promise<string | null> {
    try {
      return (await this.gitea.contents.branch(owner, repo, branch)).headSha;
    } catch (error) {
      if (error instanceof GiteaNotFoundError) return null; // an empty repository has no file
      throw error;
    }
  }

  private remember(key: string, entry: Checked): void {
    this.checked.delete(key);
    if (this.checked.size >= MAX_REPOS) {
      const oldest = this.checked.keys().next();
      if (!oldest.done) this.checked.delete(oldest.value);
    }
    this.checked.set(key, entry);
  }
}

function keyOf(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

function settingsOf(text: string | null): RepoSettings {
  const parsed = parseRepoConfig(text);
  if (parsed.ok) return parsed;
  return {
    ok: false,
    problems: parsed.problems,
    contentHash: createHash('sha256')
      .update(text ?? '')
      .digest('hex')
      .slice(0, 16),
  };
}
