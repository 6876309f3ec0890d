import type { AgentControl } from '../agents/control.ts';
import type { Logger } from '../config/logger.ts';
import { redactSecrets } from '../config/redact.ts';
import type { ContextSource } from '../context/types.ts';
import { getRepoById, type RepoRow, repoRefOf } from '../db/repos.ts';
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
import type { GiteaPick } from '../gitea/client.ts';
import { validateDecomposition } from '../planning/dag.ts';
import type { Planner } from '../planning/planner.ts';
import { renderSubtaskBody } from '../planning/render/subtasks.ts';
import { featureTypeOf, specFromRow } from '../planning/stored.ts';
import { withIssueLock } from '../publish/issue-lock.ts';
import type { IssueWriters } from '../publish/issue-writers.ts';
import type { Publisher } from '../publish/publisher.ts';
import type { SettingsGate } from '../publish/settings-gate.ts';
import { issueInputOf } from './issue-input.ts';

export interface DecompositionDeps extends IssueWriters {
  gitea: GiteaPick<{ issues: 'get' | 'ensure' | 'edit'; dependencies: 'list' | 'add' }>;
  planner: Planner;
  contexts: ContextSource;
  gate: Pick<SettingsGate, 'settingsFor'>;
  publisher: Pick<Publisher, 'feature' | 'subtask'>;
  /** Which board is in use: with a project board every new subtask also gets its card. */
  boardKind: 'projects' | 'labels';
  /** The dispatcher, told when subtasks are ready; null without an agent runner. */
  agents: Pick<AgentControl, 'subtasksReady'> | null;
  /** Secret values that must never reach a comment. */
  secrets: readonly string[];
}

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
export class DecompositionJob {
  constructor(private readonly deps: DecompositionDeps) {}

  async run(job: WorkJob, ctx: WorkContext): Promise<void> {
    const { db, gate, publisher, boardKind, agents } = this.deps;
    const task = await getTask(db, job.taskId);
    if (task.stateVersion !== job.version || task.state !== 'decomposing') {
      ctx.log.info({ state: task.state }, 'discarding stale decomposition work');
      return publisher.feature(task.id);
    }
    const repo = await getRepoById(db, task.repoId);
    const settings = await gate.settingsFor(repoRefOf(repo), {
      owner: repo.owner,
      repo: repo.name,
      number: task.issueNumber,
    });
    if (!settings) return;
    await this.retireSuperseded(task, repo);

    let rows = await listSubtasks(db, task.id);
    if (rows.length === 0) {
      const planned = await this.plan(task, repo, settings.config.subtasks.max, job.version, ctx.log);
      if (planned === null) return; // failed and reported
      rows = await listSubtasks(db, task.id);
    }
    await this.createIssues(task, repo, rows);
    rows = await listSubtasks(db, task.id);
    await this.linkDependencies(repo, rows);

    const moved = await withLockedTask(db, task.id, async (tx, current) => {
      if (current.stateVersion !== job.version || current.state !== 'decomposing') return false;
      return (await applyFeatureEvent(tx, current, { type: 'decomposed' })).ok;
    });
    ctx.log.info({ subtasks: rows.length, moved }, 'decomposition materialised');
    await publisher.feature(task.id);
    // Every subtask's card goes on the board (its label was set when the issue was created).
    if (boardKind === 'projects') {
      for (const subtask of await listSubtaskTasks(db, task.id)) await publisher.subtask(subtask.id);
    }
    await agents?.subtasksReady(task.id);
  }

  /** The decompose job failed for good: undone as `fail` says, when the job is still current. */
  async failJob(job: WorkJob, error: Error, log: Logger): Promise<void> {
    const task = await getTask(this.deps.db, job.taskId);
    if (task.stateVersion !== job.version) return;
    await this.fail(task, await getRepoById(this.deps.db, task.repoId), error.message, log);
  }

  /**
   * The feature goes back to approved (so `/decompose` can try again) and the issue says what
   * failed; once per failed attempt (the comment is keyed by the state version it left).
   */
  async fail(task: TaskRow, repo: RepoRow, message: string, log: Logger): Promise<void> {
    const { db, locks, comments, publisher, secrets } = this.deps;
    const moved = await withLockedTask(db, task.id, async (tx, current) => {
      if (current.state !== 'decomposing') return null;
      const result = await applyFeatureEvent(tx, current, { type: 'decomposition_failed' });
      return result.ok ? result.task : null;
    });
    log.warn({ message, moved: moved !== null }, 'decomposition failed');
    if (!moved) return;
    await withIssueLock(locks, repo, task.issueNumber, () =>
      comments.ensure(
        { owner: repo.owner, repo: repo.name, number: task.issueNumber },
        { kind: 'failure', attrs: { task: task.issueNumber, step: 'decompose', v: moved.stateVersion } },
        [
          '### ⚠️ AiWorker could not split the spec into subtasks',
          '',
          redactSecrets(message, secrets),
          '',
          'The spec stays approved. Say `/decompose` to try again.',
        ].join('\n'),
      ),
    );
    await publisher.feature(task.id);
  }

