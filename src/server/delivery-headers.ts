import type { IncomingHttpHeaders } from 'node:http';
import type { DeliveryHeaders } from '../domain/events.ts';

/**
 * The delivery headers of a webhook request. Gitea sends each under several names with the
 * same value (X-Gitea-*, X-GitHub-*, X-Gogs-*); X-Gitea-* is read first and the others are
 * accepted as fallbacks, so a proxy that drops vendor headers or a GitHub-style sender still
 * works. X-Gitea-Event-Type (the exact kind) falls back to the event when absent, as older
 * Gitea versions do not send it.
 */
export type { DeliveryHeaders };

const DELIVERY_NAMES = ['x-gitea-delivery', 'x-github-delivery', 'x-gogs-delivery'];
const EVENT_NAMES = ['x-gitea-event', 'x-github-event', 'x-gogs-event'];
const EVENT_TYPE_NAMES = ['x-gitea-event-type', 'x-github-event-type', 'x-gogs-event-type'];

/** A job id BullMQ accepts (no ':', not all digits) that fits `deliveries.id`. */
const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ALL_DIGITS = /^\d+$/;
const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export function firstHeader(headers: IncomingHttpHeaders, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') return value;
    if (Array.isArray(value) && value[0]) return value[0];
  }
  return undefined;
}

/** The event type as sent, for metrics labels; unvalidated. */
export function claimedEventType(headers: IncomingHttpHeaders): string | undefined {
  return firstHeader(headers, EVENT_TYPE_NAMES) ?? firstHeader(headers, EVENT_NAMES);
}

/** Reads and checks the delivery headers; returns what is wrong as a sentence for the 400 answer. */
export function readDeliveryHeaders(headers: IncomingHttpHeaders): DeliveryHeaders | { problem: string } {
  const deliveryId = firstHeader(headers, DELIVERY_NAMES);
  if (deliveryId === undefined) return { problem: 'X-Gitea-Delivery header missing' };
  if (!DELIVERY_ID.test(deliveryId) || ALL_DIGITS.test(deliveryId)) {
    return { problem: 'X-Gitea-Delivery must be an id such as a UUID' };
  }
  const event = firstHeader(headers, EVENT_NAMES);
  if (event === undefined) return { problem: 'X-Gitea-Event header missing' };
  const eventType = firstHeader(headers, EVENT_TYPE_NAMES) ?? event;
  if (!EVENT_NAME.test(event) || !EVENT_NAME.test(eventType)) {
    return { problem: 'X-Gitea-Event / X-Gitea-Event-Type must be event names such as issue_comment' };
  }
  return { deliveryId, event, eventType };
}
