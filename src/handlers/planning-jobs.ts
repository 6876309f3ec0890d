import type { Logger } from '../config/logger.ts';
import { insertQuestions, listQuestions } from '../db/questions.ts';
import { getRepoById } from '../db/repos.ts';
import { insertSpec, latestSpec } from '../db/specs.ts';
import { applyFeatureEvent, getTask, type TaskRow, withLockedTask } from '../db/tasks.ts';
import { isRetryable } from '../domain/errors.ts';
import type { FeatureState } from '../domain/lifecycle.ts';
import type { WorkContext, WorkJob, WorkKind, WorkProcessor } from '../domain/work.ts';
import { redactSecrets } from '../planning/llm/redact.ts';
import type { AnsweredQuestion, IssueInput } from '../planning/planner.ts';
import type { BotDeps } from './bot.ts';
import { failDecomposition, runDecomposeJob } from './decomposition.ts';
import { featureTypeOf, publishFeature, specFromRow, withIssueLock } from './publish.ts';
import { settingsFor } from './settings-gate.ts';

/**
 * The planner's long work, run as jobs keyed by (task, state version) outside webhook
 * handling: ask the clarifying questions, write a spec version. The planner runs without any
 * lock; its result is applied in one transaction only if the task is still at the version the
 * job was queued for — otherwise it is stale (the conversation moved on) and is discarded.
 */

/** Which job a state waits for, if any. */
const WORK_FOR_STATE: Partial<Record<FeatureState, WorkKind>> = {
  questioning: 'questions',
  specifying: 'spec',
  decomposing: 'decompose',
};

/** The planner job a feature in this state waits for (queued or running), if any. */
export function plannerWorkFor(state: string): WorkKind | undefined {
  return WORK_FOR_STATE[state as FeatureState];
}

/** Queues the job the task's current state waits for (a no-op when it is queued already). */
export async function ensureWorkScheduled(
  deps: Pick<BotDeps, 'enqueueWork'>,
  task: TaskRow,
  deliveryId?: string,
): Promise<void> {
  const kind = plannerWorkFor(task.state);
  if (!kind) return;
  await deps.enqueueWork({ kind, taskId: task.id, version: task.stateVersion, deliveryId });
}

export function planningProcessors(deps: BotDeps): Partial<Record<WorkKind, WorkProcessor>> {
  return {
    questions: (job, ctx) => runQuestionsJob(deps, job, ctx),
    spec: (job, ctx) => runSpecJob(deps, job, ctx),
    decompose: (job, ctx) => runDecomposeJob(deps, job, ctx),
  };
}

function isCurrent(task: TaskRow, job: WorkJob, state: FeatureState): boolean {
  return task.stateVersion === job.version && task.state === state;
}

async function loadIssue(deps: BotDeps, task: TaskRow) {
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
  const issue = await deps.gitea.issues.get(repo.owner, repo.name, task.issueNumber);
  const input: IssueInput = {
    repo: repo.fullName,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    author: issue.author,
  };
  return { repo, gate, input };
}

