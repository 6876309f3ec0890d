import { describe, expect, it } from 'vitest';
import {
  decideOutcome,
  decodeStopNote,
  encodeStopNote,
  fenced,
  NO_PULL_REQUEST,
  renderRunCancelled,
  renderRunFailure,
  type StopReason,
} from '../../src/agents/run-report.ts';
import { watchdogVerdict } from '../../src/agents/watchdog.ts';

const ended = { rowStatus: 'running', prNumber: null, stop: null } as const;

describe('what the end of a run means', () => {
  it('a success with a pull request moves the subtask to review', () => {
    const outcome = decideOutcome({ ...ended, phase: 'succeeded', exitCode: 0, prNumber: 31 });
    expect(outcome).toMatchObject({
      status: 'succeeded',
      subtaskEvent: { type: 'pull_request_opened' },
      notice: null,
    });
    expect(outcome.reason).toContain('#31');
  });

  it('a success without a pull request is a failure people are told about', () => {
    const outcome = decideOutcome({ ...ended, phase: 'succeeded', exitCode: 0 });
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: NO_PULL_REQUEST,
      subtaskEvent: { type: 'run_failed' },
      notice: 'failure',
    });
  });

  it('a failure keeps the runner’s own words', () => {
    const outcome = decideOutcome({
      ...ended,
      phase: 'failed',
      exitCode: 3,
      message: 'The agent failed with exit code 3',
    });
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: 'The agent failed with exit code 3',
      notice: 'failure',
    });
    expect(decideOutcome({ ...ended, phase: 'failed', exitCode: 2 }).reason).toBe(
      'the agent exited with code 2',
    );
  });

  it('a /cancel is a cancellation by that person; the subtask is failed so /retry can restart it', () => {
    const outcome = decideOutcome({ ...ended, phase: 'cancelled', stop: { kind: 'cancelled', by: 'alice' } });
    expect(outcome).toMatchObject({
      status: 'cancelled',
      reason: 'cancelled by @alice',
      subtaskEvent: { type: 'run_failed' },
      notice: 'cancelled',
    });
  });

  it('the watchdog’s reasons win over what the runner saw when it was told to stop', () => {
    const deadline = decideOutcome({ ...ended, phase: 'cancelled', stop: { kind: 'deadline', minutes: 60 } });
    expect(deadline).toMatchObject({ status: 'failed', notice: 'failure' });
    expect(deadline.reason).toMatch(/longer than its 60-minute limit/);
    const silent = decideOutcome({
      ...ended,
      phase: 'cancelled',
      stop: { kind: 'silent', minutes: 15, lastReportAt: '2026-01-01T10:00:00.000Z' },
    });
    expect(silent.reason).toMatch(
      /reported nothing for 15 minutes \(last report at 2026-01-01T10:00:00.000Z\)/,
    );
  });

  it('a run stopped outside AiWorker fails the subtask with that said', () => {
    const outcome = decideOutcome({ ...ended, phase: 'cancelled', message: 'Job deleted' });
    expect(outcome).toMatchObject({ status: 'failed', notice: 'failure' });
    expect(outcome.reason).toContain('outside AiWorker (Job deleted)');
  });

  it('a paused run (the agent asked a question) ends paused, without a failure', () => {
    expect(decideOutcome({ ...ended, rowStatus: 'paused', phase: 'succeeded' })).toMatchObject({
      status: 'paused',
      subtaskEvent: null,
      notice: null,
    });
  });

  it('a run of a closed subtask is cancelled quietly', () => {
    expect(decideOutcome({ ...ended, phase: 'cancelled', stop: { kind: 'subtask-closed' } })).toMatchObject({
      status: 'cancelled',
      subtaskEvent: null,
      notice: null,
    });
  });
});

