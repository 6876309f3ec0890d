import { GiteaNotFoundError, GiteaRetryableError } from './errors.ts';
import { findOrCreate } from './find-or-create.ts';
import type { GiteaIssues } from './issues.ts';
import { findMarker, type MarkerRef, renderMarker } from './markers.ts';
import { readBody, sameLogin, seg } from './requests.ts';
import type { GiteaTransport } from './transport.ts';
import { type GiteaComment, type Reaction, toComment } from './types.ts';
import type { GiteaUsers } from './users.ts';

/** Comments of issues and pull requests, and `ensure`: the one bot comment carrying a marker. */

export interface EnsureCommentResult {
  id: number;
  created: boolean;
  updated: boolean;
}

function sameBody(a: string, b: string): boolean {
  const normal = (text: string) => text.replace(/\r\n/g, '\n').trimEnd();
  return normal(a) === normal(b);
}

export class GiteaComments {
  constructor(
    private readonly t: GiteaTransport,
    private readonly issues: Pick<GiteaIssues, 'get'>,
    private readonly users: Pick<GiteaUsers, 'bot'>,
  ) {}

  /**
   * Every comment of an issue or pull request (Gitea returns them all in one response). A
   * missing issue is a GiteaNotFoundError, although Gitea answers 500 for it here.
   */
  async list(owner: string, repo: string, number: number): Promise<GiteaComment[]> {
    try {
      const response = await this.t.call('idempotent', (p) =>
        this.t.api.repos.issueGetComments(seg(owner), seg(repo), number, {}, p),
      );
      return readBody(this.t, response, (comments) => comments.map(toComment));
    } catch (error) {
      throw await this.missingIssueOr(owner, repo, number, error);
    }
  }

  async get(owner: string, repo: string, id: number): Promise<GiteaComment> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueGetComment(seg(owner), seg(repo), id, p),
    );
    return readBody(this.t, response, toComment);
  }

  /**
   * Posts a comment; not idempotent on its own — see `ensure`. A missing issue is a
   * GiteaNotFoundError, although Gitea answers 500 for it here.
   */
  async create(owner: string, repo: string, number: number, body: string): Promise<GiteaComment> {
    try {
      const response = await this.t.call('unsafe', (p) =>
        this.t.api.repos.issueCreateComment(seg(owner), seg(repo), number, { body }, p),
      );
      return readBody(this.t, response, toComment);
    } catch (error) {
      throw await this.missingIssueOr(owner, repo, number, error);
    }
  }

  async edit(owner: string, repo: string, id: number, body: string): Promise<GiteaComment> {
    const response = await this.t.call('idempotent', (p) =>
      this.t.api.repos.issueEditComment(seg(owner), seg(repo), id, { body }, p),
    );
    return readBody(this.t, response, toComment);
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
  async ensure(
    owner: string,
    repo: string,
    issueNumber: number,
    marker: MarkerRef,
    body: string,
  ): Promise<EnsureCommentResult> {
    const fullBody = `${renderMarker(marker.kind, marker.attrs)}\n${body}`;
    const bot = (await this.users.bot()).login;
    const { value: comment, created } = await findOrCreate(
      {
        find: async () => {
          const comments = await this.list(owner, repo, issueNumber);
          return comments.find(
            (c) => sameLogin(c.author, bot) && findMarker(c.body, marker.kind, marker.attrs) !== undefined,
          );
        },
        create: () => this.create(owner, repo, issueNumber, fullBody),
      },
      this.t,
    );
    if (sameBody(comment.body, fullBody)) return { id: comment.id, created, updated: false };
    await this.edit(owner, repo, comment.id, fullBody);
    return { id: comment.id, created, updated: true };
  }

  /** Reacts to a comment; reacting twice is fine (Gitea answers 200). */
  async react(owner: string, repo: string, commentId: number, reaction: Reaction): Promise<void> {
    await this.t.call('idempotent', (p) =>
      this.t.api.repos.issuePostCommentReaction(seg(owner), seg(repo), commentId, { content: reaction }, p),
    );
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
      await this.issues.get(owner, repo, number);
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
}
