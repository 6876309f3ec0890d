import { findOrCreate } from './find-or-create.ts';
import type { GiteaLabels } from './labels.ts';
import { type ListOptions, readAllPages, readBody, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import {
  type GiteaPullRequest,
  type GiteaPullReview,
  type IssueState,
  toPullRequest,
  toPullReview,
} from './types.ts';

/** Pull requests and their reviews. */

export interface CreatePullRequestInput {
  /** Branch with the changes (`owner:branch` for a fork). */
  head: string;
  /** Branch to merge into. */
  base: string;
  title: string;
  body?: string;
  /** Label names; each must exist in the repository. */
  labels?: string[];
}

export interface CreatePullRequestResult {
  pullRequest: GiteaPullRequest;
  /** False when an open pull request for the same head and base already existed. */
  created: boolean;
}

export interface ListPullRequestsFilters extends ListOptions {
  /** Gitea's default is `open`. */
  state?: IssueState | 'all';
  baseBranch?: string;
  /** Login of the author. */
  poster?: string;
}

export class GiteaPulls {
  constructor(
    private readonly t: GiteaTransport,
    private readonly labels: Pick<GiteaLabels, 'ids'>,
  ) {}

  /**
   * Opens a pull request, or returns the open one for the same head and base. Safe to retry:
   * a create that failed after taking effect is found instead of repeated.
   */
  async create(owner: string, repo: string, input: CreatePullRequestInput): Promise<CreatePullRequestResult> {
    const labels = input.labels?.length ? await this.labels.ids(owner, repo, input.labels) : undefined;
    const openFor = async () =>
      (await this.list(owner, repo, { state: 'open', baseBranch: input.base })).find(
        (pr) =>
          pr.base.ref === input.base &&
          (pr.head.ref === input.head || `${pr.author}:${pr.head.ref}` === input.head),
      );
    const result = await findOrCreate(
      {
        find: openFor,
        create: async () => {
          const response = await this.t.call('unsafe', (p) =>
            this.t.api.repos.repoCreatePullRequest(
              seg(owner),
              seg(repo),
              { head: input.head, base: input.base, title: input.title, body: input.body ?? '', labels },
              p,
            ),
          );
          return readBody(this.t, response, toPullRequest);
        },
      },
      this.t,
    );
    return { pullRequest: result.value, created: result.created };
  }

  async get(owner: string, repo: string, number: number): Promise<GiteaPullRequest> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.repoGetPullRequest(seg(owner), seg(repo), number, p),
    );
    return readBody(this.t, response, toPullRequest);
  }

  /** Every review of a pull request, oldest first (the bot's own pending ones included). */
  async reviews(owner: string, repo: string, number: number): Promise<GiteaPullReview[]> {
    return readAllPages(
      this.t,
      (page, limit, p) =>
        this.t.api.repos.repoListPullReviews(seg(owner), seg(repo), number, { page, limit }, p),
      toPullReview,
    );
  }

  async list(
    owner: string,
    repo: string,
    filters: ListPullRequestsFilters = {},
  ): Promise<GiteaPullRequest[]> {
    return readAllPages(
      this.t,
      (page, limit, p) =>
        this.t.api.repos.repoListPullRequests(
          seg(owner),
          seg(repo),
          {
            state: filters.state,
            poster: filters.poster,
            page,
            limit,
            // In Gitea 1.26's API, not in gitea-js 1.23's types.
            ...(filters.baseBranch ? { base_branch: filters.baseBranch } : {}),
          },
          p,
        ),
      toPullRequest,
      filters,
    );
  }
}