describe('stop notes', () => {
  it('round-trip, and anything else is not a note', () => {
    const reasons: StopReason[] = [
      { kind: 'cancelled', by: 'bob' },
      { kind: 'deadline', minutes: 5 },
      { kind: 'silent', minutes: 2, lastReportAt: null },
    ];
    for (const reason of reasons) expect(decodeStopNote(encodeStopNote(reason))).toEqual(reason);
    expect(decodeStopNote(null)).toBeNull();
    expect(decodeStopNote('opened pull request #3')).toBeNull();
    expect(decodeStopNote('stop:{broken')).toBeNull();
  });
});

describe('the failure comment', () => {
  const view = {
    runId: 17,
    attempt: 2,
    issueNumber: 14,
    parentIssueNumber: 12,
    branch: 'ai/14-add-cart',
    runner: 'local',
    reason: 'The agent failed with exit code 3',
    exitCode: 3,
    logTail: 'npm test\nFAIL cart.test.ts\nusing token s3cr3t-git-token-value\n',
    secrets: ['s3cr3t-git-token-value'],
  };

  it('shows the exit code, the last output lines in a fence and how to retry, without secrets', () => {
    const body = renderRunFailure(view);
    expect(body).toContain('Agent run #17 failed (attempt 2)');
    expect(body).toContain('**Exit code:** 3');
    expect(body).toContain('```text\nnpm test\nFAIL cart.test.ts\nusing token [redacted]\n```');
    expect(body).not.toContain('s3cr3t-git-token-value');
    expect(body).toContain('`/retry` here');
    expect(body).toContain('`/retry #14` on #12');
  });

  it('output containing a fence cannot break out of the block', () => {
    const body = renderRunFailure({ ...view, logTail: 'before\n```\n# heading injected\n```\nafter' });
    expect(body).toContain('````text\nbefore\n```\n# heading injected\n```\nafter\n````');
    expect(fenced('a ````` b')).toMatch(/^``````text\n/);
  });

  it('says so when the agent printed nothing', () => {
    expect(renderRunFailure({ ...view, logTail: '  \n' })).toContain('The agent printed nothing.');
  });

  it('a cancellation names who cancelled and keeps the branch', () => {
    const body = renderRunCancelled({ ...view, reason: 'cancelled by @alice' });
    expect(body).toContain('Agent run #17 was cancelled');
    expect(body).toContain('Cancelled by @alice');
    expect(body).toContain('`ai/14-add-cart` is kept');
  });
});

describe('the watchdog', () => {
  const startedAt = new Date('2026-03-01T10:00:00Z');
  const run = {
    status: 'running',
    externalId: 'run-5',
    startedAt,
    deadlineAt: new Date('2026-03-01T11:00:00Z'),
    heartbeatAt: null as Date | null,
  };
  const limits = { timeoutMinutes: 60, silenceMinutes: 15 };
  const at = (minutes: number) => new Date(startedAt.getTime() + minutes * 60_000);

  it('leaves a run alone while it reports within the silence limit', () => {
    expect(watchdogVerdict(run, at(14), limits)).toBeNull();
    expect(watchdogVerdict({ ...run, heartbeatAt: at(40) }, at(50), limits)).toBeNull();
  });

  it('stops a run that has been silent too long, naming its last report', () => {
    expect(watchdogVerdict(run, at(15), limits)).toEqual({ kind: 'silent', minutes: 15, lastReportAt: null });
    expect(watchdogVerdict({ ...run, heartbeatAt: at(20) }, at(36), limits)).toEqual({
      kind: 'silent',
      minutes: 15,
      lastReportAt: at(20).toISOString(),
    });
  });

  it('stops a run past its deadline even while it reports', () => {
    expect(watchdogVerdict({ ...run, heartbeatAt: at(59) }, at(60), limits)).toEqual({
      kind: 'deadline',
      minutes: 60,
    });
  });

  it('ends a paused run that stays around quietly, and ignores runs not started', () => {
    expect(watchdogVerdict({ ...run, status: 'paused' }, at(30), limits)).toEqual({ kind: 'paused-idle' });
    expect(watchdogVerdict({ ...run, status: 'queued', externalId: null }, at(300), limits)).toBeNull();
  });
});
