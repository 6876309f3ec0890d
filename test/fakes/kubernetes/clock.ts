/**
 * The fake cluster's time. Controllers (Deployment, namespace, Argo CD) schedule what a real
 * cluster would do "in a few seconds" on this clock; tests move it with `advance(ms)`, which
 * runs every task that falls due, in time order, including tasks those tasks schedule. Nothing
 * happens on the wall clock, so a test decides exactly when a rollout finishes.
 */

interface Task {
  at: number;
  seq: number;
  run: () => void;
}

export class FakeClock {
  private current: number;
  private seq = 0;
  private readonly tasks: Task[] = [];

  constructor(start: Date = new Date()) {
    this.current = Math.floor(start.getTime() / 1000) * 1000;
  }

  now(): number {
    return this.current;
  }

  /** RFC 3339 in whole seconds, as the API server writes timestamps. */
  iso(offsetMs = 0): string {
    return new Date(this.current + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** Runs `run` once `delayMs` has passed on this clock (0: at the next `advance`, even by 0). */
  after(delayMs: number, run: () => void): void {
    this.tasks.push({ at: this.current + Math.max(0, delayMs), seq: this.seq++, run });
  }

  /** Moves time forward, running due tasks in order; the clock reads each task's own time. */
  advance(ms: number): void {
    const end = this.current + Math.max(0, ms);
    for (let ran = 0; ; ran++) {
      const next = this.nextDue(end);
      if (!next) break;
      if (ran >= 10_000)
        throw new Error('Kubernetes fake: controllers keep scheduling work without settling');
      this.tasks.splice(this.tasks.indexOf(next), 1);
      this.current = Math.max(this.current, next.at);
      next.run();
    }
    this.current = end;
  }

  /** Tasks still waiting (for tests that check a controller has nothing left to do). */
  get pending(): number {
    return this.tasks.length;
  }

  private nextDue(end: number): Task | undefined {
    let best: Task | undefined;
    for (const task of this.tasks) {
      if (task.at > end) continue;
      if (!best || task.at < best.at || (task.at === best.at && task.seq < best.seq)) best = task;
    }
    return best;
  }
}
