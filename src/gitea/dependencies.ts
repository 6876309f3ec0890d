import { ContentType } from 'gitea-js';
import { SelfDependencyError } from './errors.ts';
import { findOrCreate } from './find-or-create.ts';
import { readAllPages, repoKey, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { type GiteaIssue, toIssue } from './types.ts';

/** Issue dependencies: which issues block an issue (it cannot close before they do). */

/** A blocking issue somewhere on the Gitea instance; owner and repo default to the blocked issue's. */
export interface BlockerRef {
  owner?: string;
  repo?: string;
  number: number;
}

function issueRef(owner: string, repo: string, ref: BlockerRef | number): Required<BlockerRef> {
  if (typeof ref === 'number') return { owner, repo, number: ref };
  return { owner: ref.owner ?? owner, repo: ref.repo ?? repo, number: ref.number };
}

export class GiteaDependencies {
  constructor(private readonly t: GiteaTransport) {}

  /** The issues that block this one (it depends on them), every page. */
  async list(owner: string, repo: string, number: number): Promise<GiteaIssue[]> {
    return readAllPages(
      this.t,
      (page, limit, p) =>
        this.t.api.repos.issueListIssueDependencies(
          seg(owner),
          seg(repo),
          String(number),
          { page, limit },
          p,
        ),
      toIssue,
    );
  }

  /**
   * Makes issue `number` depend on `blocker` (blocked until it closes). Idempotent: an
   * existing link is left alone (`added: false`). An issue blocking itself is a
   * SelfDependencyError: Gitea would accept it.
   */
  async add(
    owner: string,
    repo: string,
    number: number,
    blocker: BlockerRef | number,
  ): Promise<{ added: boolean }> {
    const target = issueRef(owner, repo, blocker);
    if (target.number === number && repoKey(target.owner, target.repo) === repoKey(owner, repo)) {
      throw new SelfDependencyError(`${owner}/${repo}#${number}`);
    }
    const result = await findOrCreate(
      {
        find: async () => ((await this.has(owner, repo, number, target)) ? true : undefined),
        create: async () => {
          // gitea-js sends this body as text/plain unless told; Gitea then ignores it.
          await this.t.call('unsafe', (p) =>
            this.t.api.repos.issueCreateIssueDependencies(
              seg(owner),
              seg(repo),
              String(number),
              { owner: target.owner, repo: target.repo, index: target.number },
              { ...p, type: ContentType.Json },
            ),
          );
          return true;
        },
      },
      this.t,
    );
    return { added: result.created };
  }

  private async has(owner: string, repo: string, number: number, blocker: Required<BlockerRef>) {
    const dependencies = await this.list(owner, repo, number);
    const blockerRepo = `${blocker.owner}/${blocker.repo}`.toLowerCase();
    return dependencies.some(
      (issue) =>
        issue.number === blocker.number &&
        (issue.repository === '' || issue.repository.toLowerCase() === blockerRepo),
    );
  }
}
