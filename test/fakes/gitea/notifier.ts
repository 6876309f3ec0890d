import {
  absoluteUrl,
  toComment,
  toIssue,
  toPayloadCommit,
  toPullRequest,
  toRepo,
  toStatusCreator,
  toUser,
} from './convert.ts';
import { toWorkflowJobPayload, toWorkflowRunPayload } from './convert-actions.ts';
import { accessMode } from './domain/access.ts';
import {
  AccessMode,
  type ActionJobRecord,
  type ActionRunRecord,
  type CommentRecord,
  type CommitRecord,
  type FakeState,
  formatTime,
  type IssueRecord,
  type RepoRecord,
  type ReviewRecord,
  type StatusRecord,
  type UserRecord,
} from './state.ts';
import type { WebhookDispatcher } from './webhooks.ts';

const REVIEW_EVENT_TYPES = {
  approve: 'pull_request_review_approved',
  reject: 'pull_request_review_rejected',
  comment: 'pull_request_review_comment',
  pending: null,
} as const;

/**
 * services/webhook/notifier.go: which webhook each change fires, with which payload. Each
 * method mirrors the Gitea notifier of the same name, including whose permissions the
 * `repository.permissions` block shows (the poster's, the doer's or the owner's).
 */
export class Notifier {
  constructor(
    private readonly state: FakeState,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  private repoAs(repo: RepoRecord, user: UserRecord | null) {
    return toRepo(this.state, repo, accessMode(repo, user));
  }

  private repoAsOwner(repo: RepoRecord) {
    return toRepo(this.state, repo, AccessMode.Owner);
  }

  private poster(issue: IssueRecord): UserRecord {
    return this.state.userById(issue.posterId);
  }

  private issuePayload(
    repo: RepoRecord,
    issue: IssueRecord,
    doer: UserRecord,
    action: string,
    extra: { changes?: unknown; repository?: unknown; commitId?: string } = {},
  ) {
    return {
      action,
      number: issue.index,
      ...(extra.changes ? { changes: extra.changes } : {}),
      issue: toIssue(this.state, repo, issue),
      repository: extra.repository ?? this.repoAs(repo, this.poster(issue)),
      sender: toUser(this.state, doer),
      commit_id: extra.commitId ?? '',
    };
  }

  private pullPayload(
    repo: RepoRecord,
    issue: IssueRecord,
    doer: UserRecord,
    action: string,
    extra: { changes?: unknown; repository?: unknown; commitId?: string; viewer?: UserRecord } = {},
  ) {
    return {
      action,
      number: issue.index,
      ...(extra.changes ? { changes: extra.changes } : {}),
      pull_request: toPullRequest(this.state, repo, issue, extra.viewer ?? doer),
      requested_reviewer: null,
      repository: extra.repository ?? this.repoAs(repo, this.poster(issue)),
      sender: toUser(this.state, doer),
      commit_id: extra.commitId ?? '',
      review: null,
    };
  }

  /**
   * Pull request events are not branch-filtered: services/webhook/webhook.go getPayloadRef
   * knows only create, delete and push payloads.
   */
  private emitPull(
    repo: RepoRecord,
    eventType:
      | 'pull_request'
      | 'pull_request_label'
      | 'pull_request_sync'
      | 'pull_request_review_approved'
      | 'pull_request_review_rejected'
      | 'pull_request_review_comment',
    payload: { action: string },
  ) {
    this.dispatcher.emit(repo, eventType, payload, { action: payload.action });
  }

  /** NewIssue / NewPullRequest. */
  opened(repo: RepoRecord, issue: IssueRecord): void {
    const poster = this.poster(issue);
    if (issue.pull) this.emitPull(repo, 'pull_request', this.pullPayload(repo, issue, poster, 'opened'));
    else
      this.dispatcher.emit(repo, 'issues', this.issuePayload(repo, issue, poster, 'opened'), {
        action: 'opened',
      });
  }

  /** IssueChangeLabels: no label diff in the payload, only the issue as it is now. */
  labelsUpdated(repo: RepoRecord, issue: IssueRecord, doer: UserRecord): void {
    if (issue.pull) {
      const payload = this.pullPayload(repo, issue, doer, 'label_updated', {
        repository: this.repoAsOwner(repo),
      });
      this.emitPull(repo, 'pull_request_label', payload);
    } else {
      const payload = this.issuePayload(repo, issue, doer, 'label_updated');
      this.dispatcher.emit(repo, 'issue_label', payload, { action: 'label_updated' });
    }
  }

  /** IssueClearLabels. */
  labelsCleared(repo: RepoRecord, issue: IssueRecord, doer: UserRecord): void {
    if (issue.pull)
      this.emitPull(repo, 'pull_request_label', this.pullPayload(repo, issue, doer, 'label_cleared'));
    else {
      const payload = this.issuePayload(repo, issue, doer, 'label_cleared');
      this.dispatcher.emit(repo, 'issue_label', payload, { action: 'label_cleared' });
    }
  }

  /** IssueChangeTitle / IssueChangeContent. */
  edited(
    repo: RepoRecord,
    issue: IssueRecord,
    doer: UserRecord,
    change: { title?: string; body?: string },
  ): void {
    const changes =
      change.title !== undefined ? { title: { from: change.title } } : { body: { from: change.body ?? '' } };
    if (issue.pull)
      this.emitPull(repo, 'pull_request', this.pullPayload(repo, issue, doer, 'edited', { changes }));
    else
      this.dispatcher.emit(repo, 'issues', this.issuePayload(repo, issue, doer, 'edited', { changes }), {
        action: 'edited',
      });
  }

  /** IssueChangeStatus: closed or reopened (a merge is reported by `merged` instead). */
  statusChanged(repo: RepoRecord, issue: IssueRecord, doer: UserRecord, commitId = ''): void {
    const action = issue.isClosed ? 'closed' : 'reopened';
    if (issue.pull)
      this.emitPull(repo, 'pull_request', this.pullPayload(repo, issue, doer, action, { commitId }));
    else
      this.dispatcher.emit(repo, 'issues', this.issuePayload(repo, issue, doer, action, { commitId }), {
        action,
      });
  }

  /** CreateIssueComment / UpdateComment / DeleteComment. */
  comment(
    repo: RepoRecord,
    issue: IssueRecord,
    comment: CommentRecord,
    doer: UserRecord,
    action: 'created' | 'edited' | 'deleted',
    oldBody?: string,
  ): void {
    const payload = {
      action,
      issue: toIssue(this.state, repo, issue),
      ...(issue.pull ? { pull_request: toPullRequest(this.state, repo, issue, doer) } : {}),
      comment: toComment(this.state, repo, issue, comment),
      ...(action === 'edited' ? { changes: { body: { from: oldBody ?? '' } } } : {}),
      repository: this.repoAs(repo, doer),
      sender: toUser(this.state, doer),
      is_pull: issue.pull !== null,
    };
    this.dispatcher.emit(repo, issue.pull ? 'pull_request_comment' : 'issue_comment', payload, { action });
  }

  /** MergePullRequest: `closed` with pull_request.merged = true. */
  merged(repo: RepoRecord, issue: IssueRecord, doer: UserRecord): void {
    const payload = this.pullPayload(repo, issue, doer, 'closed', { repository: this.repoAs(repo, doer) });
    this.emitPull(repo, 'pull_request', payload);
  }

  /** PullRequestSynchronized: new commits on the head branch. */
  synchronized(repo: RepoRecord, issue: IssueRecord, doer: UserRecord): void {
    const payload = this.pullPayload(repo, issue, doer, 'synchronized', {
      repository: this.repoAsOwner(repo),
    });
    this.emitPull(repo, 'pull_request_sync', payload);
  }

  /**
   * PullRequestReview: the review's own event type, action `reviewed`, the pull request as the
   * reviewer sees it, the reviewer as sender and requested_reviewer, the poster's permissions,
   * and `review` with only the type and text (no id). Pending reviews fire nothing.
   */
  reviewed(repo: RepoRecord, issue: IssueRecord, review: ReviewRecord): void {
    const eventType = REVIEW_EVENT_TYPES[review.type];
    if (!eventType) return;
    const reviewer = this.state.userById(review.reviewerId);
    const payload = {
      action: 'reviewed',
      number: issue.index,
      pull_request: toPullRequest(this.state, repo, issue, reviewer),
      requested_reviewer: toUser(this.state, reviewer),
      repository: this.repoAs(repo, this.poster(issue)),
      sender: toUser(this.state, reviewer),
      commit_id: '',
      review: { type: eventType, content: review.content },
    };
    this.emitPull(repo, eventType, payload);
  }

  /** CreateRef for a new branch. */
  branchCreated(repo: RepoRecord, pusher: UserRecord, branch: string, sha: string): void {
    const payload = {
      sha,
      ref: branch,
      ref_type: 'branch',
      repository: toRepo(this.state, repo, AccessMode.None),
      sender: toUser(this.state, pusher),
    };
    this.dispatcher.emit(repo, 'create', payload, { branch });
  }

  /**
   * PushCommits (services/webhook/notifier.go): `commits` are the listed ones, newest first;
   * compare_url is ROOT_URL followed by the relative compare path (empty: ROOT_URL alone).
   */
  pushed(
    repo: RepoRecord,
    pusher: UserRecord,
    push: {
      branch: string;
      before: string;
      after: string;
      commits: CommitRecord[];
      totalCommits: number;
      headCommit: CommitRecord;
      compareUrl: string;
    },
  ): void {
    const apiPusher = toUser(this.state, pusher);
    const payload = {
      ref: `refs/heads/${push.branch}`,
      before: push.before,
      after: push.after,
      compare_url: `${this.state.baseUrl}/${push.compareUrl}`,
      commits: push.commits.map((commit) => toPayloadCommit(this.state, repo, commit)),
      total_commits: push.totalCommits,
      head_commit: toPayloadCommit(this.state, repo, push.headCommit),
      repository: this.repoAsOwner(repo),
      pusher: apiPusher,
      sender: apiPusher,
    };
    this.dispatcher.emit(repo, 'push', payload, { branch: push.branch });
  }

  /**
   * CreateCommitStatus: the status with its database id (the API shows the per-commit index
   * instead), the target URL made absolute (an empty one becomes ROOT_URL: httplib
   * MakeAbsoluteURL), the creator as sender — the Actions user for a job's status — and the
   * repository with owner permissions. `updated_at` is set because the insert sets it.
   */
  commitStatus(repo: RepoRecord, status: StatusRecord, commit: CommitRecord): void {
    const payload = {
      commit: toPayloadCommit(this.state, repo, commit),
      context: status.context,
      created_at: formatTime(status.createdAt),
      description: status.description,
      id: status.id,
      repository: this.repoAsOwner(repo),
      sender: toStatusCreator(this.state, status.creatorId),
      sha: status.sha,
      state: status.state,
      target_url: absoluteUrl(this.state, status.targetUrl),
      updated_at: formatTime(status.updatedAt),
    };
    this.dispatcher.emit(repo, 'status', payload);
  }

  /** WorkflowRunStatusUpdate (Gitea 1.25 and later). */
  workflowRun(repo: RepoRecord, run: ActionRunRecord, sender: UserRecord): void {
    const payload = toWorkflowRunPayload(this.state, repo, run, sender);
    if (payload) this.dispatcher.emit(repo, 'workflow_run', payload, { action: payload.action });
  }

  /** WorkflowJobStatusUpdate (Gitea 1.24 and later). */
  workflowJob(repo: RepoRecord, run: ActionRunRecord, job: ActionJobRecord, sender: UserRecord): void {
    const payload = toWorkflowJobPayload(this.state, repo, run, job, sender);
    this.dispatcher.emit(repo, 'workflow_job', payload, { action: payload.action });
  }
}
