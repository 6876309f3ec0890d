/**
 * The delivery queue's contract between the webhook endpoint (producer) and the workers.
 * The job id is the X-Gitea-Delivery header, so one delivery is one job however often it
 * arrives.
 */

export const DELIVERY_QUEUE_NAME = 'gitea-deliveries';
export const DELIVERY_JOB_NAME = 'delivery';
/** Redis key prefix of every BullMQ queue of AiWorker unless configured otherwise. */
export const DEFAULT_QUEUE_PREFIX = 'aiworker';

/** One verified webhook delivery, as it is stored in Redis. */
export interface DeliveryJobData {
  /** X-Gitea-Delivery (also the job id). */
  deliveryId: string;
  /** X-Gitea-Event: the event group, e.g. `issues` for a label change. */
  event: string;
  /** X-Gitea-Event-Type: the exact kind, e.g. `issue_label`; the event when Gitea sent none. */
  eventType: string;
  /** When the endpoint accepted it (epoch milliseconds). */
  receivedAt: number;
  /**
   * The request body, parsed once at the endpoint (the parse is also its validation). Stored as
   * the object rather than the received text: the request path costs the same either way
   * (docs/benchmarks.md), but Gitea indents its JSON and a string field would be stored
   * escaped, so the object takes about a third fewer bytes in Redis and the worker parses it
   * once instead of twice. Null once the job finished and its payload was trimmed.
   */
  payload: Record<string, unknown> | null;
}

/** What the endpoint hands to the queue. */
export interface IncomingDelivery extends DeliveryJobData {
  payload: Record<string, unknown>;
}
