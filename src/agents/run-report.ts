import { redactSecrets } from '../config/redact.ts';
import type { RunStatusName } from '../db/runs.ts';
import type { SubtaskEvent } from '../domain/lifecycle.ts';
import type { RunPhase } from './runners/types.ts';

/**
 * How a run ended, in words and in state changes, as pure functions: what the run row says,
 * what happens to the subtask and which comment people get.
 */

/** Why AiWorker itself stopped a run; written to the run row before the runner is asked. */
export type StopReason =
  | { kind: 'cancelled'; by: string }
  | { kind: 'deadline'; minutes: number }
  | { kind: 'silent'; minutes: number; lastReportAt: string | null }
  | { kind: 'subtask-closed' }
  | { kind: 'paused-idle' };

const STOP_NOTE_PREFIX = 'stop:';

export function encodeStopNote(reason: StopReason): string {
  return `${STOP_NOTE_PREFIX}${JSON.stringify(reason)}`;
}

/** The stop reason recorded on an unfinished run, or null (none, or not a note). */
export function decodeStopNote(result: string | null): StopReason | null {
  if (!result?.startsWith(STOP_NOTE_PREFIX)) return null;
  try {
    const value = JSON.parse(result.slice(STOP_NOTE_PREFIX.length)) as StopReason;
    return typeof value === 'object' && value !== null && typeof value.kind === 'string' ? value : null;
  } catch {
    return null;
  }
}

export interface EndedRun {
  /** The row's status while it ran: `paused` runs stay paused. */
  rowStatus: string;
  phase: Extract<RunPhase, 'succeeded' | 'failed' | 'cancelled'>;
  exitCode?: number;
  /** The runner's own words (e.g. "The agent failed with exit code 3"). */
  message?: string;
  prNumber: number | null;
  stop: StopReason | null;
}

export interface RunOutcome {
  status: Exclude<RunStatusName, 'queued' | 'running'>;
  /** One sentence for people (and the run row's `result`). */
  reason: string;
  subtaskEvent: SubtaskEvent | null;
  notice: 'failure' | 'cancelled' | null;
}

export const NO_PULL_REQUEST = 'the agent finished without opening a pull request';

/** What a run's end means. */
export function decideOutcome(run: EndedRun): RunOutcome {
  const fail = (reason: string): RunOutcome => ({
    status: 'failed',
    reason,
    subtaskEvent: { type: 'run_failed' },
    notice: 'failure',
  });
  const stop = run.stop;
  if (stop?.kind === 'cancelled') {
    return {
      status: 'cancelled',
      reason: `cancelled by @${stop.by}`,
      subtaskEvent: { type: 'run_failed' },
      notice: 'cancelled',
    };
  }
  if (stop?.kind === 'subtask-closed') {
    return {
      status: 'cancelled',
      reason: 'stopped because the subtask issue was closed',
      subtaskEvent: null,
      notice: null,
    };
  }
  if (stop?.kind === 'deadline') {
    return fail(
      `it ran longer than its ${stop.minutes}-minute limit (\`agents.timeoutMinutes\`) and was stopped`,
    );
  }
  if (stop?.kind === 'silent') {
    const last = stop.lastReportAt ? ` (last report at ${stop.lastReportAt})` : '';
    return fail(
      `it reported nothing for ${stop.minutes} minutes${last} (\`agents.silenceMinutes\`) and was stopped`,
    );
  }
  if (run.rowStatus === 'paused' || stop?.kind === 'paused-idle') {
    return {
      status: 'paused',
      reason: 'the agent asked a question and stopped; waiting for an answer',
      subtaskEvent: null,
      notice: null,
    };
  }
  if (run.phase === 'succeeded') {
    if (run.prNumber !== null) {
      return {
        status: 'succeeded',
        reason: `opened pull request #${run.prNumber}`,
        subtaskEvent: { type: 'pull_request_opened' },
        notice: null,
      };
    }
    return fail(NO_PULL_REQUEST);
  }
  if (run.phase === 'cancelled') {
    return fail(`the run was stopped outside AiWorker${run.message ? ` (${run.message})` : ''}`);
  }
  if (run.message) return fail(run.message);
  return fail(run.exitCode !== undefined ? `the agent exited with code ${run.exitCode}` : 'the run failed');
}

/** A fence longer than any backtick run in the text, so output cannot close it early. */
export function fenced(text: string, info = 'text'): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

export interface RunNoticeView {
  runId: number;
  attempt: number;
  issueNumber: number;
  parentIssueNumber: number | null;
  branch: string;
  runner: string;
  reason: string;
  exitCode?: number | null;
  logTail?: string | null;
  /** Values to remove from everything shown (tokens, passwords). */
  secrets: readonly string[];
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function retryHint(view: RunNoticeView): string {
  const parent = view.parentIssueNumber
    ? ` (or \`/retry #${view.issueNumber}\` on #${view.parentIssueNumber})`
    : '';
  return `Say \`/retry\` here to start a new attempt${parent}.`;
}

/** The comment on the subtask issue when a run failed: the real error, secrets removed. */
export function renderRunFailure(view: RunNoticeView): string {
  const clean = (text: string) => redactSecrets(text, view.secrets);
  const facts = [
    ...(view.exitCode !== undefined && view.exitCode !== null ? [`**Exit code:** ${view.exitCode}`] : []),
    `**Branch:** \`${view.branch}\``,
    `**Runner:** ${view.runner}`,
  ].join(' · ');
  const tail = view.logTail?.trim() ? clean(view.logTail) : '';
  return [
    `### ⚠️ Agent run #${view.runId} failed (attempt ${view.attempt})`,
    '',
    `${capitalised(clean(view.reason))}.`.replace(/\.\.$/, '.'),
    '',
    facts,
    '',
    ...(tail ? ['Last lines of its output:', '', fenced(tail), ''] : ['The agent printed nothing.', '']),
    retryHint(view),
  ].join('\n');
}

/** The comment on the subtask issue when someone cancelled its run. */
export function renderRunCancelled(view: RunNoticeView): string {
  return [
    `### ⏹️ Agent run #${view.runId} was cancelled (attempt ${view.attempt})`,
    '',
    `${capitalised(redactSecrets(view.reason, view.secrets))}. The subtask is marked failed; its branch \`${view.branch}\` is kept.`,
    '',
    retryHint(view),
  ].join('\n');
}
