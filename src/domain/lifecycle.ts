/**
 * The state machine of a managed issue, as pure data and functions. Every transition is
 * applied in one short DB transaction guarded by the task's state version (src/db/tasks.ts);
 * this module only says which transitions exist and what each state looks like in Gitea.
 */

export const FEATURE_STATES = [
  'questioning', // reading the repo and writing the clarifying questions (a planner job)
  'clarifying', // questions posted, waiting for /answer or /spec
  'specifying', // writing a spec version (a planner job)
  'spec_review', // spec posted, waiting for /revise-spec or /approve-spec
  'approved', // spec frozen, not (or no longer) being decomposed: `/decompose` starts it
  'decomposing', // spec frozen; planning subtasks and creating their issues (a job)
  'in_progress', // subtasks exist and are being worked on
  'done',
  'failed',
  'stopped', // trigger label removed before approval
] as const;
export type FeatureState = (typeof FEATURE_STATES)[number];

export const SUBTASK_STATES = ['blocked', 'ready', 'running', 'review', 'done', 'failed'] as const;
export type SubtaskState = (typeof SUBTASK_STATES)[number];

export type TaskState = FeatureState | SubtaskState;

export function isSubtaskState(value: string): value is SubtaskState {
  return (SUBTASK_STATES as readonly string[]).includes(value);
}

/** The exclusive `ai-status/*` label that shows a state on the issue (null: no status label). */
export function statusLabelFor(state: TaskState): string | null {
  switch (state) {
    case 'questioning':
    case 'clarifying':
      return 'ai-status/clarifying';
    case 'specifying':
    case 'spec_review':
      return 'ai-status/spec-review';
    case 'approved':
    case 'decomposing':
      return 'ai-status/approved';
    case 'in_progress':
      return 'ai-status/in-progress';
    case 'stopped':
      return null;
    default:
      return `ai-status/${state}`;
  }
}

export type FeatureEvent =
  | { type: 'trigger_removed' }
  | { type: 'trigger_restored'; pausedState: FeatureState | null }
  | { type: 'questions_posted'; count: number }
  | { type: 'all_answered' }
  | { type: 'spec_requested' } // /spec
  | { type: 'spec_written' }
  | { type: 'spec_failed'; hasSpec: boolean }
  | { type: 'questions_failed' }
  | { type: 'revision_requested' } // /revise-spec
  | { type: 'approved' } // /approve-spec: frozen, and the decomposition starts at once
  | { type: 'decomposition_started' } // /decompose (again)
  | { type: 'decomposed' }
  | { type: 'decomposition_failed' }
  | { type: 'all_subtasks_done' };

export type Transition = { ok: true; next: FeatureState } | { ok: false; reason: string };

const BEFORE_APPROVAL: ReadonlySet<FeatureState> = new Set([
  'questioning',
  'clarifying',
  'specifying',
  'spec_review',
]);

