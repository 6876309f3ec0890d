import { runBranch } from '../agents/branch.ts';
import type { RunScope } from '../agents/run-tokens.ts';
import type { Database } from '../db/client.ts';
import type { RepoRow } from '../db/repos.ts';
import { getRepoById } from '../db/repos.ts';
import { getRunRow, type RunRow } from '../db/runs.ts';
import { findSubtaskByIssue, type SubtaskRow } from '../db/subtasks.ts';
import type { TaskRow } from '../db/tasks.ts';
import type { SubtaskState } from '../domain/lifecycle.ts';
import { isSubtaskState } from '../domain/lifecycle.ts';
import { ToolRefusal } from './refusal.ts';

/** What one tool call works on, read fresh from the database on every call. */
export interface RunContext {
  scope: RunScope;
  repo: RepoRow;
  run: RunRow | undefined;
}

export interface SubtaskContext extends RunContext {
  issueNumber: number;
  /** The plan of the subtask (title, criteria, dependencies). */
  subtask: SubtaskRow;
  /** The subtask issue's lifecycle row: `task.state` is the subtask's state. */
  task: TaskRow & { state: SubtaskState };
  feature: TaskRow;
  /** The run's row when it is about this subtask (it holds the progress comment and the PR). */
  ownRun: RunRow | undefined;
  /** The branch the agent pushes: the run's, or `ai/<number>-<slug>` for a claimed subtask. */
  branch: string;
}

export async function loadRunContext(db: Database, scope: RunScope): Promise<RunContext> {
  const repo = await getRepoById(db, scope.repoId);
  return { scope, repo, run: await getRunRow(db, scope.runId) };
}

export async function loadSubtaskContext(db: Database, scope: RunScope): Promise<SubtaskContext> {
  const context = await loadRunContext(db, scope);
  const record = await findSubtaskByIssue(db, scope.repoId, scope.issueNumber);
  if (!record || !isSubtaskState(record.task.state)) {
    throw new ToolRefusal(
      scope.scopes.includes('pull')
        ? `this run has not claimed a subtask yet: call get_next_task first`
        : `#${scope.issueNumber} is not a subtask AiWorker knows`,
    );
  }
  const { run } = context;
  const ownRun =
    run && run.repoId === scope.repoId && run.issueNumber === scope.issueNumber ? run : undefined;
  return {
    ...context,
    issueNumber: scope.issueNumber,
    subtask: record.subtask,
    task: { ...record.task, state: record.task.state },
    feature: record.feature,
    ownRun,
    branch: ownRun?.branch
      ? ownRun.branch
      : runBranch(scope.issueNumber, record.task.title || record.subtask.title),
  };
}

/** A tool asked about an issue other than the run's own is refused. */
export function requireOwnIssue(scope: RunScope, issueNumber: number): void {
  if (issueNumber !== scope.issueNumber) {
    throw new ToolRefusal(
      `this run's token reaches only issue #${scope.issueNumber} of its repository, not #${issueNumber}`,
    );
  }
}
