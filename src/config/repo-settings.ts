import { createHash } from 'node:crypto';
import type { GiteaClient } from '../gitea/client.ts';
import { TtlCache } from '../gitea/ttl-cache.ts';
import { parseRepoConfig, REPO_CONFIG_PATH, type RepoConfig } from './repo-config.ts';

/**
 * Reads `.gitea/aiworker.yaml` from a repository's default branch, briefly cached. A push to
 * the default branch invalidates the entry, so a fix takes effect with the next event.
 */

export type RepoSettings =
  | { ok: true; config: RepoConfig }
  | { ok: false; problems: string[] /** identifies this version of the bad file */; contentHash: string };

export class RepoSettingsService {
  private readonly cache: TtlCache<RepoSettings>;

  constructor(
    private readonly gitea: Pick<GiteaClient, 'getFileContent'>,
    ttlMs = 30_000,
  ) {
    this.cache = new TtlCache(ttlMs);
  }

  async get(owner: string, repo: string, defaultBranch?: string): Promise<RepoSettings> {
    const key = `${owner}/${repo}`.toLowerCase();
    const cached = this.cache.get(key);
    if (cached) return cached;
    const text = await this.gitea.getFileContent(owner, repo, REPO_CONFIG_PATH, defaultBranch);
    const parsed = parseRepoConfig(text);
    const settings: RepoSettings = parsed.ok
      ? parsed
      : {
          ok: false,
          problems: parsed.problems,
          contentHash: createHash('sha256')
            .update(text ?? '')
            .digest('hex')
            .slice(0, 16),
        };
    this.cache.set(key, settings);
    return settings;
  }

  invalidate(owner: string, repo: string): void {
    this.cache.delete(`${owner}/${repo}`.toLowerCase());
  }
}
