import type { Logger } from '../config/logger.ts';
import type { RunRow } from '../db/runs.ts';
import type { StopReason } from './run-report.ts';

/**
 * The watchdog (docs/architecture.md §5): a run past its deadline, or silent for longer than
 * `agents.silenceMinutes`, is stopped and failed with the reason. Silence is measured from the
 * run's last sign of life: `heartbeat_at`, which the MCP server stamps on every tool call
 * (post_progress included), or its start when it has not called anything yet.
 */

export interface WatchdogLimits {
  timeoutMinutes: number;
  silenceMinutes: number;
}

/** Why a started run must be stopped now, or null while it is within its limits. */
export function watchdogVerdict(
  run: Pick<RunRow, 'status' | 'startedAt' | 'deadlineAt' | 'heartbeatAt' | 'externalId'>,
  now: Date,
  limits: WatchdogLimits,
): StopReason | null {
  if (run.externalId === null || run.startedAt === null) return null;
  if (run.status !== 'running' && run.status !== 'paused') return null;
  if (run.deadlineAt !== null && now.getTime() >= run.deadlineAt.getTime()) {
    return { kind: 'deadline', minutes: limits.timeoutMinutes };
  }
  const lastSign =
    run.heartbeatAt !== null && run.heartbeatAt > run.startedAt ? run.heartbeatAt : run.startedAt;
  if (now.getTime() - lastSign.getTime() < limits.silenceMinutes * 60_000) return null;
  // A paused agent asked a question and should have stopped: end it quietly, still paused.
  if (run.status === 'paused') return { kind: 'paused-idle' };
  return {
    kind: 'silent',
    minutes: limits.silenceMinutes,
    lastReportAt: run.heartbeatAt ? run.heartbeatAt.toISOString() : null,
  };
}

/** Runs `check` now and then every `intervalMs` (never two at once) until stopped. */
export function startPeriodic(
  name: string,
  intervalMs: number,
  check: () => Promise<void>,
  log: Logger,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = check()
      .catch((error: unknown) => log.warn({ err: error }, `${name} failed; trying again later`))
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = intervalMs > 0 ? setInterval(tick, intervalMs) : null;
  timer?.unref();
  return {
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
