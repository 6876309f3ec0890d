/**
 * Gitea's webhook event names (modules/webhook/type.go in Gitea 1.26). Handlers are routed on
 * the exact kind, X-Gitea-Event-Type; X-Gitea-Event only names the group.
 */

export const GITEA_EVENT_TYPES = [
  'create',
  'delete',
  'fork',
  'push',
  'issues',
  'issue_assign',
  'issue_label',
  'issue_milestone',
  'issue_comment',
  'pull_request',
  'pull_request_assign',
  'pull_request_label',
  'pull_request_milestone',
  'pull_request_comment',
  'pull_request_review_approved',
  'pull_request_review_rejected',
  'pull_request_review_comment',
  'pull_request_sync',
  'pull_request_review_request',
  'wiki',
  'repository',
  'release',
  'package',
  'status',
  'workflow_run',
  'workflow_job',
  'schedule',
] as const;
export type GiteaEventType = (typeof GITEA_EVENT_TYPES)[number];

/** The normalised comment event (issue comments, PR comments and reviews in one shape). */
export const COMMENT_EVENT = 'comment';
export const COMMENT_ACTIONS = ['created', 'edited', 'deleted'] as const;
export type CommentAction = (typeof COMMENT_ACTIONS)[number];

/** Event types whose payload is a comment on an issue or pull request. */
export const COMMENT_EVENT_TYPES = ['issue_comment', 'pull_request_comment'] as const;
/** Event types of a submitted pull request review (action `reviewed`). */
export const REVIEW_EVENT_TYPES = [
  'pull_request_review_approved',
  'pull_request_review_rejected',
  'pull_request_review_comment',
] as const;

const KNOWN = new Set<string>(GITEA_EVENT_TYPES);

export function isKnownEventType(eventType: string): eventType is GiteaEventType {
  return KNOWN.has(eventType);
}
