import type { Logger } from '../config/logger.ts';
import type { ProgressView } from './render.ts';

/**
 * One progress comment per run, edited in place and never more often than once per interval:
 * an agent reporting every second must not turn into an edit storm on the issue (every edit is
 * a Gitea write and a webhook). The latest view is always kept; what arrives inside the
 * interval is written when it ends, so the last word is never lost.
 */

/** Writes the view: edits the comment with this id, or creates/finds it when null. Returns its id. */
export type ProgressWriter = (view: ProgressView, commentId: number | null) => Promise<number>;

export interface ProgressUpdate {
  /** Identifies the comment: one per run and issue. */
  key: string;
  /** The view to start from when this process has none for the key yet. */
  initial: () => ProgressView;
  apply: (view: ProgressView) => ProgressView;
  write: ProgressWriter;
  /** The comment id recorded for the run, if any. */
  knownCommentId: number | null;
}

export interface ProgressUpdateResult {
  /** `published`: written by this call; `queued`: written when the interval ends. */
  state: 'published' | 'queued';
  commentId: number | null;
  /** When a queued update is written (ms since the epoch); null when published. */
  publishAt: number | null;
}

export interface ProgressPublisherOptions {
  intervalMs: number;
  log: Logger;
  clock?: () => number;
  /** How long an idle run's view is remembered (its checklist). Default 6 hours. */
  idleForgetMs?: number;
  /** Background retries of a failed write before the view is dropped. Default 3. */
  maxFailures?: number;
}

interface Entry {
  key: string;
  view: ProgressView;
  write: ProgressWriter;
  commentId: number | null;
  lastWriteAt: number | null;
  dirty: boolean;
  failures: number;
  writing: Promise<void> | null;
  timer: NodeJS.Timeout | null;
  forgetTimer: NodeJS.Timeout | null;
}

export class ProgressPublisher {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: () => number;
  private readonly idleForgetMs: number;
  private readonly maxFailures: number;

  constructor(private readonly options: ProgressPublisherOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs < 0) {
      throw new RangeError(
        `progress interval must be a non-negative number of ms, got ${options.intervalMs}`,
      );
    }
    this.clock = options.clock ?? Date.now;
    this.idleForgetMs = options.idleForgetMs ?? 6 * 60 * 60 * 1000;
    this.maxFailures = options.maxFailures ?? 3;
  }

  get intervalMs(): number {
    return this.options.intervalMs;
  }

  async update(update: ProgressUpdate): Promise<ProgressUpdateResult> {
    let entry = this.entries.get(update.key);
    if (!entry) {
      entry = {
        key: update.key,
        view: update.initial(),
        write: update.write,
        commentId: update.knownCommentId,
        lastWriteAt: null,
        dirty: false,
        failures: 0,
        writing: null,
        timer: null,
        forgetTimer: null,
      };
      this.entries.set(update.key, entry);
    }
    entry.view = update.apply(entry.view);
    entry.write = update.write;
    entry.dirty = true;
    entry.failures = 0;
    if (entry.forgetTimer) clearTimeout(entry.forgetTimer);
    entry.forgetTimer = null;

    const now = this.clock();
    const due = entry.lastWriteAt === null || now - entry.lastWriteAt >= this.options.intervalMs;
    if (due && entry.writing === null) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      await this.flush(entry);
      return { state: 'published', commentId: entry.commentId, publishAt: null };
    }
    this.schedule(entry);
    return {
      state: 'queued',
      commentId: entry.commentId,
      publishAt: (entry.lastWriteAt ?? now) + this.options.intervalMs,
    };
  }

  /** Writes every queued view now (at shutdown). */
  async flushAll(): Promise<void> {
    const entries = [...this.entries.values()];
    await Promise.all(
      entries.map(async (entry) => {
        if (entry.timer) clearTimeout(entry.timer);
        entry.timer = null;
        await this.flush(entry).catch((error: unknown) =>
          this.options.log.warn(
            { err: error, progress: entry.key },
            'progress comment not written at shutdown',
          ),
        );
      }),
    );
    for (const entry of this.entries.values()) {
      if (entry.forgetTimer) clearTimeout(entry.forgetTimer);
      if (entry.timer) clearTimeout(entry.timer);
    }
    this.entries.clear();
  }

  /** Views remembered (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private async flush(entry: Entry): Promise<void> {
    while (entry.writing) await entry.writing.catch(() => undefined);
    if (!entry.dirty) return;
    entry.dirty = false;
    const view = entry.view;
    entry.lastWriteAt = this.clock();
    const writing = entry.write(view, entry.commentId).then((commentId) => {
      entry.commentId = commentId;
    });
    entry.writing = writing;
    try {
      await writing;
    } catch (error) {
      // Unless something newer came in meanwhile, the failed view is still the one to show.
      entry.dirty = true;
      entry.failures += 1;
      throw error;
    } finally {
      entry.writing = null;
      this.afterWrite(entry);
    }
  }

  private afterWrite(entry: Entry): void {
    if (entry.dirty && entry.failures < this.maxFailures) {
      this.schedule(entry);
      return;
    }
    if (entry.dirty) {
      this.options.log.warn(
        { progress: entry.key, failures: entry.failures },
        'progress comment update dropped',
      );
      entry.dirty = false;
    }
    if (entry.timer === null) this.forgetLater(entry);
  }

  private schedule(entry: Entry): void {
    if (entry.timer) return;
    const delay = Math.max(0, (entry.lastWriteAt ?? this.clock()) + this.options.intervalMs - this.clock());
    entry.timer = setTimeout(() => {
      entry.timer = null;
      this.flush(entry).catch((error: unknown) =>
        this.options.log.warn({ err: error, progress: entry.key }, 'queued progress comment update failed'),
      );
    }, delay);
    entry.timer.unref();
  }

  private forgetLater(entry: Entry): void {
    if (entry.forgetTimer) clearTimeout(entry.forgetTimer);
    entry.forgetTimer = setTimeout(() => {
      if (!entry.dirty && entry.writing === null && entry.timer === null) this.entries.delete(entry.key);
    }, this.idleForgetMs);
    entry.forgetTimer.unref();
  }
}
