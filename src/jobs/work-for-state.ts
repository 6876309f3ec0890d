import type { TaskRow } from '../db/tasks.ts';
import type { FeatureState } from '../domain/lifecycle.ts';
import type { WorkKind, WorkScheduler } from '../domain/work.ts';

/**
 * Which job a feature's state waits for. Planner calls and the decomposition are jobs keyed by
 * (task, state version), queued right after the transition that enters the state.
 */
const WORK_FOR_STATE: Partial<Record<FeatureState, WorkKind>> = {
  questioning: 'questions',
  specifying: 'spec',
  decomposing: 'decompose',
};

/** The states a feature waits in for a job (the sweeper queues their jobs again). */
export const STATES_WAITING_FOR_WORK: readonly FeatureState[] = Object.keys(WORK_FOR_STATE) as FeatureState[];

/** The planner job a feature in this state waits for (queued or running), if any. */
export function plannerWorkFor(state: string): WorkKind | undefined {
  return WORK_FOR_STATE[state as FeatureState];
}

/** Queues the job the task's current state waits for (a no-op when it is queued already). */
export async function ensureWorkScheduled(
  work: WorkScheduler,
  task: TaskRow,
  deliveryId?: string,
): Promise<void> {
  const kind = plannerWorkFor(task.state);
  if (!kind) return;
  await work.enqueue({ kind, taskId: task.id, version: task.stateVersion, deliveryId });
}
