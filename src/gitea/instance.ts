import { readBody } from './requests.ts';
import type { GiteaTransport } from './transport.ts';

/** The Gitea instance itself. */
export class GiteaInstance {
  constructor(private readonly t: GiteaTransport) {}

  /** Gitea's version string, e.g. `1.26.3`. */
  async version(): Promise<string> {
    const response = await this.t.call('idempotent', (p) => this.t.api.version.getVersion(p));
    return readBody(this.t, response, (data) => data.version ?? '');
  }
}
