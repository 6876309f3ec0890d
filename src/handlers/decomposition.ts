import { onSubtasksReady } from '../agents/dispatcher.ts';
import type { Logger } from '../config/logger.ts';
import { getRepoById, type RepoRow } from '../db/repos.ts';
import { latestSpec } from '../db/specs.ts';
import {
  deleteSubtaskTasks,
  deleteSuperseded,
  ensureSubtaskTask,
  insertSubtasks,
  listSubtasks,
  listSubtaskTasks,
  recordSubtaskIssue,
  type SubtaskRow,
} from '../db/subtasks.ts';
import { applyFeatureEvent, getTask, type TaskRow, withLockedTask } from '../db/tasks.ts';
import { isRetryable } from '../domain/errors.ts';
import { SUBTASK_LABEL } from '../domain/labels.ts';
import { statusLabelFor } from '../domain/lifecycle.ts';
import type { WorkContext, WorkJob } from '../domain/work.ts';
import { validateDecomposition } from '../planning/dag.ts';
import { redactSecrets } from '../planning/llm/redact.ts';
import { renderSubtaskBody } from '../planning/render/subtasks.ts';
import type { BotDeps } from './bot.ts';
import { featureTypeOf, publishFeature, publishSubtask, specFromRow, withIssueLock } from './publish.ts';
import { settingsFor } from './settings-gate.ts';

/**
 * Turns an approved spec into subtask issues (docs/architecture.md §1 step 5), as one job per
 * (task, version) that can crash anywhere and be run again:
 *
 * 1. plan: the planner's subtasks are validated as a DAG and stored as `subtasks` rows — once;
 *    a rerun finds the rows and does not ask the planner again;
 * 2. issues: each row without an issue gets one through `issues.ensure`, which finds an issue
 *    created by a run that died before recording it (by its `subtask` marker) — so a crash
 *    after 5 of 9 issues ends with exactly 9;
 * 3. links: real Gitea dependencies (adding an existing one is a no-op);
 * 4. the feature moves to in progress; publishing draws the plan comment and the board.
 */
export async function runDecomposeJob(deps: BotDeps, job: WorkJob, ctx: WorkContext): Promise<void> {
  const task = await getTask(deps.db, job.taskId);
  if (task.stateVersion !== job.version || task.state !== 'decomposing') {
    ctx.log.info({ state: task.state }, 'discarding stale decomposition work');
    return publishFeature(deps, task.id);
  }
  const repo = await getRepoById(deps.db, task.repoId);
  const gate = await settingsFor(
    deps,
    {
      owner: repo.owner,
      name: repo.name,
      fullName: repo.fullName,
      id: repo.giteaId ?? 0,
      defaultBranch: repo.defaultBranch,
    },
    { owner: repo.owner, repo: repo.name, number: task.issueNumber },
  );
  if (!gate) return;
  await retireSuperseded(deps, task, repo);

  let rows = await listSubtasks(deps.db, task.id);
  if (rows.length === 0) {
    const planned = await plan(deps, task, repo, gate.config.subtasks.max, job.version, ctx.log);
    if (planned === null) return; // failed and reported
    rows = await listSubtasks(deps.db, task.id);
  }
  await createIssues(deps, task, repo, rows);
  rows = await listSubtasks(deps.db, task.id);
  await linkDependencies(deps, repo, rows);

  const moved = await withLockedTask(deps.db, task.id, async (tx, current) => {
    if (current.stateVersion !== job.version || current.state !== 'decomposing') return false;
    return (await applyFeatureEvent(tx, current, { type: 'decomposed' })).ok;
  });
  ctx.log.info({ subtasks: rows.length, moved }, 'decomposition materialised');
  await publishFeature(deps, task.id);
  // Every subtask's card goes on the board (its label was set when the issue was created).
  if (deps.board.kind === 'projects') {
    for (const subtask of await listSubtaskTasks(deps.db, task.id)) await publishSubtask(deps, subtask.id);
  }
  await onSubtasksReady(deps, task.id);
}

/**
 * After `/decompose`, the previous plan's issues are closed with a note (in wave order: Gitea
 * refuses to close an issue whose dependencies are open) and its rows removed.
 */
async function retireSuperseded(deps: BotDeps, task: TaskRow, repo: RepoRow): Promise<void> {
  const old = (await listSubtasks(deps.db, task.id, { includeSuperseded: true })).filter(
    (r) => r.status === 'superseded',
  );
  if (old.length === 0) return;
  await deleteSubtaskTasks(deps.db, task.id);
  for (const row of old) {
    if (row.issueNumber === null) continue;
    const number = row.issueNumber;
    await withIssueLock(deps, repo, number, async () => {
      await deps.comments.ensure(
        { owner: repo.owner, repo: repo.name, number },
        { kind: 'notice', attrs: { task: number, event: 'superseded' } },
        `Superseded: #${task.issueNumber} was decomposed again, so this subtask is closed. The new plan is on #${task.issueNumber}.`,
      );
      await deps.gitea.issues.edit(repo.owner, repo.name, number, { state: 'closed' });
    });
  }
  await deleteSuperseded(deps.db, task.id);
}

