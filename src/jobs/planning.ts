import type { Logger } from '../config/logger.ts';
import { redactSecrets } from '../config/redact.ts';
import type { ContextSource } from '../context/types.ts';
import { insertQuestions, listQuestions } from '../db/questions.ts';
import { getRepoById, type RepoRow, repoRefOf } from '../db/repos.ts';
import { insertSpec, latestSpec } from '../db/specs.ts';
import { applyFeatureEvent, getTask, type TaskRow, withLockedTask } from '../db/tasks.ts';
import { isRetryable } from '../domain/errors.ts';
import type { FeatureState } from '../domain/lifecycle.ts';
import type { WorkContext, WorkJob, WorkScheduler } from '../domain/work.ts';
import type { GiteaPick } from '../gitea/client.ts';
import type { AnsweredQuestion, Planner } from '../planning/planner.ts';
import { featureTypeOf, specFromRow } from '../planning/stored.ts';
import { withIssueLock } from '../publish/issue-lock.ts';
import type { IssueWriters } from '../publish/issue-writers.ts';
import type { Publisher } from '../publish/publisher.ts';
import type { SettingsGate } from '../publish/settings-gate.ts';
import { issueInputOf } from './issue-input.ts';
import { ensureWorkScheduled } from './work-for-state.ts';

export interface PlanningJobsDeps extends IssueWriters {
  gitea: GiteaPick<{ issues: 'get' }>;
  planner: Planner;
  contexts: ContextSource;
  gate: Pick<SettingsGate, 'settingsFor'>;
  publisher: Pick<Publisher, 'feature'>;
  work: WorkScheduler;
  /** Secret values that must never reach a comment. */
  secrets: readonly string[];
}

/**
 * The planner's long work, run as jobs keyed by (task, state version) outside webhook
 * handling: ask the clarifying questions, write a spec version. The planner runs without any
 * lock; its result is applied in one transaction only if the task is still at the version the
 * job was queued for — otherwise it is stale (the conversation moved on) and is discarded.
 */
export class PlanningJobs {
  constructor(private readonly deps: PlanningJobsDeps) {}

  async questions(job: WorkJob, ctx: WorkContext): Promise<void> {
    const { db, planner, contexts, work, publisher } = this.deps;
    const task = await getTask(db, job.taskId);
    if (!isCurrent(task, job, 'questioning')) return this.discardStale(task, job, ctx.log);
    const { repo, gate, input } = await this.loadIssue(task);
    if (!gate) return; // a broken config file stops everything until it is fixed
    const context = await contexts.forIssue(repo.owner, repo.name, `${input.title}\n${input.body}`);
    let questions: Awaited<ReturnType<Planner['askQuestions']>>;
    try {
      questions = await planner.askQuestions(
        { issue: input, context, maxQuestions: gate.config.questions.max },
        { repoId: repo.id, taskId: task.id },
      );
    } catch (error) {
      if (isRetryable(error)) throw error;
      return this.fail(job, error as Error, ctx.log);
    }
    const asked = questions.questions.slice(0, gate.config.questions.max);
    const applied = await withLockedTask(db, task.id, async (tx, current) => {
      if (!isCurrent(current, job, 'questioning')) return null;
      const round = current.questionRound + 1;
      await insertQuestions(tx, current.id, round, asked);
      const result = await applyFeatureEvent(
        tx,
        current,
        { type: 'questions_posted', count: asked.length },
        {
          questionRound: round,
          featureType: questions.featureType,
          stackSummary: context.stackSummary.slice(0, 512),
        },
      );
      return result.ok ? result.task : null;
    });
    if (!applied) return this.discardStale(await getTask(db, task.id), job, ctx.log);
    ctx.log.info(
      { questions: asked.length, featureType: questions.featureType },
      'clarifying questions ready',
    );
    await ensureWorkScheduled(work, applied, job.deliveryId);
    await publisher.feature(task.id);
  }

