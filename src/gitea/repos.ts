import { readBody, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { type GiteaRepo, toRepo } from './types.ts';

/** Repositories: their settings as Gitea reports them (default branch, clone URL, …). */
export class GiteaRepos {
  constructor(private readonly t: GiteaTransport) {}

  async get(owner: string, repo: string): Promise<GiteaRepo> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.repoGet(seg(owner), seg(repo), p),
    );
    return readBody(this.t, response, toRepo);
  }
}
