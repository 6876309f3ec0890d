import { findOrCreate } from './find-or-create.ts';
import type { GiteaLabels } from './labels.ts';
import { findMarker, type MarkerRef, renderMarker } from './markers.ts';
import { type ListOptions, readAllPages, readBody, sameLogin, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { type GiteaIssue, type IssueState, type Reaction, toIssue } from './types.ts';
import type { GiteaUsers } from './users.ts';

/** Issues (pull requests are issues too, for reading): reading, creating once by marker, editing. */

export interface ListIssuesFilters extends ListOptions {
  /** Gitea's default is `open`. */
  state?: IssueState | 'all';
  type?: 'issues' | 'pulls';
  /** Issues carrying any of these labels. */
  labels?: string[];
  /** Keyword search. */
  q?: string;
  /** Login of the author. */
  createdBy?: string;
  /** Only issues updated at or after this time (RFC 3339). */
  since?: string;
}

export interface CreateIssueInput {
  title: string;
  body?: string;
  /** Label names; each must exist in the repository. */
  labels?: string[];
  assignees?: string[];
  closed?: boolean;
}

export interface EditIssueInput {
  title?: string;
  body?: string;
  state?: IssueState;
}

export class GiteaIssues {
  constructor(
    private readonly t: GiteaTransport,
    private readonly labels: Pick<GiteaLabels, 'ids'>,
    private readonly users: Pick<GiteaUsers, 'bot'>,
  ) {}

  async get(owner: string, repo: string, number: number): Promise<GiteaIssue> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueGetIssue(seg(owner), seg(repo), number, p),
    );
    return readBody(this.t, response, toIssue);
  }

  /** Issues (and, unless `type` says otherwise, pull requests) matching the filters, every page. */
  private async list(owner: string, repo: string, filters: ListIssuesFilters = {}): Promise<GiteaIssue[]> {
    return readAllPages(
      this.t,
      (page, limit, p) =>
        this.t.api.repos.issueListIssues(
          seg(owner),
          seg(repo),
          {
            state: filters.state,
            type: filters.type,
            labels: filters.labels?.length ? filters.labels.join(',') : undefined,
            q: filters.q,
            created_by: filters.createdBy,
            since: filters.since,
            page,
            limit,
          },
          p,
        ),
      toIssue,
      filters,
    );
  }

  /** Creates an issue; not idempotent on its own — see `ensure`. */
  async create(owner: string, repo: string, input: CreateIssueInput): Promise<GiteaIssue> {
    const labels = input.labels?.length ? await this.labels.ids(owner, repo, input.labels) : undefined;
    const response = await this.t.call('unsafe', (p) =>
      this.t.api.repos.issueCreateIssue(
        seg(owner),
        seg(repo),
        {
          title: input.title,
          body: input.body ?? '',
          labels,
          assignees: input.assignees,
          closed: input.closed,
        },
        p,
      ),
    );
    return readBody(this.t, response, toIssue);
  }

  /**
   * Creates the issue carrying `marker` unless the bot already created one (any state); the
   * marker is embedded at the top of the body. An existing issue is returned untouched.
   */
  async ensure(
    owner: string,
    repo: string,
    marker: MarkerRef,
    input: CreateIssueInput,
  ): Promise<{ issue: GiteaIssue; created: boolean }> {
    const body = `${renderMarker(marker.kind, marker.attrs)}\n${input.body ?? ''}`;
    const bot = (await this.users.bot()).login;
    const result = await findOrCreate(
      {
        find: async () => {
          const issues = await this.list(owner, repo, { state: 'all', type: 'issues', createdBy: bot });
          return issues.find(
            (issue) =>
              sameLogin(issue.author, bot) && findMarker(issue.body, marker.kind, marker.attrs) !== undefined,
          );
        },
        create: () => this.create(owner, repo, { ...input, body }),
      },
      this.t,
    );
    return { issue: result.value, created: result.created };
  }

  async edit(owner: string, repo: string, number: number, changes: EditIssueInput): Promise<GiteaIssue> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueEditIssue(
        seg(owner),
        seg(repo),
        number,
        { title: changes.title, body: changes.body, state: changes.state },
        p,
      ),
    );
    return readBody(this.t, response, toIssue);
  }

  /** Reacts to an issue or pull request; reacting twice is fine (Gitea answers 200). */
  async react(owner: string, repo: string, number: number, reaction: Reaction): Promise<void> {
    await this.t.call('idempotent', (p) =>
      this.t.api.repos.issuePostIssueReaction(seg(owner), seg(repo), number, { content: reaction }, p),
    );
  }
}
