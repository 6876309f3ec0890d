import type { Logger } from 'pino';
import type { COMMENT_EVENT, CommentAction, GiteaEventType } from './event-names.ts';
import type { Actor, RepoRef, WebhookPayload } from './payloads.ts';

/**
 * The event model every layer speaks: one Gitea delivery as it is routed (GiteaEvent), what a
 * handler receives (EventContext), and the one shape comments, pull request comments and
 * reviews are normalised into (NormalisedComment). Parsing and routing are in src/events/.
 */

/** One delivery, parsed once and read by loop prevention, routing and logging. */
export interface GiteaEvent {
  deliveryId: string;
  event: string;
  eventType: string;
  action: string | null;
  /** `${eventType}.${action}`, or the event type alone for events without an action. */
  name: string;
  payload: WebhookPayload;
  repo: RepoRef | null;
  issueNumber: number | null;
  sender: Actor | null;
  /** Set for comment and review events (normalised by src/events/comments.ts). */
  comment: NormalisedComment | null;
}

export interface DeliveryHeaders {
  deliveryId: string;
  event: string;
  eventType: string;
}

export type CommentKind = 'issue' | 'pull' | 'review';
export type ReviewState = 'approved' | 'rejected' | 'comment';

export interface NormalisedComment {
  kind: CommentKind;
  repo: RepoRef;
  issue: {
    number: number;
    id: number;
    title: string;
    body: string;
    state: string;
    isPull: boolean;
    labels: string[];
    author: string;
  };
  comment: {
    /** Gitea's comment id; null for reviews (Gitea's review payload carries no id). */
    id: number | null;
    body: string;
    author: string;
    /** ISO timestamp; null for reviews and payloads that lack it. */
    createdAt: string | null;
    htmlUrl: string | null;
  };
  /** Reviews only: approved, rejected (changes requested) or a plain review comment. */
  review?: { state: ReviewState };
  sender: Actor;
  action: CommentAction;
  /** `edited` only: the body before the edit. */
  bodyBefore?: string;
}

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

// ── registering handlers ────────────────────────────────────────────────────────────────

/** What a handler registers for: a Gitea event type, `type.action`, or the normalised `comment[.action]`. */
export type HandlerName =
  | GiteaEventType
  | `${GiteaEventType}.${string}`
  | typeof COMMENT_EVENT
  | `${typeof COMMENT_EVENT}.${CommentAction}`;

export type ContextFor<N extends HandlerName> = N extends
  | typeof COMMENT_EVENT
  | `${typeof COMMENT_EVENT}.${string}`
  ? CommentContext
  : EventContext<WebhookPayload>;

export type Handler<C> = (context: C) => Promise<void> | void;

export interface HandlerOptions {
  /** Shown in logs and metrics; defaults to the function's name. */
  name?: string;
}

/**
 * Where handlers are registered (the router in src/events/registry.ts implements it): handler
 * modules take this interface, so they never depend on the router itself.
 */
export interface HandlerRegistrar {
  /** Registers a handler for one or more names (`type` or `type.action`). */
  on<N extends HandlerName>(
    names: N | readonly N[],
    handler: Handler<ContextFor<N>>,
    options?: HandlerOptions,
  ): unknown;
}