  async spec(job: WorkJob, ctx: WorkContext): Promise<void> {
    const { db, planner, contexts, publisher } = this.deps;
    const task = await getTask(db, job.taskId);
    if (!isCurrent(task, job, 'specifying')) return this.discardStale(task, job, ctx.log);
    const { repo, gate, input } = await this.loadIssue(task);
    if (!gate) return;
    const context = await contexts.forIssue(repo.owner, repo.name, `${input.title}\n${input.body}`);
    const questions = await listQuestions(db, task.id);
    const previousRow = await latestSpec(db, task.id);
    const answered: AnsweredQuestion[] = questions.map((q, i) => ({
      ordinal: i + 1,
      question: q.question,
      why: q.why,
      options: q.options,
      assumption: q.assumption ?? '',
      answer: q.answer,
      answeredBy: q.answeredBy,
    }));
    let spec: Awaited<ReturnType<Planner['writeSpec']>>;
    try {
      spec = await planner.writeSpec(
        {
          issue: input,
          context,
          featureType: featureTypeOf(task),
          questions: answered,
          previous: previousRow
            ? {
                version: previousRow.version,
                spec: specFromRow(previousRow),
                feedback: task.pendingFeedback ?? '',
              }
            : undefined,
        },
        { repoId: repo.id, taskId: task.id },
      );
    } catch (error) {
      if (isRetryable(error)) throw error;
      return this.fail(job, error as Error, ctx.log);
    }
    const applied = await withLockedTask(db, task.id, async (tx, current) => {
      if (!isCurrent(current, job, 'specifying')) return null;
      const version = current.specVersion + 1;
      // The spec's fields are the row's columns of the same names.
      await insertSpec(tx, {
        taskId: current.id,
        version,
        ...spec,
        feedback: current.pendingFeedback,
        provider: planner.name,
        model: planner.model,
      });
      const result = await applyFeatureEvent(
        tx,
        current,
        { type: 'spec_written' },
        { specVersion: version, pendingFeedback: null },
      );
      return result.ok ? result.task : null;
    });
    if (!applied) return this.discardStale(await getTask(db, task.id), job, ctx.log);
    ctx.log.info({ specVersion: applied.specVersion }, 'spec version written');
    await publisher.feature(task.id);
  }

  /**
   * A questions or spec step failed for good (invalid output twice, budget exhausted, bad
   * credentials…): the task goes back to a state people can act on, and the issue says what
   * failed and what to do. Keyed by the job, so a retried report never posts twice.
   */
  async fail(job: WorkJob, error: Error, log: Logger): Promise<void> {
    if (job.kind !== 'questions' && job.kind !== 'spec') return;
    const { db, locks, comments, publisher, secrets } = this.deps;
    const task = await getTask(db, job.taskId);
    const repo = await getRepoById(db, task.repoId);
    const moved = await withLockedTask(db, task.id, async (tx, current) => {
      if (current.stateVersion !== job.version) return false;
      const hasSpec = current.specVersion > 0;
      const result = await applyFeatureEvent(
        tx,
        current,
        job.kind === 'questions' ? { type: 'questions_failed' } : { type: 'spec_failed', hasSpec },
        { pendingFeedback: null },
      );
      return result.ok;
    });
    log.warn({ err: error, moved }, `${job.kind} step failed for good`);
    if (!moved) return;
    const what = job.kind === 'questions' ? 'prepare the clarifying questions' : 'write the specification';
    const next =
      job.kind === 'questions'
        ? 'Say `/spec` to write a specification from the issue text alone, or remove and re-add the trigger label to try again.'
        : task.specVersion > 0
          ? 'The previous version stays in review. Try `/revise-spec <feedback>` again, or `/approve-spec` the current version.'
          : 'Say `/spec` to try again.';
    await withIssueLock(locks, repo, task.issueNumber, () =>
      comments.ensure(
        { owner: repo.owner, repo: repo.name, number: task.issueNumber },
        { kind: 'failure', attrs: { task: task.issueNumber, step: job.kind, v: job.version } },
        [`### ⚠️ AiWorker could not ${what}`, '', redactSecrets(error.message, secrets), '', next].join('\n'),
      ),
    );
    await publisher.feature(task.id);
  }

  private async loadIssue(task: TaskRow) {
    const { db, gate, gitea } = this.deps;
    const repo: RepoRow = await getRepoById(db, task.repoId);
    const settings = await gate.settingsFor(repoRefOf(repo), {
      owner: repo.owner,
      repo: repo.name,
      number: task.issueNumber,
    });
    const issue = await gitea.issues.get(repo.owner, repo.name, task.issueNumber);
    return { repo, gate: settings, input: issueInputOf(repo, issue) };
  }

  private async discardStale(task: TaskRow, job: WorkJob, log: Logger): Promise<void> {
    log.info(
      { state: task.state, stateVersion: task.stateVersion },
      `discarding stale ${job.kind} work for version ${job.version}`,
    );
    // The newer state may still need its comment or label: publishing is always safe.
    await this.deps.publisher.feature(task.id);
  }
}

function isCurrent(task: TaskRow, job: WorkJob, state: FeatureState): boolean {
  return task.stateVersion === job.version && task.state === state;
}
