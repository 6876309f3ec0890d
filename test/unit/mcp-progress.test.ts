import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/config/logger.ts';
import { ProgressPublisher, type ProgressUpdate } from '../../src/mcp/progress.ts';
import type { ProgressView } from '../../src/mcp/render.ts';

/**
 * The progress throttle under a controlled clock: the first report is written at once, later
 * ones inside the interval are merged into one edit with the latest text, nothing is lost.
 */

const INTERVAL = 5_000;
const log = createLogger({ level: 'silent' });

interface Written {
  message: string;
  status: string;
  commentId: number | null;
}

function view(): ProgressView {
  return {
    runId: 7,
    branch: 'ai/12-wishlist',
    status: 'running',
    message: '',
    checklist: [],
    checklistSource: 'criteria',
    pullRequest: null,
    updatedAt: new Date(),
  };
}

let written: Written[];
let failNext: number;
let publisher: ProgressPublisher;

function report(change: Partial<ProgressView>, key = 'run-7'): ReturnType<ProgressPublisher['update']> {
  const update: ProgressUpdate = {
    key,
    initial: view,
    apply: (current) => ({ ...current, ...change }),
    write: async (shown, commentId) => {
      await Promise.resolve();
      if (failNext > 0) {
        failNext--;
        throw new Error('Gitea answered 502');
      }
      written.push({ message: shown.message, status: shown.status, commentId });
      return commentId ?? 5001;
    },
    knownCommentId: null,
  };
  return publisher.update(update);
}

beforeEach(() => {
  vi.useFakeTimers();
  written = [];
  failNext = 0;
  publisher = new ProgressPublisher({ intervalMs: INTERVAL, log, clock: () => Date.now() });
});

afterEach(async () => {
  await publisher.flushAll();
  vi.useRealTimers();
});

describe('ProgressPublisher', () => {
  it('writes the first report at once and creates the comment', async () => {
    const result = await report({ message: 'Reading the code' });
    expect(result).toEqual({ state: 'published', commentId: 5001, publishAt: null });
    expect(written).toEqual([{ message: 'Reading the code', status: 'running', commentId: null }]);
  });

  it('merges reports inside the interval into one edit that shows the latest', async () => {
    const start = Date.now();
    await report({ message: 'one' });
    await vi.advanceTimersByTimeAsync(1_000);
    const second = await report({ message: 'two' });
    const third = await report({ message: 'three', status: 'review' });
    expect(second).toEqual({ state: 'queued', commentId: 5001, publishAt: start + INTERVAL });
    expect(third.state).toBe('queued');
    expect(written).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(3_999);
    expect(written).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toEqual([
      { message: 'one', status: 'running', commentId: null },
      { message: 'three', status: 'review', commentId: 5001 },
    ]);
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(written).toHaveLength(2);
  });

  it('writes at once again once the interval has passed', async () => {
    await report({ message: 'one' });
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect((await report({ message: 'two' })).state).toBe('published');
    expect(written.map((w) => w.message)).toEqual(['one', 'two']);
  });

  it('keeps runs apart', async () => {
    await report({ message: 'run 7' }, 'run-7');
    expect((await report({ message: 'run 8' }, 'run-8')).state).toBe('published');
    expect(written.map((w) => w.message)).toEqual(['run 7', 'run 8']);
  });

  it('tells the caller when the immediate write failed, and retries the latest view later', async () => {
    failNext = 1;
    await expect(report({ message: 'first try' })).rejects.toThrow('502');
    expect(written).toEqual([]);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(written).toEqual([{ message: 'first try', status: 'running', commentId: null }]);
  });

  it('gives up on a view after repeated background failures', async () => {
    await report({ message: 'one' });
    await report({ message: 'two' });
    failNext = 10;
    await vi.advanceTimersByTimeAsync(INTERVAL * 10);
    expect(written.map((w) => w.message)).toEqual(['one']);
    expect(failNext).toBe(7);
  });

  it('writes queued views at shutdown', async () => {
    await report({ message: 'one' });
    await report({ message: 'last words' });
    await publisher.flushAll();
    expect(written.map((w) => w.message)).toEqual(['one', 'last words']);
    expect(publisher.size).toBe(0);
  });

  it('forgets an idle run after a while', async () => {
    publisher = new ProgressPublisher({
      intervalMs: INTERVAL,
      log,
      clock: () => Date.now(),
      idleForgetMs: 60_000,
    });
    await report({ message: 'one' });
    expect(publisher.size).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(publisher.size).toBe(0);
  });
});
