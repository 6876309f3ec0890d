import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { isRetryable } from '../domain/errors.ts';
import { isKnownEventType } from '../domain/event-names.ts';
import type { JobOutcome, WorkerMetrics } from '../queue/delivery-processor.ts';

/**
 * Prometheus metrics of one app instance. Each instance owns its Registry (never the global
 * one), so tests and `start` (server and worker in one process) can create as many as they
 * need without "metric already registered" errors.
 */

export type DeliveryOutcome =
  | 'accepted'
  | 'duplicate'
  | 'unauthorized'
  | 'bad_request'
  | 'too_large'
  | 'unavailable';

/** Source of the queue depth gauge, read on each scrape. */
export type QueueDepthSource = () => Promise<Record<string, number>>;

export interface AppMetrics extends WorkerMetrics {
  readonly registry: Registry;
  /** Counts a webhook request and observes how long its answer took. */
  recordDelivery(event: string | undefined, outcome: DeliveryOutcome, seconds: number): void;
  /** Where the queue depth gauge reads from (set once the queue exists). */
  setQueueDepthSource(source: QueueDepthSource): void;
}

export interface MetricsOptions {
  queueDepth?: QueueDepthSource;
  /** Node.js process metrics (CPU, memory, event loop lag); default true. */
  processMetrics?: boolean;
}

const ACK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const HANDLER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics(options: MetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'aiworker_' });
  let depthSource = options.queueDepth;

  const deliveries = new Counter({
    name: 'aiworker_webhook_deliveries_total',
    help: 'Webhook requests by event (X-Gitea-Event-Type) and outcome (duplicate: a delivery id this process already stored)',
    labelNames: ['event', 'outcome'] as const,
    registers: [registry],
  });
  const ack = new Histogram({
    name: 'aiworker_webhook_ack_seconds',
    help: 'Time from request to answer of the webhook endpoint',
    labelNames: ['outcome'] as const,
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'aiworker_queue_jobs',
    help: 'Delivery jobs by state, read from Redis on each scrape',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (!depthSource) return;
      this.reset();
      try {
        const counts = await depthSource();
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      } catch {
        // Redis is down: report no value rather than a stale one; /readyz says why.
      }
    },
  });
  const handlerSeconds = new Histogram({
    name: 'aiworker_handler_duration_seconds',
    help: 'Duration of each handler run by handler and outcome',
    labelNames: ['handler', 'outcome'] as const,
    buckets: HANDLER_BUCKETS,
    registers: [registry],
  });
  const handlerFailures = new Counter({
    name: 'aiworker_handler_failures_total',
    help: 'Handler failures by handler and kind (retryable or permanent)',
    labelNames: ['handler', 'kind'] as const,
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'aiworker_jobs_total',
    help: 'Delivery jobs processed by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const jobSeconds = new Histogram({
    name: 'aiworker_job_duration_seconds',
    help: 'Duration of delivery jobs by outcome',
    labelNames: ['outcome'] as const,
    buckets: HANDLER_BUCKETS,
    registers: [registry],
  });

  return {
    registry,
    recordDelivery(event, outcome, seconds) {
      // The event label comes from a header: only known names, to bound the label set.
      const label = event !== undefined && isKnownEventType(event) ? event : 'other';
      deliveries.inc({ event: label, outcome });
      ack.observe({ outcome }, seconds);
    },
    setQueueDepthSource(source) {
      depthSource = source;
    },
    handlerFinished(handler, seconds, error) {
      handlerSeconds.observe({ handler, outcome: error ? 'failed' : 'ok' }, seconds);
      if (error) handlerFailures.inc({ handler, kind: isRetryable(error) ? 'retryable' : 'permanent' });
    },
    jobFinished(outcome: JobOutcome, seconds: number) {
      jobs.inc({ outcome });
      jobSeconds.observe({ outcome }, seconds);
    },
  };
}
