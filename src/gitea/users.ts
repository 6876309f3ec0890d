import { readBody } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { type GiteaUser, toUser } from './types.ts';

/** The account the token belongs to: AiWorker's bot. */
export class GiteaUsers {
  private botUser: Promise<GiteaUser> | undefined;

  constructor(private readonly t: GiteaTransport) {}

  /** The account the token belongs to (fresh on every call). */
  async current(): Promise<GiteaUser> {
    const response = await this.t.call('idempotent', (p) => this.t.api.user.userGetCurrent(p));
    return readBody(this.t, response, toUser);
  }

  /** The bot account (the token's user), looked up once. */
  bot(): Promise<GiteaUser> {
    if (!this.botUser) {
      this.botUser = this.current();
      this.botUser.catch(() => {
        this.botUser = undefined;
      });
    }
    return this.botUser;
  }
}