/** What a feature moves to on an event, or why it cannot (the reason is shown to users). */
export function nextFeatureState(state: FeatureState, event: FeatureEvent): Transition {
  const refuse = (reason: string): Transition => ({ ok: false, reason });
  const to = (next: FeatureState): Transition => ({ ok: true, next });
  switch (event.type) {
    case 'trigger_removed':
      return BEFORE_APPROVAL.has(state)
        ? to('stopped')
        : refuse(`the spec is already ${describeState(state)}`);
    case 'trigger_restored':
      if (state !== 'stopped') return refuse('the conversation is not stopped');
      // Work that was in flight when it stopped is redone; a finished step is kept.
      if (event.pausedState === 'questioning' || event.pausedState === null) return to('questioning');
      if (event.pausedState === 'specifying') return to('specifying');
      return to(event.pausedState);
    case 'questions_posted':
      if (state !== 'questioning')
        return refuse(`questions are not being prepared (${describeState(state)})`);
      return to(event.count > 0 ? 'clarifying' : 'specifying');
    case 'questions_failed':
      return state === 'questioning' ? to('failed') : refuse('no questions are being prepared');
    case 'all_answered':
      return state === 'clarifying'
        ? to('specifying')
        : refuse(`questions are closed (${describeState(state)})`);
    case 'spec_requested':
      if (state === 'clarifying' || state === 'failed') return to('specifying');
      if (state === 'questioning')
        return refuse('the questions are still being prepared; try again in a moment');
      if (state === 'specifying') return refuse('a spec is already being written');
      if (state === 'spec_review')
        return refuse('a spec exists already: use `/revise-spec <feedback>` to change it');
      return refuse(`the spec is already ${describeState(state)}`);
    case 'spec_written':
      return state === 'specifying' ? to('spec_review') : refuse('no spec is being written');
    case 'spec_failed':
      if (state !== 'specifying') return refuse('no spec is being written');
      return to(event.hasSpec ? 'spec_review' : 'clarifying');
    case 'revision_requested':
      if (state === 'spec_review') return to('specifying');
      if (state === 'specifying')
        return refuse('a spec version is being written right now; wait for it, then revise');
      return refuse(
        BEFORE_APPROVAL.has(state)
          ? 'there is no spec to revise yet'
          : `the spec is already ${describeState(state)}`,
      );
    case 'approved':
      if (state === 'spec_review') return to('decomposing');
      if (state === 'specifying')
        return refuse('a new spec version is being written; approve it once it is posted');
      return refuse(
        BEFORE_APPROVAL.has(state)
          ? 'there is no spec to approve yet'
          : `the spec is already ${describeState(state)}`,
      );
    case 'decomposition_started':
      return state === 'approved' || state === 'in_progress'
        ? to('decomposing')
        : refuse('the spec is not approved');
    case 'decomposed':
      return state === 'decomposing' ? to('in_progress') : refuse('no decomposition is running');
    case 'decomposition_failed':
      return state === 'decomposing' ? to('approved') : refuse('no decomposition is running');
    case 'all_subtasks_done':
      return state === 'in_progress' ? to('done') : refuse('the feature is not in progress');
  }
}

export function describeState(state: TaskState): string {
  const words: Record<TaskState, string> = {
    questioning: 'preparing clarifying questions',
    clarifying: 'waiting for answers to the clarifying questions',
    specifying: 'writing the specification',
    spec_review: 'waiting for spec review',
    approved: 'approved',
    decomposing: 'being split into subtasks',
    in_progress: 'in progress',
    done: 'done',
    failed: 'failed',
    stopped: 'stopped (the trigger label was removed)',
    blocked: 'blocked by its dependencies',
    ready: 'ready to start',
    running: 'being worked on by an agent',
    review: 'in review',
  };
  return words[state];
}

export type SubtaskEvent =
  | { type: 'closed' }
  | { type: 'reopened'; dependenciesDone: boolean }
  | { type: 'dependencies_done' }
  | { type: 'dependency_reopened' }
  | { type: 'dispatched' }
  | { type: 'pull_request_opened' }
  | { type: 'run_failed' }
  | { type: 'retry'; dependenciesDone: boolean };

export type SubtaskTransition = { ok: true; next: SubtaskState } | { ok: false; reason: string };

/** What a subtask moves to on an event, or why it cannot. */
export function nextSubtaskState(state: SubtaskState, event: SubtaskEvent): SubtaskTransition {
  const to = (next: SubtaskState): SubtaskTransition => ({ ok: true, next });
  const refuse = (reason: string): SubtaskTransition => ({ ok: false, reason });
  switch (event.type) {
    case 'closed':
      return state === 'done' ? refuse('it is already done') : to('done');
    case 'reopened':
      return state === 'done' ? to(event.dependenciesDone ? 'ready' : 'blocked') : refuse('it is not closed');
    case 'dependencies_done':
      return state === 'blocked' ? to('ready') : refuse(`it is ${describeState(state)}`);
    case 'dependency_reopened':
      // Only work that has not started goes back to waiting; a running agent finishes its run.
      return state === 'ready' ? to('blocked') : refuse(`it is ${describeState(state)}`);
    case 'dispatched':
      return state === 'ready' ? to('running') : refuse(`it is ${describeState(state)}, not ready`);
    case 'pull_request_opened':
      return state === 'running' || state === 'ready'
        ? to('review')
        : refuse(`it is ${describeState(state)}`);
    case 'run_failed':
      return state === 'running' ? to('failed') : refuse(`it is ${describeState(state)}`);
    case 'retry':
      return state === 'failed'
        ? to(event.dependenciesDone ? 'ready' : 'blocked')
        : refuse(`it is ${describeState(state)}, not failed`);
  }
}
