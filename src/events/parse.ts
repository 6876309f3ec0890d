import { PermanentError } from '../domain/errors.ts';
import type { DeliveryHeaders, GiteaEvent } from '../domain/events.ts';
import { normaliseComment } from './comments.ts';
import { asWebhookPayload, readAction, readActor, readIssueNumber, readRepo } from './payloads.ts';

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
