import { createHmac } from 'node:crypto';
import type { GiteaEventType } from '../../src/domain/event-names.ts';

/** What tests and benchmarks need to send webhooks the way Gitea does. */

/** The bare hex HMAC-SHA256 Gitea sends in X-Gitea-Signature (sha256=… in X-Hub-Signature-256). */
export function signPayload(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * The X-Gitea-Event header Gitea sends for an event type (`HookEventType.Event()`), e.g.
 * `issues` for `issue_label`. Used to replay fixtures and by fakes that emit webhooks.
 */
export function giteaEventHeaderFor(eventType: GiteaEventType): string {
  switch (eventType) {
    case 'issues':
    case 'issue_assign':
    case 'issue_label':
    case 'issue_milestone':
      return 'issues';
    case 'pull_request':
    case 'pull_request_assign':
    case 'pull_request_label':
    case 'pull_request_milestone':
    case 'pull_request_sync':
    case 'pull_request_review_request':
      return 'pull_request';
    case 'issue_comment':
    case 'pull_request_comment':
      return 'issue_comment';
    case 'pull_request_review_approved':
      return 'pull_request_approved';
    case 'pull_request_review_rejected':
      return 'pull_request_rejected';
    case 'pull_request_review_comment':
      return 'pull_request_comment';
    default:
      return eventType;
  }
}
