import type { WorkKind } from '../domain/work.ts';
import { oneLine, tableCell } from '../planning/render/markdown.ts';

/**
 * The parts of the `/status` reply about subtasks and the work going on now, as pure functions
 * of what the command read. Runs are named by their attempt, not their id: `#7` in a Gitea
 * comment would link issue 7.
 */

export interface RunSummary {
  attempt: number;
  /** agent_runs.status: queued, running, paused, succeeded, failed, cancelled. */
  status: string;
  prNumber: number | null;
  /** Whether it still holds an agent slot (not finished). */
  active: boolean;
}

export interface SubtaskStatus {
  /** null while its issue is not created yet. */
  issueNumber: number | null;
  title: string;
  /** Its lifecycle state (`ready`, `running`…); null while its issue is not created yet. */
  state: string | null;
  /** Its agent runs, oldest first. */
  runs: readonly RunSummary[];
}

const RUN_STATUS_WORDS: Record<string, string> = {
  queued: 'queued',
  running: 'running',
  paused: 'paused, waiting for an answer',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

function runWords(status: string): string {
  return RUN_STATUS_WORDS[status] ?? status;
}

function subtaskCell(subtask: SubtaskStatus): string {
  const title = tableCell(oneLine(subtask.title));
  return subtask.issueNumber === null
    ? `${title} (issue not created yet)`
    : `#${subtask.issueNumber} ${title}`;
}

/** One row per subtask: issue and title, state, its newest pull request, its latest run. */
export function renderSubtaskTable(subtasks: readonly SubtaskStatus[]): string {
  const rows = subtasks.map((subtask) => {
    const latest = subtask.runs.at(-1);
    const pullRequest = subtask.runs.findLast((run) => run.prNumber !== null)?.prNumber ?? null;
    return [
      subtaskCell(subtask),
      subtask.state ?? 'planned',
      pullRequest === null ? '—' : `#${pullRequest}`,
      latest ? `attempt ${latest.attempt}: ${runWords(latest.status)}` : '—',
    ].join(' | ');
  });
  return [
    '| Subtask | State | Pull request | Latest agent run |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

export interface Activity {
  /** The planner job the feature waits for, if any. */
  plannerWork: WorkKind | undefined;
  /** The subtasks shown (their unfinished runs and whether they are ready to start). */
  subtasks: readonly SubtaskStatus[];
  /** How a ready subtask starts here: by itself once an agent slot is free, or by `/dispatch`. */
  readyStarts: 'automatically' | 'by-dispatch';
}

const PLANNER_WORDS: Partial<Record<WorkKind, string>> = {
  questions: 'preparing the clarifying questions',
  spec: 'writing the specification',
  decompose: 'splitting the spec into subtasks',
};

/** What is queued or running now: the planner's job, unfinished agent runs, ready subtasks. */
export function renderActivity(activity: Activity): string {
  const items: string[] = [];
  const planner = activity.plannerWork && PLANNER_WORDS[activity.plannerWork];
  if (planner) items.push(`The planner is ${planner} (its job is queued or running).`);
  const ready: number[] = [];
  for (const subtask of activity.subtasks) {
    if (subtask.issueNumber === null) continue;
    const active = subtask.runs.filter((run) => run.active);
    for (const run of active) {
      items.push(`#${subtask.issueNumber}: agent run ${runWords(run.status)} (attempt ${run.attempt}).`);
    }
    if (subtask.state === 'ready' && active.length === 0) ready.push(subtask.issueNumber);
  }
  if (ready.length > 0) {
    const which = ready.map((n) => `#${n}`).join(', ');
    items.push(
      activity.readyStarts === 'automatically'
        ? `${which} ${ready.length === 1 ? 'is' : 'are'} ready: an agent starts as soon as a slot is free.`
        : `${which} ${ready.length === 1 ? 'is' : 'are'} ready: say \`/dispatch\` to start an agent.`,
    );
  }
  if (items.length === 0) return '**Now:** nothing is queued or running.';
  return ['**Now:**', '', ...items.map((item) => `- ${item}`)].join('\n');
}
