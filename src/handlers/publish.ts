import { listQuestions, type QuestionRow } from '../db/questions.ts';
import { getRepoById, type RepoRow } from '../db/repos.ts';
import { listSpecs, type SpecRow } from '../db/specs.ts';
import { listSubtasks, listSubtaskTasks } from '../db/subtasks.ts';
import { getTask, type TaskRow } from '../db/tasks.ts';
import { oneLine } from '../planning/render/markdown.ts';
import { renderQuestionsComment } from '../planning/render/questions.ts';
import { renderSpecComment } from '../planning/render/spec.ts';
import { renderPlanComment } from '../planning/render/subtasks.ts';
import { FEATURE_TYPES, type FeatureType, type Spec } from '../planning/schemas.ts';
import { placeCard } from './board-sync.ts';
import type { BotDeps } from './bot.ts';
import type { IssueRef } from './comment-writer.ts';

/**
 * Makes Gitea show what the database holds for a feature: its status label, the questions
 * comment of each round (with the answers so far), and the spec comment (edited in place).
 *
 * Publishing is idempotent and always safe to repeat, so every handler and job ends with it:
 * a crash between a committed transition and its comment is repaired by the next publish
 * (a retry, a redelivery, or the next event on the issue). Publishes of one issue are
 * serialised across processes by a named lock, so two of them never both create a comment.
 */
export async function publishFeature(deps: BotDeps, taskId: number): Promise<void> {
  const first = await getTask(deps.db, taskId);
  const repo = await getRepoById(deps.db, first.repoId);
  await withIssueLock(deps, repo, first.issueNumber, async () => {
    const task = await getTask(deps.db, taskId); // re-read under the lock
    const issue: IssueRef = { owner: repo.owner, repo: repo.name, number: task.issueNumber };
    const settings = await deps.settings.recent(repo.owner, repo.name, repo.defaultBranch);
    await placeCard(deps, repo, task, settings.ok ? settings.config : null);
    const questions = await listQuestions(deps.db, task.id);
    for (const round of [...new Set(questions.map((q) => q.round))]) {
      await deps.comments.ensure(
        issue,
        { kind: 'questions', attrs: { task: task.issueNumber, round } },
        renderQuestionsWithAnswers(
          task,
          repo,
          round,
          questions.filter((q) => q.round === round),
        ),
      );
    }
    const specs = await listSpecs(deps.db, task.id);
    const latest = specs.at(-1);
    if (latest) {
      await deps.comments.ensure(
        issue,
        { kind: 'spec', attrs: { task: task.issueNumber } },
        renderSpecComment({
          spec: specFromRow(latest),
          version: latest.version,
          status: latest.approvedAt ? 'approved' : 'review',
          approvedBy: latest.approvedBy,
          history: specs.map((s) => ({ version: s.version, changeSummary: s.changeSummary ?? '' })),
        }),
      );
    }
    const plan = await renderPlanFor(deps, task);
    if (plan) {
      await deps.comments.ensure(issue, { kind: 'plan', attrs: { task: task.issueNumber } }, plan.body);
    }
    if (task.state === 'stopped') {
      await deps.comments.ensure(
        issue,
        { kind: 'notice', attrs: { task: task.issueNumber, event: 'stopped', v: task.stateVersion } },
        'AiWorker stopped here because the trigger label was removed. Add it again to continue where the conversation left off.',
      );
    }
  });
}

/**
 * The subtask issue's label (and board card) follows its lifecycle state. Serialised per
 * issue like every other write.
 */
export async function publishSubtask(deps: BotDeps, taskId: number): Promise<void> {
  const task = await getTask(deps.db, taskId);
  const repo = await getRepoById(deps.db, task.repoId);
  await withIssueLock(deps, repo, task.issueNumber, async () => {
    const current = await getTask(deps.db, taskId);
    const settings = await deps.settings.recent(repo.owner, repo.name, repo.defaultBranch);
    await placeCard(deps, repo, current, settings.ok ? settings.config : null);
  });
}

/** The parent's plan comment: task list, Mermaid graph and waves, from the stored decomposition. */
export async function renderPlanFor(
  deps: Pick<BotDeps, 'db'>,
  task: TaskRow,
): Promise<{ body: string; allDone: boolean } | null> {
  const rows = await listSubtasks(deps.db, task.id);
  if (rows.length === 0 || rows.some((r) => r.issueNumber === null)) return null;
  const states = new Map((await listSubtaskTasks(deps.db, task.id)).map((t) => [t.issueNumber, t.state]));
  const waves: string[][] = [];
  for (const row of rows) {
    waves[row.wave] ??= [];
    waves[row.wave]!.push(row.key);
  }
  const items = rows.map((row) => ({
    key: row.key,
    title: row.title,
    dependsOn: row.dependencies,
    issueNumber: row.issueNumber,
    estimate: row.estimatedTime,
    state: states.get(row.issueNumber ?? -1) === 'done' ? ('closed' as const) : ('open' as const),
  }));
  return {
    body: renderPlanComment({
      specVersion: rows[0]!.specVersion,
      subtasks: items,
      waves: waves.filter(Boolean),
    }),
    allDone: items.every((i) => i.state === 'closed'),
  };
}

/** Serialises every write to one issue (Gitea comments, labels) across all workers. */
export function withIssueLock<T>(
  deps: Pick<BotDeps, 'locks'>,
  repo: Pick<RepoRow, 'fullName'>,
  issueNumber: number,
  fn: () => Promise<T>,
): Promise<T> {
  return deps.locks.hold(`aiworker:issue:${repo.fullName}#${issueNumber}`, fn, {
    timeoutSeconds: 60,
  });
}

export function specFromRow(row: SpecRow): Spec {
  return {
    title: row.title,
    summary: row.summary ?? '',
    goals: row.goals,
    context: row.context,
    architecture: row.architecture,
    edgeCases: row.edgeCases,
    acceptanceCriteria: row.acceptanceCriteria,
    estimatedComplexity: row.estimatedComplexity,
    assumptions: row.assumptions,
    changeSummary: row.changeSummary ?? '',
  };
}

export function featureTypeOf(task: Pick<TaskRow, 'featureType'>): FeatureType {
  return (FEATURE_TYPES as readonly string[]).includes(task.featureType ?? '')
    ? (task.featureType as FeatureType)
    : 'general';
}

function renderQuestionsWithAnswers(
  task: TaskRow,
  repo: RepoRow,
  round: number,
  questions: QuestionRow[],
): string {
  const body = renderQuestionsComment({
    questions: questions.map((q) => ({
      question: q.question,
      why: q.why,
      options: q.options,
      assumption: q.assumption ?? '',
    })),
    round,
    featureType: featureTypeOf(task),
    context: { repo: repo.fullName, stackSummary: task.stackSummary ?? '' },
  });
  const answered = questions.filter((q) => q.answer !== null);
  if (answered.length === 0) return body;
  const open = questions.filter((q) => q.answer === null).map((q) => q.ordinal);
  return [
    body,
    '',
    '---',
    `**Answers so far** (${answered.length} of ${questions.length}):`,
    '',
    ...answered.map((q) => `- ✅ **${q.ordinal}.** ${oneLine(q.answer ?? '')} — @${q.answeredBy}`),
    ...(open.length > 0 ? ['', `Still open: ${open.map((n) => `**${n}**`).join(', ')}.`] : []),
  ].join('\n');
}