async function runQuestionsJob(deps: BotDeps, job: WorkJob, ctx: WorkContext): Promise<void> {
  const task = await getTask(deps.db, job.taskId);
  if (!isCurrent(task, job, 'questioning')) return discardStale(deps, task, job, ctx.log);
  const { repo, gate, input } = await loadIssue(deps, task);
  if (!gate) return; // a broken config file stops everything until it is fixed
  const context = await deps.contexts.forIssue(repo.owner, repo.name, `${input.title}\n${input.body}`);
  let questions: Awaited<ReturnType<BotDeps['planner']['askQuestions']>>;
  try {
    questions = await deps.planner.askQuestions(
      { issue: input, context, maxQuestions: gate.config.questions.max },
      { repoId: repo.id, taskId: task.id },
    );
  } catch (error) {
    if (isRetryable(error)) throw error;
    return failPlanning(deps, job, error as Error, ctx.log);
  }
  const asked = questions.questions.slice(0, gate.config.questions.max);
  const applied = await withLockedTask(deps.db, task.id, async (tx, current) => {
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
  if (!applied) return discardStale(deps, await getTask(deps.db, task.id), job, ctx.log);
  ctx.log.info({ questions: asked.length, featureType: questions.featureType }, 'clarifying questions ready');
  await ensureWorkScheduled(deps, applied, job.deliveryId);
  await publishFeature(deps, task.id);
}

async function runSpecJob(deps: BotDeps, job: WorkJob, ctx: WorkContext): Promise<void> {
  const task = await getTask(deps.db, job.taskId);
  if (!isCurrent(task, job, 'specifying')) return discardStale(deps, task, job, ctx.log);
  const { repo, gate, input } = await loadIssue(deps, task);
  if (!gate) return;
  const context = await deps.contexts.forIssue(repo.owner, repo.name, `${input.title}\n${input.body}`);
  const questions = await listQuestions(deps.db, task.id);
  const previousRow = await latestSpec(deps.db, task.id);
  const answered: AnsweredQuestion[] = questions.map((q, i) => ({
    ordinal: i + 1,
    question: q.question,
    why: q.why,
    options: q.options,
    assumption: q.assumption ?? '',
    answer: q.answer,
    answeredBy: q.answeredBy,
  }));
  let spec: Awaited<ReturnType<BotDeps['planner']['writeSpec']>>;
  try {
    spec = await deps.planner.writeSpec(
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
    return failPlanning(deps, job, error as Error, ctx.log);
  }
  const applied = await withLockedTask(deps.db, task.id, async (tx, current) => {
    if (!isCurrent(current, job, 'specifying')) return null;
    const version = current.specVersion + 1;
    await insertSpec(tx, {
      taskId: current.id,
      version,
      title: spec.title,
      summary: spec.summary,
      goals: spec.goals,
      context: spec.context,
      architecture: spec.architecture,
      edgeCases: spec.edgeCases,
      acceptanceCriteria: spec.acceptanceCriteria,
      estimatedComplexity: spec.estimatedComplexity,
      assumptions: spec.assumptions,
      changeSummary: spec.changeSummary,
      feedback: current.pendingFeedback,
      provider: deps.planner.name,
      model: deps.planner.model,
    });
    const result = await applyFeatureEvent(
      tx,
      current,
      { type: 'spec_written' },
      { specVersion: version, pendingFeedback: null },
    );
    return result.ok ? result.task : null;
  });
  if (!applied) return discardStale(deps, await getTask(deps.db, task.id), job, ctx.log);
  ctx.log.info({ specVersion: applied.specVersion }, 'spec version written');
  await publishFeature(deps, task.id);
}

async function discardStale(deps: BotDeps, task: TaskRow, job: WorkJob, log: Logger): Promise<void> {
  log.info(
    { state: task.state, stateVersion: task.stateVersion },
    `discarding stale ${job.kind} work for version ${job.version}`,
  );
  // The newer state may still need its comment or label: publishing is always safe.
  await publishFeature(deps, task.id);
}

/**
 * A planner step failed for good (invalid output twice, budget exhausted, bad credentials…):
 * the task goes back to a state people can act on, and the issue says what failed and what
 * to do. Keyed by the job, so a retried report never posts twice.
 */
export async function failPlanning(deps: BotDeps, job: WorkJob, error: Error, log: Logger): Promise<void> {
  const task = await getTask(deps.db, job.taskId);
  const repo = await getRepoById(deps.db, task.repoId);
  if (job.kind === 'decompose') {
    if (task.stateVersion === job.version) await failDecomposition(deps, task, repo, error.message, log);
    return;
  }
  if (job.kind !== 'questions' && job.kind !== 'spec') return;
  const moved = await withLockedTask(deps.db, task.id, async (tx, current) => {
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
  await withIssueLock(deps, repo, task.issueNumber, () =>
    deps.comments.ensure(
      { owner: repo.owner, repo: repo.name, number: task.issueNumber },
      { kind: 'failure', attrs: { task: task.issueNumber, step: job.kind, v: job.version } },
      [`### ⚠️ AiWorker could not ${what}`, '', redactSecrets(error.message, deps.secrets), '', next].join(
        '\n',
      ),
    ),
  );
  await publishFeature(deps, task.id);
}
