import { readBody, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { type CommitStatusState, type GiteaCommitStatus, toCommitStatus } from './types.ts';

/** Commit statuses (what builds, previews and deployments report on a commit). */

export interface CreateStatusInput {
  state: CommitStatusState;
  /** The status' name, e.g. `aiworker/preview`; a new status with the same context replaces it. */
  context: string;
  description?: string;
  targetUrl?: string;
}

export class GiteaStatuses {
  constructor(private readonly t: GiteaTransport) {}

  /** Sets a commit status; repeating it is harmless (the latest per context counts). */
  async create(
    owner: string,
    repo: string,
    sha: string,
    input: CreateStatusInput,
  ): Promise<GiteaCommitStatus> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.repoCreateStatus(
        seg(owner),
        seg(repo),
        seg(sha),
        {
          state: input.state,
          context: input.context,
          description: input.description,
          target_url: input.targetUrl,
        },
        p,
      ),
    );
    return readBody(this.t, response, toCommitStatus);
  }
}
