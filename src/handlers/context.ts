import type { Logger } from '../config/logger.ts';
import type { NormalisedComment } from './comments.ts';
import type { Actor, RepoRef, WebhookPayload } from './payloads.ts';

/** What a handler receives: one event of one delivery. */
export interface EventContext<P = WebhookPayload> {
  /** X-Gitea-Delivery. A redelivery from Gitea's UI has a new one (see docs/architecture.md §3). */
  deliveryId: string;
  /** The routed name, e.g. `issues.opened`, `issue_label.label_updated`, `push`, `comment.created`. */
  name: string;
  /** X-Gitea-Event (the group, e.g. `issues`). */
  event: string;
  /** X-Gitea-Event-Type (the exact kind, e.g. `issue_label`); `comment` for normalised comments. */
  eventType: string;
  /** The payload's action; null for events without one (push, create, …). */
  action: string | null;
  payload: P;
  repo: RepoRef | null;
  /** The issue or pull request the event concerns, if any. */
  issueNumber: number | null;
  sender: Actor | null;
  /** Child logger carrying delivery id, event, repo and issue number. */
  log: Logger;
  /** Aborted when the worker must give the job up (shutdown deadline); long handlers should listen. */
  signal: AbortSignal;
  /** 1 on the first attempt, 2 on the first retry, … */
  attempt: number;
}

/** Context of a normalised comment event: repository, issue and sender always exist. */
export interface CommentContext extends EventContext<NormalisedComment> {
  repo: RepoRef;
  issueNumber: number;
  sender: Actor;
}
