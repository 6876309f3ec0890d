import { GiteaNotFoundError } from './errors.ts';
import { basicAuth, readBody, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { type GiteaAccessToken, toAccessToken } from './types.ts';

/** Access tokens of a user, minted and deleted under basic auth (Gitea allows nothing else). */
export class GiteaTokens {
  constructor(private readonly t: GiteaTransport) {}

  /**
   * Mints an access token for `username`. Gitea creates tokens only under basic auth, hence the
   * password. Token names are unique per user: use a fresh name per call (a failed try may
   * have created it, and its value cannot be read again).
   */
  async create(
    username: string,
    password: string,
    name: string,
    scopes: string[],
  ): Promise<GiteaAccessToken> {
    const response = await this.t.call('unsafe', (p) =>
      this.t.api.users.userCreateToken(
        seg(username),
        { name, scopes },
        { ...p, headers: basicAuth(username, password) },
      ),
    );
    return readBody(this.t, response, toAccessToken);
  }

  /** Deletes a token by id or name (basic auth); one that is already gone counts as deleted. */
  async delete(username: string, password: string, token: number | string): Promise<{ deleted: boolean }> {
    try {
      await this.t.call('idempotent', (p) =>
        this.t.api.users.userDeleteAccessToken(seg(username), seg(token), {
          ...p,
          headers: basicAuth(username, password),
        }),
      );
      return { deleted: true };
    } catch (error) {
      if (error instanceof GiteaNotFoundError) return { deleted: false };
      throw error;
    }
  }
}
