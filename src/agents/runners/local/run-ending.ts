import type { RunPhase } from '../types.ts';

/** Every way a local run can end, and what the user is told for each. */

export type RunEnding =
  | { kind: 'exited'; code: number }
  | { kind: 'signalled'; signal: string }
  | { kind: 'deadline'; seconds: number }
  | { kind: 'cancelled' }
  | { kind: 'clone-failed'; detail: string }
  | { kind: 'start-failed'; detail: string }
  | { kind: 'lost'; during: 'clone' | 'agent' }
  | { kind: 'interrupted' };

export interface EndingStatus {
  phase: Extract<RunPhase, 'succeeded' | 'failed' | 'cancelled'>;
  exitCode?: number;
  message: string;
}

export function describeEnding(ending: RunEnding): EndingStatus {
  switch (ending.kind) {
    case 'exited':
      return ending.code === 0
        ? { phase: 'succeeded', exitCode: 0, message: 'The agent finished (exit code 0)' }
        : {
            phase: 'failed',
            exitCode: ending.code,
            message: `The agent failed with exit code ${ending.code}`,
          };
    case 'signalled':
      return { phase: 'failed', message: `The agent was killed by ${ending.signal}` };
    case 'deadline':
      return { phase: 'failed', message: `DeadlineExceeded: ran longer than ${ending.seconds} s` };
    case 'cancelled':
      return { phase: 'cancelled', message: 'Cancelled: the run was stopped on request' };
    case 'clone-failed':
      return { phase: 'failed', message: `CloneFailed: ${ending.detail}` };
    case 'start-failed':
      return { phase: 'failed', message: `StartFailed: could not start AGENT_COMMAND (${ending.detail})` };
    case 'lost':
      return ending.during === 'clone'
        ? {
            phase: 'failed',
            message: 'Lost: AiWorker stopped while the repository was being cloned; the agent never started',
          }
        : {
            phase: 'failed',
            message:
              'Lost: the agent process ended while AiWorker was not watching it, without recording an exit code',
          };
    case 'interrupted':
      return { phase: 'failed', message: 'Interrupted: the runner was shut down before the agent started' };
  }
}
