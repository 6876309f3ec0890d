import type { CauseEntry } from '../db/audit.ts';
import type { Tx } from '../db/client.ts';
import type { RunRow } from '../db/runs.ts';
import type { WaitReason } from './selection.ts';

/**
 * What commands and jobs may ask of the agent dispatcher. Null where no runner is configured
 * (AGENT_RUNNER=none): callers then say so instead of dispatching.
 */
export interface AgentControl {
  /** Claims what may start now within the limits; launches are queued. */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** Cancels runs on someone's request; returns those that were still going. */
  cancelRuns(runs: readonly RunRow[], by: string): Promise<RunRow[]>;
  /**
   * Subtasks of a feature may have become ready (an issue closed, the decomposition finished):
   * one `dispatch` job per ready subtask, keyed by its state version.
   */
  subtasksReady(featureId: number): Promise<void>;
}

export interface ClaimRequest {
  /** Which subtasks: one feature's, some by task id, or (neither) every ready one. */
  scope: { featureId?: number; taskIds?: readonly number[] };
  /** Automatic dispatch: only repositories with `agents.dispatch: auto`, features not held by `/cancel`. */
  automatic: boolean;
  /** A command's cause key, claimed in the same transaction (a redelivered comment claims nothing). */
  cause?: CauseEntry;
  /** Writes in the same transaction before the selection (e.g. `/retry` moving failed → ready); a string refuses. */
  prepare?: (tx: Tx) => Promise<string | null>;
}

export type ClaimResult =
  | { kind: 'replayed' }
  | { kind: 'refused'; reason: string }
  | {
      kind: 'claimed';
      started: RunRow[];
      waiting: Array<{ issueNumber: number; limit: WaitReason; max: number }>;
    };
