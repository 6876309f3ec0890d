import { nextSubtaskState, type SubtaskEvent, type SubtaskState } from '../domain/lifecycle.ts';

/** The statuses an agent may report, and what each does to its subtask's lifecycle state. */

export const AGENT_STATUSES = ['running', 'review', 'blocked', 'failed'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** The lifecycle event each reported status stands for (blocked: none, see below). */
const EVENT_OF: Record<Exclude<AgentStatus, 'blocked'>, SubtaskEvent> = {
  running: { type: 'dispatched' },
  review: { type: 'pull_request_opened' },
  failed: { type: 'run_failed' },
};

export type AgentStatusChange =
  | {
      ok: true;
      /** The lifecycle state after the report. */
      state: SubtaskState;
      /** Whether the state changed (its version moves with it). */
      moved: boolean;
      /** What the `ai-status/*` label and the progress comment show. */
      shown: SubtaskState;
    }
  | { ok: false; reason: string };

/** What an agent reporting `status` does to a subtask in `state`, or why it cannot. */
export function agentStatusChange(state: SubtaskState, status: AgentStatus): AgentStatusChange {
  if (status === 'blocked') {
    // No lifecycle event means "the agent waits for a person": the `blocked` state belongs to
    // subtasks waiting for their dependencies, and nothing leads there from running. So the
    // state stays what it is; only the label and the progress comment say blocked.
    return { ok: true, state, moved: false, shown: 'blocked' };
  }
  if (state === status) return { ok: true, state, moved: false, shown: state };
  const next = nextSubtaskState(state, EVENT_OF[status]);
  if (!next.ok) return { ok: false, reason: next.reason };
  return { ok: true, state: next.next, moved: true, shown: next.next };
}
