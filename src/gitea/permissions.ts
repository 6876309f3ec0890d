import { parseRepoPermission, type RepoPermission } from '../domain/permissions.ts';
import { BotNotRepoAdminError, GiteaForbiddenError, GiteaNotFoundError } from './errors.ts';
import { readBody, repoKey, sameLogin, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { TtlCache } from './ttl-cache.ts';
import type { GiteaUsers } from './users.ts';

/** What access a user has to a repository (Gitea's collaborator-permission endpoint). */
export class GiteaPermissions {
  private readonly cache: TtlCache<RepoPermission>;

  constructor(
    private readonly t: GiteaTransport,
    private readonly users: Pick<GiteaUsers, 'bot'>,
    options: { ttlMs: number; now: () => number },
  ) {
    this.cache = new TtlCache(options.ttlMs, options.now);
  }

  /**
   * `user`'s permission on the repository, cached briefly. An unknown user (404) has `none`;
   * so has a non-collaborator of a private repository (Gitea answers 200 `none`). Gitea refuses
   * (403) to tell anyone but site and repository admins about other users: when the bot is not
   * a repository admin that is a BotNotRepoAdminError, never `none` for the user.
   */
  async get(owner: string, repo: string, user: string): Promise<RepoPermission> {
    const key = `${repoKey(owner, repo)}#${user.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    let permission: RepoPermission;
    try {
      const response = await this.t.call('idempotent', (p) =>
        this.t.api.repos.repoGetRepoPermissions(seg(owner), seg(repo), seg(user), p),
      );
      permission = readBody(this.t, response, (data) => parseRepoPermission(data.permission));
    } catch (error) {
      if (error instanceof GiteaForbiddenError && error.reason === 'forbidden') {
        throw await this.explainRefusal(owner, repo, user, error);
      }
      if (!(error instanceof GiteaNotFoundError)) throw error;
      permission = 'none';
    }
    this.cache.set(key, permission);
    return permission;
  }

  /**
   * Why Gitea refused to tell `user`'s permission: the bot asks for its own (always allowed);
   * unless it is an admin, that is the reason. Otherwise (e.g. the token's scopes) the refusal
   * stays as it is.
   */
  private async explainRefusal(
    owner: string,
    repo: string,
    user: string,
    refusal: GiteaForbiddenError,
  ): Promise<GiteaForbiddenError> {
    const bot = (await this.users.bot()).login;
    if (sameLogin(bot, user)) return refusal;
    const botPermission = await this.get(owner, repo, bot);
    if (botPermission === 'admin') return refusal;
    const { status, method, path, giteaMessage } = refusal;
    return new BotNotRepoAdminError(
      { status, method, path, giteaMessage, cause: refusal },
      { repo: `${owner}/${repo}`, bot, botPermission },
    );
  }
}