  /**
   * After `/decompose`, the previous plan's issues are closed with a note (in wave order: Gitea
   * refuses to close an issue whose dependencies are open) and its rows removed.
   */
  private async retireSuperseded(task: TaskRow, repo: RepoRow): Promise<void> {
    const { db, locks, comments, gitea } = this.deps;
    const old = (await listSubtasks(db, task.id, { includeSuperseded: true })).filter(
      (r) => r.status === 'superseded',
    );
    if (old.length === 0) return;
    await deleteSubtaskTasks(db, task.id);
    for (const row of old) {
      if (row.issueNumber === null) continue;
      const number = row.issueNumber;
      await withIssueLock(locks, repo, number, async () => {
        await comments.ensure(
          { owner: repo.owner, repo: repo.name, number },
          { kind: 'notice', attrs: { task: number, event: 'superseded' } },
          `Superseded: #${task.issueNumber} was decomposed again, so this subtask is closed. The new plan is on #${task.issueNumber}.`,
        );
        await gitea.issues.edit(repo.owner, repo.name, number, { state: 'closed' });
      });
    }
    await deleteSuperseded(db, task.id);
  }

  private async plan(
    task: TaskRow,
    repo: RepoRow,
    maxSubtasks: number,
    planVersion: number,
    log: Logger,
  ): Promise<true | null> {
    const { db, gitea, contexts, planner } = this.deps;
    const specRow = await latestSpec(db, task.id);
    if (!specRow?.approvedAt) throw new Error(`task ${task.id} is decomposing without an approved spec`);
    const issue = await gitea.issues.get(repo.owner, repo.name, task.issueNumber);
    const context = await contexts.forIssue(repo.owner, repo.name, `${issue.title}\n${issue.body}`);
    let decomposition: Awaited<ReturnType<Planner['decompose']>>;
    try {
      decomposition = await planner.decompose(
        {
          issue: issueInputOf(repo, issue),
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
      await this.fail(task, repo, (error as Error).message, log);
      return null;
    }
    const dag = validateDecomposition(decomposition, { maxSubtasks });
    if (!dag.ok) {
      await this.fail(
        task,
        repo,
        `The plan was not a valid dependency graph:\n${dag.errors.map((e) => `- ${e}`).join('\n')}`,
        log,
      );
      return null;
    }
    const waveOf = new Map(dag.waves.flatMap((wave, index) => wave.map((key) => [key, index] as const)));
    await withLockedTask(db, task.id, async (tx) => {
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

  private async createIssues(task: TaskRow, repo: RepoRow, rows: SubtaskRow[]): Promise<void> {
    const { db, gitea } = this.deps;
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
      const { issue } = await gitea.issues.ensure(
        repo.owner,
        repo.name,
        { kind: 'subtask', attrs: { parent: task.issueNumber, key: row.key, plan: row.plan } },
        { title: row.title, body, labels: [SUBTASK_LABEL, statusLabelFor(initial) as string] },
      );
      const subtaskTaskId = await ensureSubtaskTask(db, {
        repoId: repo.id,
        issueNumber: issue.number,
        issueId: issue.id,
        parentTaskId: task.id,
        title: row.title,
        state: initial,
      });
      await recordSubtaskIssue(db, row.id, { number: issue.number, id: issue.id, subtaskTaskId });
      row.issueNumber = issue.number;
    }
  }

  private async linkDependencies(repo: RepoRow, rows: SubtaskRow[]): Promise<void> {
    const { gitea } = this.deps;
    const numberOf = new Map(rows.map((r) => [r.key, r.issueNumber]));
    for (const row of rows) {
      if (row.issueNumber === null || row.dependencies.length === 0) continue;
      const existing = new Set(
        (await gitea.dependencies.list(repo.owner, repo.name, row.issueNumber)).map((i) => i.number),
      );
      for (const key of row.dependencies) {
        const blocker = numberOf.get(key);
        if (blocker === null || blocker === undefined || existing.has(blocker)) continue;
        await gitea.dependencies.add(repo.owner, repo.name, row.issueNumber, blocker);
      }
    }
  }
}
