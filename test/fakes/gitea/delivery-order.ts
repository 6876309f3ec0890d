import { prng } from './prng.ts';

/**
 * In which order webhook deliveries reach their receivers.
 *
 * Gitea does not send webhooks in the order the events happened. Each delivery is a hook task
 * pushed to one queue per instance, `webhook_sender` (services/webhook/webhook.go
 * enqueueHookTask, services/webhook/deliver.go Init: queue.CreateUniqueQueue). That queue is a
 * worker pool (modules/queue/workergroup.go doRun): items popped from the queue are gathered
 * into a batch of up to BatchLength (20) items, or whatever arrived within 100 ms
 * (batchDebounceDuration), and each batch goes to a worker; a busy pool starts another worker
 * up to MaxWorkers (doDispatchBatchToWorker). MaxWorkers defaults to NumCPU/2, at least 1 and
 * at most 10 (modules/setting/queue.go GetQueueSettings). A worker delivers its batch one task
 * after another (services/webhook/webhook.go handler, which calls Deliver for each item), while
 * other workers deliver other batches at the same time. So the events of one batch stay in
 * order, and whenever a batch boundary falls between two events (the debounce timer or the 20
 * item limit, both a matter of timing) the later one can overtake the earlier one. The same
 * holds in Gitea 1.24 and 1.25.
 *
 * `in-order` sends one hook's deliveries one at a time in the order the events happened (what
 * Gitea does with a single worker). `pool` takes what is pending (up to `batchLength`), lets
 * the seed cut it into at most `workers` consecutive runs — the batches the debounce timer
 * would have made — and interleaves the runs as that many concurrent workers could: every
 * order it produces is one Gitea can produce, and events in one run keep their order. The
 * deliveries then go out one at a time in that order, so a seed replays the same order for the
 * same events instead of depending on which socket happens to be faster.
 */
export type DeliveryOrder =
  | { mode: 'in-order' }
  | {
      mode: 'pool';
      /** Concurrent workers to imitate (default 4, Gitea's choice on an 8-CPU host). */
      workers?: number;
      /** Most deliveries taken at once (default 20, Gitea's BatchLength). */
      batchLength?: number;
      /** Same seed and same events: same order (default 1). */
      seed?: number;
    };

export interface PoolSettings {
  workers: number;
  batchLength: number;
  seed: number;
}

export const GITEA_BATCH_LENGTH = 20;
export const DEFAULT_POOL_WORKERS = 4;

export function poolSettings(order: DeliveryOrder): PoolSettings | null {
  if (order.mode === 'in-order') return null;
  const workers = order.workers ?? DEFAULT_POOL_WORKERS;
  const batchLength = order.batchLength ?? GITEA_BATCH_LENGTH;
  // modules/setting/queue.go clamps MaxWorkers to 1..10.
  if (!Number.isInteger(workers) || workers < 1 || workers > 10) {
    throw new Error(`Gitea fake: pool workers must be an integer within 1..10, got ${workers}`);
  }
  if (!Number.isInteger(batchLength) || batchLength < 1) {
    throw new Error(`Gitea fake: pool batchLength must be a positive integer, got ${batchLength}`);
  }
  return { workers, batchLength, seed: order.seed ?? 1 };
}

/**
 * One order a pool of `workers` can deliver `items` in: cut into at most `workers` consecutive
 * runs, interleaved; each run keeps its order. `random` decides both.
 */
export function poolOrder<T>(items: readonly T[], workers: number, random: () => number): T[] {
  if (items.length < 2 || workers < 2) return [...items];
  const runCount = 1 + Math.floor(random() * Math.min(workers, items.length));
  const gaps = Array.from({ length: items.length - 1 }, (_, i) => i + 1);
  const cuts: number[] = [];
  for (let i = 0; i < runCount - 1; i++) {
    const [gap] = gaps.splice(Math.floor(random() * gaps.length), 1);
    if (gap !== undefined) cuts.push(gap);
  }
  cuts.sort((a, b) => a - b);
  const runs: T[][] = [];
  let start = 0;
  for (const cut of [...cuts, items.length]) {
    runs.push(items.slice(start, cut));
    start = cut;
  }
  const ordered: T[] = [];
  while (runs.length > 0) {
    const index = Math.floor(random() * runs.length);
    const run = runs[index] as T[];
    ordered.push(run.shift() as T);
    if (run.length === 0) runs.splice(index, 1);
  }
  return ordered;
}

/** The random source of one batch: from the seed and the batch's first event, so it replays. */
export function batchRandom(seed: number, firstSequence: number): () => number {
  return prng((Math.imul(seed >>> 0, 0x9e3779b1) ^ firstSequence) >>> 0);
}
