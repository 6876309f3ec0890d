import { PermanentError } from '../domain/errors.ts';
import { COMMENT_EVENT_TYPES, type CommentAction, REVIEW_EVENT_TYPES } from '../domain/event-names.ts';
import type { NormalisedComment, ReviewState } from '../domain/events.ts';
import type { GiteaIssueFields, WebhookPayload } from '../domain/payloads.ts';
import { readActor, readLabelNames, readRepo } from './payloads.ts';

/**
 * Gitea reports a comment in three shapes: an issue comment and a pull request comment arrive
 * as IssueCommentPayload (`comment` + `issue`), a submitted review as PullRequestPayload with a
 * `review` {type, content} and no comment object at all. Handlers of commands and answers
 * should not care, so all three become one NormalisedComment, dispatched as `comment.<action>`.
 */

const COMMENT_TYPES = new Set<string>(COMMENT_EVENT_TYPES);
const REVIEW_TYPES = new Set<string>(REVIEW_EVENT_TYPES);
const COMMENT_ACTIONS = new Set<string>(['created', 'edited', 'deleted']);

const REVIEW_STATES: Record<string, ReviewState> = {
  pull_request_review_approved: 'approved',
  pull_request_review_rejected: 'rejected',
  pull_request_review_comment: 'comment',
};

/** Whether an event of this type and action is normalised into a `comment.*` event. */
export function isCommentEvent(eventType: string, action: string | null): boolean {
  if (COMMENT_TYPES.has(eventType)) return action !== null && COMMENT_ACTIONS.has(action);
  return REVIEW_TYPES.has(eventType) && action === 'reviewed';
}

/**
 * Builds the NormalisedComment of a comment or review event, or returns null for any other
 * event. Throws a PermanentError naming the missing fields when a comment event lacks them:
 * retrying cannot fix a payload.
 */
export function normaliseComment(eventType: string, payload: WebhookPayload): NormalisedComment | null {
  const action = typeof payload.action === 'string' ? payload.action : null;
  if (!isCommentEvent(eventType, action)) return null;
  return REVIEW_TYPES.has(eventType) ? fromReview(eventType, payload) : fromComment(eventType, payload);
}

function fromComment(eventType: string, payload: WebhookPayload): NormalisedComment {
  const missing: string[] = [];
  const repo = readRepo(payload) ?? note(missing, 'repository');
  const sender = readActor(payload.sender) ?? note(missing, 'sender');
  const issue = isObject(payload.issue) ? payload.issue : note(missing, 'issue');
  const comment = isObject(payload.comment) ? payload.comment : note(missing, 'comment');
  if (issue && typeof issue.number !== 'number') missing.push('issue.number');
  if (comment && typeof comment.id !== 'number') missing.push('comment.id');
  if (comment && typeof comment.body !== 'string') missing.push('comment.body');
  if (!repo || !sender || !issue || !comment || missing.length > 0)
    throw incomplete(eventType, payload, missing);

  const isPull =
    typeof payload.is_pull === 'boolean'
      ? payload.is_pull
      : eventType === 'pull_request_comment' ||
        (issue.pull_request !== null && issue.pull_request !== undefined);
  const commentAuthor = readActor(comment.user);
  const normalised: NormalisedComment = {
    kind: isPull ? 'pull' : 'issue',
    repo,
    issue: issueOf(issue, isPull),
    comment: {
      id: comment.id,
      body: comment.body,
      author: commentAuthor?.login ?? sender.login,
      createdAt: typeof comment.created_at === 'string' ? comment.created_at : null,
      htmlUrl: typeof comment.html_url === 'string' ? comment.html_url : null,
    },
    sender,
    action: payload.action as CommentAction,
  };
  const before = payload.changes?.body?.from;
  if (normalised.action === 'edited' && typeof before === 'string') normalised.bodyBefore = before;
  return normalised;
}

function fromReview(eventType: string, payload: WebhookPayload): NormalisedComment {
  const missing: string[] = [];
  const repo = readRepo(payload) ?? note(missing, 'repository');
  const sender = readActor(payload.sender) ?? note(missing, 'sender');
  const pull = isObject(payload.pull_request) ? payload.pull_request : note(missing, 'pull_request');
  const review = isObject(payload.review) ? payload.review : note(missing, 'review');
  if (pull && typeof pull.number !== 'number') missing.push('pull_request.number');
  if (!repo || !sender || !pull || !review || missing.length > 0)
    throw incomplete(eventType, payload, missing);

  return {
    kind: 'review',
    repo,
    issue: issueOf(pull, true),
    comment: {
      id: null,
      body: typeof review.content === 'string' ? review.content : '',
      author: sender.login,
      createdAt: null,
      htmlUrl: typeof pull.html_url === 'string' ? pull.html_url : null,
    },
    review: { state: REVIEW_STATES[eventType] ?? 'comment' },
    sender,
    action: 'created',
  };
}

/** The issue or pull request a comment is on; fields an older Gitea omits get neutral values. */
function issueOf(raw: GiteaIssueFields, isPull: boolean): NormalisedComment['issue'] {
  return {
    number: raw.number,
    id: typeof raw.id === 'number' ? raw.id : 0,
    title: typeof raw.title === 'string' ? raw.title : '',
    body: typeof raw.body === 'string' ? raw.body : '',
    state: typeof raw.state === 'string' ? raw.state : 'open',
    isPull,
    labels: readLabelNames(raw.labels),
    author: readActor(raw.user)?.login ?? '',
  };
}

function isObject<T>(value: T | null | undefined): value is T & object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function note(missing: string[], field: string): null {
  missing.push(field);
  return null;
}

function incomplete(eventType: string, payload: WebhookPayload, missing: string[]): PermanentError {
  const name = `${eventType}.${String(payload.action)}`;
  return new PermanentError(`${name} payload is missing ${[...new Set(missing)].join(', ')}`);
}
