import { ContentType, type HttpResponse, type RequestParams } from 'gitea-js';
import type { LabelSpec } from '../domain/labels.ts';
import { parseRepoPermission, type RepoPermission } from '../domain/permissions.ts';
import {
  BotNotRepoAdminError,
  GiteaError,
  GiteaForbiddenError,
  GiteaNotFoundError,
  GiteaRetryableError,
  SelfDependencyError,
} from './errors.ts';
import { findOrCreate } from './find-or-create.ts';
import { findMarker, type MarkerAttrInput, renderMarker } from './markers.ts';
import { collectPages, DEFAULT_PAGE_LIMIT, type Page } from './pagination.ts';
import { GiteaTransport, type TransportOptions, totalCountOf } from './transport.ts';
import { TtlCache } from './ttl-cache.ts';
import {
  type CommitStatusState,
  type GiteaAccessToken,
  type GiteaBranch,
  type GiteaComment,
  type GiteaCommitStatus,
  type GiteaHook,
  type GiteaIssue,
  type GiteaLabel,
  type GiteaPullRequest,
  type GiteaPullReview,
  type GiteaRepo,
  type GiteaTree,
  type GiteaTreeEntry,
  type GiteaUser,
  type GiteaWorkflowRun,
  type IssueState,
  normaliseColor,
  type RawRunDetails,
  type RawWorkflowRunsResponse,
  type Reaction,
  toAccessToken,
  toBranch,
  toComment,
  toCommitStatus,
  toHook,
  toIssue,
  toLabel,
  toPullRequest,
  toPullReview,
  toRepo,
  toTreeEntry,
  toUser,
  toWorkflowRun,
  UnexpectedGiteaResponseError,
} from './types.ts';
import {
  type DesiredWebhook,
  hookUrlFor,
  planWebhook,
  type ReplaceReason,
  webhookName,
  webhookSettingsMatch,
} from './webhook-spec.ts';

export interface GiteaClientOptions extends TransportOptions {
  /** How long a collaborator permission is trusted. Default 30 s. */
  permissionTtlMs?: number;
  /** How long a repository's label list is trusted for name → id lookups. Default 60 s. */
  labelTtlMs?: number;
}

export interface ListOptions {
  /** Stop after this many items. Default: every page. */
  maxItems?: number;
}

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

export interface LabelInput {
  name: string;
  /** Six hex digits, with or without `#`. */
  color: string;
  description?: string;
  exclusive?: boolean;
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

export interface EnsureLabelsResult {
  /** Label name → id, for every spec. */
  ids: Record<string, number>;
  outcomes: Array<{ name: string; outcome: EnsureOutcome }>;
}

export interface MarkerRef {
  kind: string;
  attrs: MarkerAttrInput;
}

export interface EnsureCommentResult {
  id: number;
  created: boolean;
  updated: boolean;
}

/** An issue somewhere on the Gitea instance; owner and repo default to the calling issue's. */
export interface IssueRef {
  owner?: string;
  repo?: string;
  number: number;
}

export interface CreateStatusInput {
  state: CommitStatusState;
  /** The status' name, e.g. `aiworker/preview`; a new status with the same context replaces it. */
  context: string;
  description?: string;
  targetUrl?: string;
}

export interface HookInput {
  url: string;
  secret: string;
  events: readonly string[];
  contentType?: 'json' | 'form';
  active?: boolean;
  name?: string;
}

export interface EnsureWebhookInput {
  url: string;
  secret: string;
  events: readonly string[];
  contentType?: 'json' | 'form';
}

/** A hook edit: Gitea ignores `config.secret` there, so there is none to send. */
export type HookEdit = Omit<HookInput, 'secret'>;

export type EnsureWebhookResult =
  | { hook: GiteaHook; outcome: EnsureOutcome }
  | { hook: GiteaHook; outcome: 'replaced'; reason: ReplaceReason };

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

export interface DispatchWorkflowInput {
  /** Branch, tag or full ref to run the workflow at. */
  ref: string;
  inputs?: Record<string, string>;
}

export interface DispatchWorkflowResult {
  /** The run Gitea started; null when this Gitea does not report it. */
  runId: number | null;
  htmlUrl: string | null;
}

export interface ListWorkflowRunsFilters extends ListOptions {
  event?: string;
  branch?: string;
  /** e.g. `queued`, `in_progress`, `completed`, `success`, `failure` */
  status?: string;
  actor?: string;
  headSha?: string;
}

export interface GetTreeOptions {
  recursive?: boolean;
  /** Guard for huge repositories; the result is marked truncated when reached. Default 100 000. */
  maxEntries?: number;
}

const TREE_PAGE_SIZE = 1000;

const seg = (value: string | number): string => encodeURIComponent(String(value));
/** A path whose `/` separators Gitea's route expects unescaped (file paths, branch names). */
const segs = (value: string): string => value.split('/').map(seg).join('/');

function sameBody(a: string, b: string): boolean {
  const normal = (text: string) => text.replace(/\r\n/g, '\n').trimEnd();
  return normal(a) === normal(b);
}

function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function labelMatchesSpec(label: GiteaLabel, spec: LabelSpec): boolean {
  return (
    label.color === normaliseColor(spec.color) &&
    label.exclusive === spec.exclusive &&
    label.description === spec.description &&
    !label.isArchived
  );
}

/**
 * AiWorker's typed Gitea API client (Gitea 1.26 REST). Built on gitea-js through one transport
 * that adds timeouts, retries and typed errors. Lists are read through every page. Writes
 * named `ensure…` are idempotent: they look for their effect first (by marker, name or URL),
 * so running them again, or after a failure that took effect, never duplicates anything.
 */
export class GiteaClient {
  private readonly t: GiteaTransport;
  private readonly permissions: TtlCache<RepoPermission>;
  private readonly labels: TtlCache<GiteaLabel[]>;
  private botUser: Promise<GiteaUser> | undefined;

