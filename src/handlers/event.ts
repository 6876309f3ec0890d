import { PermanentError } from '../queue/errors.ts';
import { type NormalisedComment, normaliseComment } from './comments.ts';
import {
  type Actor,
  asWebhookPayload,
  type RepoRef,
  readAction,
  readActor,
  readIssueNumber,
  readRepo,
  type WebhookPayload,
} from './payloads.ts';

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
  /** Set for comment and review events (see comments.ts). */
  comment: NormalisedComment | null;
}

export interface DeliveryHeaders {
  deliveryId: string;
  event: string;
  eventType: string;
}

/** Builds the GiteaEvent of a delivery; throws a PermanentError when the body is unusable. */
export function parseGiteaEvent(headers: DeliveryHeaders, body: unknown): GiteaEvent {
  const payload = asWebhookPayload(body);
  if (!payload) {
    throw new PermanentError(
      `delivery ${headers.deliveryId}: the ${headers.eventType} payload is not a JSON object`,
    );
  }
  const action = readAction(payload);
  return {
    deliveryId: headers.deliveryId,
    event: headers.event,
    eventType: headers.eventType,
    action,
    name: action === null ? headers.eventType : `${headers.eventType}.${action}`,
    payload,
    repo: readRepo(payload),
    issueNumber: readIssueNumber(payload),
    sender: readActor(payload.sender),
    comment: normaliseComment(headers.eventType, payload),
  };
}