async function plan(
  deps: BotDeps,
  task: TaskRow,
  repo: RepoRow,
  maxSubtasks: number,
  planVersion: number,
  log: Logger,
): Promise<true | null> {
  const specRow = await latestSpec(deps.db, task.id);
  if (!specRow?.approvedAt) throw new Error(`task ${task.id} is decomposing without an approved spec`);
  const issue = await deps.gitea.issues.get(repo.owner, repo.name, task.issueNumber);
  const context = await deps.contexts.forIssue(repo.owner, repo.name, `${issue.title}\n${issue.body}`);
  let decomposition: Awaited<ReturnType<BotDeps['planner']['decompose']>>;
  try {
    decomposition = await deps.planner.decompose(
      {
        issue: {
          repo: repo.fullName,
          number: issue.number,
          title: issue.title,
          body: issue.body,
          author: issue.author,
        },
        context,
        featureType: featureTypeOf(task),
        spec: specFromRow(specRow),
        specVersion: specRow.version,
        maxSubtasks,
      },
      { repoId: repo.id, taskId: task.id },
    );
  } catch (error) {
    if (isRetryable(error)) throw error;
    await failDecomposition(deps, task, repo, (error as Error).message, log);
    return null;
  }
  const dag = validateDecomposition(decomposition, { maxSubtasks });
  if (!dag.ok) {
    await failDecomposition(
      deps,
      task,
      repo,
      `The plan was not a valid dependency graph:\n${dag.errors.map((e) => `- ${e}`).join('\n')}`,
      log,
    );
    return null;
  }
  const waveOf = new Map(dag.waves.flatMap((wave, index) => wave.map((key) => [key, index] as const)));
  await withLockedTask(deps.db, task.id, async (tx) => {
    if ((await listSubtasks(tx, task.id)).length > 0) return; // a concurrent run stored it first
    await insertSubtasks(
      tx,
      decomposition.subtasks.map((s, order) => ({
        taskId: task.id,
        specVersion: specRow.version,
        plan: planVersion,
        key: s.key,
        title: s.title,
        description: s.description,
        acceptanceCriteria: s.acceptanceCriteria,
        dependencies: s.dependsOn,
        estimatedTime: s.estimate,
        order,
        wave: waveOf.get(s.key) ?? 0,
        status: 'planned',
      })),
    );
  });
  return true;
}

async function createIssues(deps: BotDeps, task: TaskRow, repo: RepoRow, rows: SubtaskRow[]): Promise<void> {
  const byKey = new Map(rows.map((r) => [r.key, r]));
  // Rows come in wave order, so a subtask's dependencies have issue numbers before it is created.
  for (const row of rows) {
    if (row.issueNumber !== null) continue;
    const initial = row.dependencies.length === 0 ? 'ready' : 'blocked';
    const body = renderSubtaskBody({
      subtask: {
        key: row.key,
        title: row.title,
        description: row.description,
        acceptanceCriteria: row.acceptanceCriteria,
        estimate: row.estimatedTime,
        dependsOn: row.dependencies,
      },
      parent: { number: task.issueNumber, title: task.title },
      specVersion: row.specVersion,
      dependencies: row.dependencies.map((key) => ({
        key,
        title: byKey.get(key)?.title ?? key,
        issueNumber: byKey.get(key)?.issueNumber ?? null,
      })),
    });
    const { issue } = await deps.gitea.issues.ensure(
      repo.owner,
      repo.name,
      { kind: 'subtask', attrs: { parent: task.issueNumber, key: row.key, plan: row.plan } },
      { title: row.title, body, labels: [SUBTASK_LABEL, statusLabelFor(initial) as string] },
    );
    const subtaskTaskId = await ensureSubtaskTask(deps.db, {
      repoId: repo.id,
      issueNumber: issue.number,
      issueId: issue.id,
      parentTaskId: task.id,
      title: row.title,
      state: initial,
    });
    await recordSubtaskIssue(deps.db, row.id, { number: issue.number, id: issue.id, subtaskTaskId });
    row.issueNumber = issue.number;
  }
}

async function linkDependencies(deps: BotDeps, repo: RepoRow, rows: SubtaskRow[]): Promise<void> {
  const numberOf = new Map(rows.map((r) => [r.key, r.issueNumber]));
  for (const row of rows) {
    if (row.issueNumber === null || row.dependencies.length === 0) continue;
    const existing = new Set(
      (await deps.gitea.dependencies.list(repo.owner, repo.name, row.issueNumber)).map((i) => i.number),
    );
    for (const key of row.dependencies) {
      const blocker = numberOf.get(key);
      if (blocker === null || blocker === undefined || existing.has(blocker)) continue;
      await deps.gitea.dependencies.add(repo.owner, repo.name, row.issueNumber, blocker);
    }
  }
}

export async function failDecomposition(
  deps: BotDeps,
  task: TaskRow,
  repo: RepoRow,
  message: string,
  log: Logger,
): Promise<void> {
  const moved = await withLockedTask(deps.db, task.id, async (tx, current) => {
    if (current.state !== 'decomposing') return null;
    const result = await applyFeatureEvent(tx, current, { type: 'decomposition_failed' });
    return result.ok ? result.task : null;
  });
  log.warn({ message, moved: moved !== null }, 'decomposition failed');
  if (!moved) return;
  await withIssueLock(deps, repo, task.issueNumber, () =>
    deps.comments.ensure(
      { owner: repo.owner, repo: repo.name, number: task.issueNumber },
      { kind: 'failure', attrs: { task: task.issueNumber, step: 'decompose', v: moved.stateVersion } },
      [
        '### ⚠️ AiWorker could not split the spec into subtasks',
        '',
        redactSecrets(message, deps.secrets),
        '',
        'The spec stays approved. Say `/decompose` to try again.',
      ].join('\n'),
    ),
  );
  await publishFeature(deps, task.id);
}