  constructor(options: GiteaClientOptions) {
    this.t = new GiteaTransport(options);
    const now = options.now ?? Date.now;
    this.permissions = new TtlCache(options.permissionTtlMs ?? 30_000, now);
    this.labels = new TtlCache(options.labelTtlMs ?? 60_000, now);
  }

  // ── server and account ──────────────────────────────────────────────────────────────────

  /** Gitea's version string, e.g. `1.26.3`. */
  async getVersion(): Promise<string> {
    const response = await this.t.call('idempotent', (p) => this.t.api.version.getVersion(p));
    return this.read(response, (data) => data.version ?? '');
  }

  /** The account the token belongs to (fresh on every call). */
  async getCurrentUser(): Promise<GiteaUser> {
    const response = await this.t.call('idempotent', (p) => this.t.api.user.userGetCurrent(p));
    return this.read(response, toUser);
  }

  // ── repository content ──────────────────────────────────────────────────────────────────

  async getRepo(owner: string, repo: string): Promise<GiteaRepo> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.repoGet(seg(owner), seg(repo), p),
    );
    return this.read(response, toRepo);
  }

  async getBranch(owner: string, repo: string, branch: string): Promise<GiteaBranch> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.repoGetBranch(seg(owner), seg(repo), segs(branch), p),
    );
    return this.read(response, toBranch);
  }

  /** The tree at a commit (or ref), every page of it. */
  async getTree(owner: string, repo: string, sha: string, options: GetTreeOptions = {}): Promise<GiteaTree> {
    const maxEntries = options.maxEntries ?? 100_000;
    const entries: GiteaTreeEntry[] = [];
    let treeSha = sha;
    for (let page = 1; ; page++) {
      const response = await this.t.call('idempotent', (p) =>
        this.t.api.repos.getTree(
          seg(owner),
          seg(repo),
          seg(sha),
          { recursive: options.recursive ?? true, page, per_page: TREE_PAGE_SIZE },
          p,
        ),
      );
      const data = this.read(response, (tree) => ({ ...tree, entries: (tree.tree ?? []).map(toTreeEntry) }));
      treeSha = data.sha ?? treeSha;
      const pageEntries = data.entries;
      entries.push(...pageEntries);
      if (entries.length >= maxEntries) {
        const more = data.truncated === true || entries.length > maxEntries;
        return { sha: treeSha, entries: entries.slice(0, maxEntries), truncated: more };
      }
      const total = data.total_count;
      const done =
        pageEntries.length === 0 ||
        data.truncated !== true ||
        (total !== undefined && entries.length >= total);
      if (done) return { sha: treeSha, entries, truncated: false };
    }
  }

  /** A file's text at `ref` (default branch when omitted), or null when there is no such file. */
  async getFileContent(owner: string, repo: string, path: string, ref?: string): Promise<string | null> {
    try {
      const response = await this.t.call('idempotent', (p) =>
        this.t.api.repos.repoGetRawFile(
          seg(owner),
          seg(repo),
          segs(path.replace(/^\/+/, '')),
          ref ? { ref } : {},
          {
            ...p,
            format: 'text',
          },
        ),
      );
      const text: unknown = response.data;
      return typeof text === 'string' ? text : '';
    } catch (error) {
      if (error instanceof GiteaNotFoundError) return null;
      throw error;
    }
  }

  // ── labels ──────────────────────────────────────────────────────────────────────────────

  /** Every label of the repository (not the organisation's), every page. */
  async listLabels(owner: string, repo: string): Promise<GiteaLabel[]> {
    const labels = await this.pages(
      (page, limit, p) => this.t.api.repos.issueListLabels(seg(owner), seg(repo), { page, limit }, p),
      toLabel,
    );
    this.labels.set(this.repoKey(owner, repo), labels);
    return labels;
  }

  async createLabel(owner: string, repo: string, input: LabelInput): Promise<GiteaLabel> {
    this.labels.delete(this.repoKey(owner, repo));
    const response = await this.t.call('unsafe', (p) =>
      this.t.api.repos.issueCreateLabel(
        seg(owner),
        seg(repo),
        {
          name: input.name,
          color: `#${normaliseColor(input.color)}`,
          description: input.description ?? '',
          exclusive: input.exclusive ?? false,
        },
        p,
      ),
    );
    return this.read(response, toLabel);
  }

  async editLabel(
    owner: string,
    repo: string,
    id: number,
    changes: Partial<LabelInput> & { isArchived?: boolean },
  ): Promise<GiteaLabel> {
    this.labels.delete(this.repoKey(owner, repo));
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueEditLabel(
        seg(owner),
        seg(repo),
        id,
        {
          name: changes.name,
          color: changes.color === undefined ? undefined : `#${normaliseColor(changes.color)}`,
          description: changes.description,
          exclusive: changes.exclusive,
          is_archived: changes.isArchived,
        },
        p,
      ),
    );
    return this.read(response, toLabel);
  }

  /**
   * Makes the repository have these labels: creates the missing ones, corrects color,
   * description and exclusivity of the others (and un-archives them). Idempotent.
   */
  async ensureLabels(owner: string, repo: string, specs: readonly LabelSpec[]): Promise<EnsureLabelsResult> {
    const names = new Set<string>();
    for (const spec of specs) {
      if (names.has(spec.name)) throw new Error(`label "${spec.name}" is listed twice`);
      if (!/^#?[0-9a-f]{6}$/i.test(spec.color)) {
        throw new Error(
          `label "${spec.name}" has color "${spec.color}"; expected six hex digits like 0e8a16`,
        );
      }
      names.add(spec.name);
    }
    let snapshot = await this.listLabels(owner, repo);
    const ids: Record<string, number> = {};
    const outcomes: EnsureLabelsResult['outcomes'] = [];
    for (const spec of specs) {
      const existing = snapshot.find((label) => label.name === spec.name);
      let label: GiteaLabel;
      let outcome: EnsureOutcome;
      if (!existing) {
        const result = await findOrCreate(
          {
            find: async (round) => {
              if (round === 1) return undefined;
              snapshot = await this.listLabels(owner, repo);
              return snapshot.find((l) => l.name === spec.name);
            },
            create: () => this.createLabel(owner, repo, spec),
          },
          this.t,
        );
        label = result.value;
        outcome = 'created';
        if (!labelMatchesSpec(label, spec)) {
          label = await this.editLabel(owner, repo, label.id, { ...spec, isArchived: false });
        }
      } else if (!labelMatchesSpec(existing, spec)) {
        label = await this.editLabel(owner, repo, existing.id, { ...spec, isArchived: false });
        outcome = 'updated';
      } else {
        label = existing;
        outcome = 'unchanged';
      }
      ids[spec.name] = label.id;
      outcomes.push({ name: spec.name, outcome });
    }
    if (outcomes.some((o) => o.outcome !== 'unchanged')) this.labels.delete(this.repoKey(owner, repo));
    return { ids, outcomes };
  }

  // ── issues ──────────────────────────────────────────────────────────────────────────────

  async getIssue(owner: string, repo: string, number: number): Promise<GiteaIssue> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueGetIssue(seg(owner), seg(repo), number, p),
    );
    return this.read(response, toIssue);
  }

  /** Issues (and, unless `type` says otherwise, pull requests) matching the filters, every page. */
  async listIssues(owner: string, repo: string, filters: ListIssuesFilters = {}): Promise<GiteaIssue[]> {
    return this.pages(
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

  /** Creates an issue; not idempotent on its own — see `ensureIssue`. */
  async createIssue(owner: string, repo: string, input: CreateIssueInput): Promise<GiteaIssue> {
    const labels = input.labels?.length ? await this.labelIds(owner, repo, input.labels) : undefined;
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
    return this.read(response, toIssue);
  }

  /**
   * Creates the issue carrying `marker` unless the bot already created one (any state); the
   * marker is embedded at the top of the body. An existing issue is returned untouched.
   */
  async ensureIssue(
    owner: string,
    repo: string,
    marker: MarkerRef,
    input: CreateIssueInput,
  ): Promise<{ issue: GiteaIssue; created: boolean }> {
    const body = `${renderMarker(marker.kind, marker.attrs)}\n${input.body ?? ''}`;
    const bot = (await this.bot()).login;
    const result = await findOrCreate(
      {
        find: async () => {
          const issues = await this.listIssues(owner, repo, { state: 'all', type: 'issues', createdBy: bot });
          return issues.find(
            (issue) =>
              sameLogin(issue.author, bot) && findMarker(issue.body, marker.kind, marker.attrs) !== undefined,
          );
        },
        create: () => this.createIssue(owner, repo, { ...input, body }),
      },
      this.t,
    );
    return { issue: result.value, created: result.created };
  }

  async editIssue(owner: string, repo: string, number: number, changes: EditIssueInput): Promise<GiteaIssue> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueEditIssue(
        seg(owner),
        seg(repo),
        number,
        { title: changes.title, body: changes.body, state: changes.state },
        p,
      ),
    );
    return this.read(response, toIssue);
  }

  /** Adds labels by name; returns the issue's labels afterwards. Adding a present label is a no-op. */
  async addLabels(owner: string, repo: string, number: number, names: string[]): Promise<GiteaLabel[]> {
    const ids = await this.labelIds(owner, repo, names);
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueAddLabel(seg(owner), seg(repo), number, { labels: ids }, p),
    );
    return this.read(response, (labels) => labels.map(toLabel));
  }

  /** Sets exactly these labels (by name); returns the issue's labels afterwards. */
  async replaceLabels(owner: string, repo: string, number: number, names: string[]): Promise<GiteaLabel[]> {
    const ids = names.length ? await this.labelIds(owner, repo, names) : [];
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueReplaceLabels(seg(owner), seg(repo), number, { labels: ids }, p),
    );
    return this.read(response, (labels) => labels.map(toLabel));
  }

  /** Removes a label by name; a label the repository does not have is already absent. */
  async removeLabel(owner: string, repo: string, number: number, name: string): Promise<void> {
    const label = await this.findLabel(owner, repo, name);
    if (!label) return;
    await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueRemoveLabel(seg(owner), seg(repo), number, label.id, p),
    );
  }

  // ── comments ────────────────────────────────────────────────────────────────────────────

  /**
   * Every comment of an issue or pull request (Gitea returns them all in one response). A
   * missing issue is a GiteaNotFoundError, although Gitea answers 500 for it here.
   */
  async listComments(owner: string, repo: string, number: number): Promise<GiteaComment[]> {
    try {
      const response = await this.t.call('idempotent', (p) =>
        this.t.api.repos.issueGetComments(seg(owner), seg(repo), number, {}, p),
      );
      return this.read(response, (comments) => comments.map(toComment));
    } catch (error) {
      throw await this.missingIssueOr(owner, repo, number, error);
    }
  }

  async getComment(owner: string, repo: string, id: number): Promise<GiteaComment> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueGetComment(seg(owner), seg(repo), id, p),
    );
    return this.read(response, toComment);
  }

  /**
   * Posts a comment; not idempotent on its own — see `ensureComment`. A missing issue is a
   * GiteaNotFoundError, although Gitea answers 500 for it here.
   */
  async createComment(owner: string, repo: string, number: number, body: string): Promise<GiteaComment> {
    try {
      const response = await this.t.call('unsafe', (p) =>
        this.t.api.repos.issueCreateComment(seg(owner), seg(repo), number, { body }, p),
      );
      return this.read(response, toComment);
    } catch (error) {
      throw await this.missingIssueOr(owner, repo, number, error);
    }
  }

  async editComment(owner: string, repo: string, id: number, body: string): Promise<GiteaComment> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueEditComment(seg(owner), seg(repo), id, { body }, p),
    );
    return this.read(response, toComment);
  }

  /** Deletes a comment; one that is already gone counts as deleted. */
  async deleteComment(owner: string, repo: string, id: number): Promise<void> {
    try {
      await this.t.call('idempotent', (p) =>
        this.t.api.repos.issueDeleteComment(seg(owner), seg(repo), id, p),
      );
    } catch (error) {
      if (!(error instanceof GiteaNotFoundError)) throw error;
    }
  }

  /**
   * The one bot comment carrying `marker` on the issue: created when missing, edited when its
   * body differs, left alone otherwise. The marker is embedded by this method at the top of
   * `body` (callers pass the visible text). Only the bot's own comments count, so a person
   * quoting a bot comment never gets their comment overwritten.
   *
   * Safe to retry: when the create fails after Gitea stored the comment (a 500 or timeout after
   * the effect), the next round finds it by its marker instead of posting a second one.
   */
  async ensureComment(
    owner: string,
    repo: string,
    issueNumber: number,
    marker: MarkerRef,
    body: string,
  ): Promise<EnsureCommentResult> {
    const fullBody = `${renderMarker(marker.kind, marker.attrs)}\n${body}`;
    const bot = (await this.bot()).login;
    const { value: comment, created } = await findOrCreate(
      {
        find: async () => {
          const comments = await this.listComments(owner, repo, issueNumber);
          return comments.find(
            (c) => sameLogin(c.author, bot) && findMarker(c.body, marker.kind, marker.attrs) !== undefined,
          );
        },
        create: () => this.createComment(owner, repo, issueNumber, fullBody),
      },
      this.t,
    );
    if (sameBody(comment.body, fullBody)) return { id: comment.id, created, updated: false };
    await this.editComment(owner, repo, comment.id, fullBody);
    return { id: comment.id, created, updated: true };
  }

  // ── reactions ───────────────────────────────────────────────────────────────────────────

  /** Reacts to an issue or pull request; reacting twice is fine (Gitea answers 200). */
  async addIssueReaction(owner: string, repo: string, number: number, reaction: Reaction): Promise<void> {
    await this.t.call('idempotent', (p) =>
      this.t.api.repos.issuePostIssueReaction(seg(owner), seg(repo), number, { content: reaction }, p),
    );
  }

  /** Reacts to a comment; reacting twice is fine (Gitea answers 200). */
  async addCommentReaction(
    owner: string,
    repo: string,
    commentId: number,
    reaction: Reaction,
  ): Promise<void> {
    await this.t.call('idempotent', (p) =>
      this.t.api.repos.issuePostCommentReaction(seg(owner), seg(repo), commentId, { content: reaction }, p),
    );
  }

  // ── dependencies ────────────────────────────────────────────────────────────────────────

  /** The issues that block this one (it depends on them), every page. */
  async listDependencies(owner: string, repo: string, number: number): Promise<GiteaIssue[]> {
    return this.pages(
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
  async addDependency(
    owner: string,
    repo: string,
    number: number,
    blocker: IssueRef | number,
  ): Promise<{ added: boolean }> {
    const target = this.issueRef(owner, repo, blocker);
    if (target.number === number && this.repoKey(target.owner, target.repo) === this.repoKey(owner, repo)) {
      throw new SelfDependencyError(`${owner}/${repo}#${number}`);
    }
    const result = await findOrCreate(
      {
        find: async () => ((await this.hasDependency(owner, repo, number, target)) ? true : undefined),
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

  /** Removes the dependency on `blocker`; a link that is not there is already removed. */
  async removeDependency(
    owner: string,
    repo: string,
    number: number,
    blocker: IssueRef | number,
  ): Promise<{ removed: boolean }> {
    const target = this.issueRef(owner, repo, blocker);
    const result = await findOrCreate(
      {
        find: async () => ((await this.hasDependency(owner, repo, number, target)) ? undefined : true),
        create: async () => {
          await this.t.call('unsafe', (p) =>
            this.t.api.repos.issueRemoveIssueDependencies(
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
    return { removed: result.created };
  }

  // ── commit statuses ─────────────────────────────────────────────────────────────────────

  /** Sets a commit status; repeating it is harmless (the latest per context counts). */
  async createStatus(
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
    return this.read(response, toCommitStatus);
  }

  // ── webhooks ────────────────────────────────────────────────────────────────────────────

  async listHooks(owner: string, repo: string): Promise<GiteaHook[]> {
    return this.pages(
      (page, limit, p) => this.t.api.repos.repoListHooks(seg(owner), seg(repo), { page, limit }, p),
      toHook,
    );
  }

  /** Creates a `gitea` webhook; not idempotent on its own — see `ensureWebhook`. */
  async createHook(owner: string, repo: string, input: HookInput): Promise<GiteaHook> {
    const response = await this.t.call('unsafe', (p) =>
      this.t.api.repos.repoCreateHook(
        seg(owner),
        seg(repo),
        {
          type: 'gitea',
          active: input.active ?? true,
          events: [...input.events],
          config: { url: input.url, content_type: input.contentType ?? 'json', secret: input.secret },
          // `name` is in Gitea 1.26's CreateHookOption; gitea-js 1.23 predates it.
          ...(input.name === undefined ? {} : { name: input.name }),
        },
        p,
      ),
    );
    return this.read(response, toHook);
  }

  /**
   * Edits a webhook. Gitea's editHook (routers/api/v1/utils/hook.go) never changes the secret,
   * and replaces the event list, branch filter and authorization header with what is sent.
   */
  async editHook(owner: string, repo: string, id: number, input: HookEdit): Promise<GiteaHook> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.repoEditHook(
        seg(owner),
        seg(repo),
        id,
        {
          active: input.active ?? true,
          events: [...input.events],
          config: { url: input.url, content_type: input.contentType ?? 'json' },
          ...(input.name === undefined ? {} : { name: input.name }),
        },
        p,
      ),
    );
    return this.read(response, toHook);
  }

  /**
   * The repository's webhook to `url`, with the current secret: created when missing; edited
   * when only its events, content type or active flag differ; left alone when everything is
   * right. A hook whose secret is not known to be the current one (another fingerprint, or
   * none: see webhook-spec.ts) is replaced, because Gitea cannot change a hook's secret in
   * place: the new hook is created first and the old one deleted after, so no event goes
   * undelivered. Other hooks to the same endpoint are deleted.
   */
  async ensureWebhook(owner: string, repo: string, input: EnsureWebhookInput): Promise<EnsureWebhookResult> {
    const desired: DesiredWebhook = { ...input, contentType: input.contentType ?? 'json' };
    const hookInput: HookInput = {
      ...desired,
      url: hookUrlFor(desired.url, desired.secret),
      active: true,
      name: webhookName(desired.secret),
    };
    const before = await this.listHooks(owner, repo);
    const plan = planWebhook(before, desired);
    switch (plan.action) {
      case 'keep':
      case 'edit': {
        const hook =
          plan.action === 'edit' ? await this.editHook(owner, repo, plan.hook.id, hookInput) : plan.hook;
        for (const stale of plan.stale) await this.deleteHook(owner, repo, stale.id);
        const changed = plan.action === 'edit' || plan.stale.length > 0;
        return { hook, outcome: changed ? 'updated' : 'unchanged' };
      }
      case 'replace': {
        const replacement = await this.createHookOnce(owner, repo, hookInput, before);
        for (const old of plan.old) await this.deleteHook(owner, repo, old.id);
        return { hook: replacement, outcome: 'replaced', reason: plan.reason };
      }
      case 'create':
        return { hook: await this.createHookOnce(owner, repo, hookInput, before), outcome: 'created' };
    }
  }

  /** Deletes a webhook; one that is already gone counts as deleted. */
  async deleteHook(owner: string, repo: string, id: number): Promise<void> {
    try {
      await this.t.call('idempotent', (p) => this.t.api.repos.repoDeleteHook(seg(owner), seg(repo), id, p));
    } catch (error) {
      if (!(error instanceof GiteaNotFoundError)) throw error;
    }
  }

  /**
   * Creates the hook (and makes it deliver what is asked for). After an ambiguous failure it
   * looks for a hook to the URL (which carries the secret's fingerprint) that was not there
   * `before` instead of creating another.
   */
  private async createHookOnce(
    owner: string,
    repo: string,
    input: HookInput,
    before: readonly GiteaHook[],
  ): Promise<GiteaHook> {
    const existed = new Set(before.map((hook) => hook.id));
    const result = await findOrCreate(
      {
        find: async (round) =>
          round === 1
            ? undefined
            : (await this.listHooks(owner, repo)).find(
                (hook) => hook.url === input.url && !existed.has(hook.id),
              ),
        create: () => this.createHook(owner, repo, input),
      },
      this.t,
    );
    const created = result.value;
    if (webhookSettingsMatch(created, { ...input, contentType: input.contentType ?? 'json' })) return created;
    return this.editHook(owner, repo, created.id, input);
  }

  // ── pull requests ───────────────────────────────────────────────────────────────────────

  /**
   * Opens a pull request, or returns the open one for the same head and base. Safe to retry:
   * a create that failed after taking effect is found instead of repeated.
   */
  async createPullRequest(
    owner: string,
    repo: string,
    input: CreatePullRequestInput,
  ): Promise<CreatePullRequestResult> {
    const labels = input.labels?.length ? await this.labelIds(owner, repo, input.labels) : undefined;
    const openFor = async () =>
      (await this.listPullRequests(owner, repo, { state: 'open', baseBranch: input.base })).find(
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
          return this.read(response, toPullRequest);
        },
      },
      this.t,
    );
    return { pullRequest: result.value, created: result.created };
  }

  async getPullRequest(owner: string, repo: string, number: number): Promise<GiteaPullRequest> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.repoGetPullRequest(seg(owner), seg(repo), number, p),
    );
    return this.read(response, toPullRequest);
  }

  /** Every review of a pull request, oldest first (the bot's own pending ones included). */
  async listPullReviews(owner: string, repo: string, number: number): Promise<GiteaPullReview[]> {
    return this.pages(
      (page, limit, p) =>
        this.t.api.repos.repoListPullReviews(seg(owner), seg(repo), number, { page, limit }, p),
      toPullReview,
    );
  }

  async listPullRequests(
    owner: string,
    repo: string,
    filters: ListPullRequestsFilters = {},
  ): Promise<GiteaPullRequest[]> {
    return this.pages(
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

  // ── access tokens (basic auth) ──────────────────────────────────────────────────────────

  /**
   * Mints an access token for `username`. Gitea creates tokens only under basic auth, hence the
   * password. Token names are unique per user: use a fresh name per call (a failed try may
   * have created it, and its value cannot be read again).
   */
  async createUserToken(
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
    return this.read(response, toAccessToken);
  }

  /** Deletes a token by id or name (basic auth); one that is already gone counts as deleted. */
  async deleteUserToken(
    username: string,
    password: string,
    token: number | string,
  ): Promise<{ deleted: boolean }> {
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

  // ── Gitea Actions (not in gitea-js 1.23: same transport, our own paths) ───────────────

  /**
   * Starts a `workflow_dispatch` run of a workflow file (e.g. `build.yml`). Not idempotent:
   * a failure that may have started a run is raised with `mayHaveApplied`.
   */
  async dispatchWorkflow(
    owner: string,
    repo: string,
    workflowId: string,
    input: DispatchWorkflowInput,
  ): Promise<DispatchWorkflowResult> {
    const response = await this.t.call('unsafe', (p) =>
      this.t.api.request<RawRunDetails | null>({
        path: `/repos/${seg(owner)}/${seg(repo)}/actions/workflows/${seg(workflowId)}/dispatches`,
        method: 'POST',
        query: { return_run_details: true },
        body: { ref: input.ref, inputs: input.inputs ?? {} },
        type: ContentType.Json,
        secure: true,
        ...p,
      }),
    );
    const details = response.status === 200 ? response.data : null;
    return { runId: details?.workflow_run_id ?? null, htmlUrl: details?.html_url ?? null };
  }

  /** Workflow runs of the repository, newest first, every page (or `maxItems`). */
  async listWorkflowRuns(
    owner: string,
    repo: string,
    filters: ListWorkflowRunsFilters = {},
  ): Promise<GiteaWorkflowRun[]> {
    const { items } = await collectPages(
      async (page, limit) => {
        const response = await this.t.call('idempotent', (p) =>
          this.t.api.request<RawWorkflowRunsResponse>({
            path: `/repos/${seg(owner)}/${seg(repo)}/actions/runs`,
            method: 'GET',
            query: {
              event: filters.event,
              branch: filters.branch,
              status: filters.status,
              actor: filters.actor,
              head_sha: filters.headSha,
              page,
              limit,
            },
            secure: true,
            ...p,
          }),
        );
        const body = this.read(response, (data) => data);
        return {
          items: this.read(response, (data) => (data.workflow_runs ?? []).map(toWorkflowRun)),
          totalCount: body.total_count ?? totalCountOf(response),
        };
      },
      { limit: DEFAULT_PAGE_LIMIT, maxItems: filters.maxItems },
    );
    return items;
  }

  // ── permissions ─────────────────────────────────────────────────────────────────────────

  /**
   * `user`'s permission on the repository, cached briefly. An unknown user (404) has `none`;
   * so has a non-collaborator of a private repository (Gitea answers 200 `none`). Gitea refuses
   * (403) to tell anyone but site and repository admins about other users: when the bot is not
   * a repository admin that is a BotNotRepoAdminError, never `none` for the user.
   */
  async getPermission(owner: string, repo: string, user: string): Promise<RepoPermission> {
    const key = `${this.repoKey(owner, repo)}#${user.toLowerCase()}`;
    const cached = this.permissions.get(key);
    if (cached) return cached;
    let permission: RepoPermission;
    try {
      const response = await this.t.call('idempotent', (p) =>
        this.t.api.repos.repoGetRepoPermissions(seg(owner), seg(repo), seg(user), p),
      );
      permission = this.read(response, (data) => parseRepoPermission(data.permission));
    } catch (error) {
      if (error instanceof GiteaForbiddenError && error.reason === 'forbidden') {
        throw await this.explainRefusedPermission(owner, repo, user, error);
      }
      if (!(error instanceof GiteaNotFoundError)) throw error;
      permission = 'none';
    }
    this.permissions.set(key, permission);
    return permission;
  }

  /**
   * Why Gitea refused to tell `user`'s permission: the bot asks for its own (always allowed);
   * unless it is an admin, that is the reason. Otherwise (e.g. the token's scopes) the refusal
   * stays as it is.
   */
  private async explainRefusedPermission(
    owner: string,
    repo: string,
    user: string,
    refusal: GiteaForbiddenError,
  ): Promise<GiteaForbiddenError> {
    const bot = (await this.bot()).login;
    if (sameLogin(bot, user)) return refusal;
    const botPermission = await this.getPermission(owner, repo, bot);
    if (botPermission === 'admin') return refusal;
    const { status, method, path, giteaMessage } = refusal;
    return new BotNotRepoAdminError(
      { status, method, path, giteaMessage, cause: refusal },
      { repo: `${owner}/${repo}`, bot, botPermission },
    );
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  /** The bot account (the token's user), looked up once. */
  private bot(): Promise<GiteaUser> {
    if (!this.botUser) {
      this.botUser = this.getCurrentUser();
      this.botUser.catch(() => {
        this.botUser = undefined;
      });
    }
    return this.botUser;
  }

  /**
   * ListIssueComments and CreateIssueComment (routers/api/v1/repo/issue_comment.go) answer 500,
   * not 404, for an issue that does not exist, which would be retried as if Gitea were failing.
   * After a 500 the issue itself is looked up: when it is gone the failure is a permanent
   * GiteaNotFoundError; any other 500 stays what it was (retryable).
   */
  private async missingIssueOr(
    owner: string,
    repo: string,
    number: number,
    error: unknown,
  ): Promise<unknown> {
    if (!(error instanceof GiteaRetryableError) || error.status !== 500) return error;
    try {
      await this.getIssue(owner, repo, number);
      return error;
    } catch (lookup) {
      if (!(lookup instanceof GiteaNotFoundError)) return error;
      return new GiteaNotFoundError({
        status: lookup.status,
        method: error.method,
        path: error.path,
        giteaMessage: `issue #${number} does not exist in ${owner}/${repo} (Gitea answered 500 for its comments)`,
        cause: error,
      });
    }
  }

  private repoKey(owner: string, repo: string): string {
    return `${owner}/${repo}`.toLowerCase();
  }

  private issueRef(owner: string, repo: string, ref: IssueRef | number): Required<IssueRef> {
    if (typeof ref === 'number') return { owner, repo, number: ref };
    return { owner: ref.owner ?? owner, repo: ref.repo ?? repo, number: ref.number };
  }

  private async hasDependency(owner: string, repo: string, number: number, blocker: Required<IssueRef>) {
    const dependencies = await this.listDependencies(owner, repo, number);
    const blockerRepo = `${blocker.owner}/${blocker.repo}`.toLowerCase();
    return dependencies.some(
      (issue) =>
        issue.number === blocker.number &&
        (issue.repository === '' || issue.repository.toLowerCase() === blockerRepo),
    );
  }

  private async findLabel(owner: string, repo: string, name: string): Promise<GiteaLabel | undefined> {
    const cached = this.labels.get(this.repoKey(owner, repo));
    const hit = cached?.find((label) => label.name === name);
    if (hit) return hit;
    return (await this.listLabels(owner, repo)).find((label) => label.name === name);
  }

  /** Label names → ids, from a short-lived cache refreshed once when a name is missing. */
  private async labelIds(owner: string, repo: string, names: string[]): Promise<number[]> {
    let labels = this.labels.get(this.repoKey(owner, repo)) ?? (await this.listLabels(owner, repo));
    const missing = (list: GiteaLabel[]) =>
      names.filter((name) => !list.some((label) => label.name === name));
    if (missing(labels).length > 0) labels = await this.listLabels(owner, repo);
    const stillMissing = missing(labels);
    if (stillMissing.length > 0) {
      throw new GiteaNotFoundError({
        status: 404,
        method: 'GET',
        path: `/repos/${seg(owner)}/${seg(repo)}/labels`,
        giteaMessage: `no label named ${stillMissing.map((n) => `"${n}"`).join(', ')} in ${owner}/${repo} (run \`aiworker setup --repo ${owner}/${repo}\`)`,
      });
    }
    return names.map((name) => labels.find((label) => label.name === name)!.id);
  }

  /** Every page of a list endpoint, converted. */
  private async pages<Raw, Item>(
    request: (page: number, limit: number, params: RequestParams) => Promise<HttpResponse<Raw[], unknown>>,
    convert: (raw: Raw) => Item,
    options: ListOptions = {},
  ): Promise<Item[]> {
    const { items } = await collectPages(
      async (page, limit): Promise<Page<Item>> => {
        const response = await this.t.call('idempotent', (p) => request(page, limit, p));
        return {
          items: this.read(response, (data) => data.map(convert)),
          totalCount: totalCountOf(response),
        };
      },
      { limit: DEFAULT_PAGE_LIMIT, maxItems: options.maxItems },
    );
    return items;
  }

  /** Converts a response body; a body Gitea should have sent but did not is a GiteaError. */
  private read<Data, Result>(response: HttpResponse<Data, unknown>, convert: (data: Data) => Result): Result {
    try {
      if (response.data === null || response.data === undefined) {
        throw new UnexpectedGiteaResponseError('Gitea response has no JSON body');
      }
      return convert(response.data);
    } catch (error) {
      if (!(error instanceof UnexpectedGiteaResponseError)) throw error;
      const { method, path } = this.t.requestOf(response);
      throw new GiteaError(
        { status: response.status, method, path, giteaMessage: error.message },
        'unexpected response',
      );
    }
  }
}

function basicAuth(username: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}
