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
   * The request body exactly as received (JSON text, validated at the endpoint). Kept as text:
   * storing the string costs one escape pass, while re-serialising the parsed object costs a
   * full walk of it on the request path (see docs/benchmarks.md). Empty once the job finished
   * and its payload was trimmed.
   */
  rawPayload: string;
  /** Set when the worker dropped the payload of a finished job to save Redis memory. */
  trimmed?: true;
}

/** What the endpoint hands to the queue (everything but the trimming flag). */
export type IncomingDelivery = Omit<DeliveryJobData, 'trimmed'>;
