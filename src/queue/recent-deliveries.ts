/**
 * Delivery ids this process enqueued recently, to tell a duplicate from a first delivery
 * without asking Redis. Correctness does not depend on it (BullMQ's job id makes the enqueue
 * itself idempotent); it only answers "was this one new?" for the response and the metrics,
 * exactly within one process and as `accepted` for a duplicate that reaches another replica.
 */
export class RecentDeliveries {
  /** id → when it was enqueued (ms); Map keeps insertion order, so the first entry is the oldest. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (capacity < 1) throw new Error('RecentDeliveries: capacity must be at least 1');
  }

  has(id: string): boolean {
    const at = this.seen.get(id);
    if (at === undefined) return false;
    if (this.now() - at > this.maxAgeMs) {
      this.seen.delete(id);
      return false;
    }
    return true;
  }

  add(id: string): void {
    this.seen.delete(id);
    this.seen.set(id, this.now());
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
