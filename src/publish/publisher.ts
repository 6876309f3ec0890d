import { listQuestions, type QuestionRow } from '../db/questions.ts';
import { getRepoById, type RepoRow } from '../db/repos.ts';
import { listSpecs } from '../db/specs.ts';
import { getTask, type TaskRow } from '../db/tasks.ts';
import type { IssueRef } from '../domain/payloads.ts';
import type { RepoSettingsService } from '../gitea/repo-settings.ts';
import { oneLine } from '../planning/render/markdown.ts';
import { renderQuestionsComment } from '../planning/render/questions.ts';
import { renderSpecComment } from '../planning/render/spec.ts';
import { featureTypeOf, specFromRow } from '../planning/stored.ts';
import type { BoardSync } from './board-sync.ts';
import { withIssueLock } from './issue-lock.ts';
import type { IssueWriters } from './issue-writers.ts';
import { renderPlanFor } from './plan.ts';

export interface PublisherDeps extends IssueWriters {
  settings: Pick<RepoSettingsService, 'recent'>;
  board: Pick<BoardSync, 'place'>;
}

/**
 * Makes Gitea show what the database holds for a feature or a subtask.
 *
 * Publishing is idempotent and always safe to repeat, so every handler and job ends with it:
 * a crash between a committed transition and its comment is repaired by the next publish
 * (a retry, a redelivery, or the next event on the issue). Publishes of one issue are
 * serialised across processes by a named lock, so two of them never both create a comment.
 */
export class Publisher {
  constructor(private readonly deps: PublisherDeps) {}

  /**
   * A feature: its status label and card, the questions comment of each round (with the
   * answers so far), the spec comment (edited in place), the plan comment, and the notice of a
   * stopped conversation.
   */
  async feature(taskId: number): Promise<void> {
    const { db, locks, settings, comments, board } = this.deps;
    const first = await getTask(db, taskId);
    const repo = await getRepoById(db, first.repoId);
    await withIssueLock(locks, repo, first.issueNumber, async () => {
      const task = await getTask(db, taskId); // re-read under the lock
      const issue: IssueRef = { owner: repo.owner, repo: repo.name, number: task.issueNumber };
      const found = await settings.recent(repo.owner, repo.name, repo.defaultBranch);
      await board.place(repo, task, found.ok ? found.config : null);
      const questions = await listQuestions(db, task.id);
      for (const round of [...new Set(questions.map((q) => q.round))]) {
        await comments.ensure(
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
      const specs = await listSpecs(db, task.id);
      const latest = specs.at(-1);
      if (latest) {
        await comments.ensure(
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
      const plan = await renderPlanFor(db, task);
      if (plan) {
        await comments.ensure(issue, { kind: 'plan', attrs: { task: task.issueNumber } }, plan.body);
      }
      if (task.state === 'stopped') {
        await comments.ensure(
          issue,
          { kind: 'notice', attrs: { task: task.issueNumber, event: 'stopped', v: task.stateVersion } },
          'AiWorker stopped here because the trigger label was removed. Add it again to continue where the conversation left off.',
        );
      }
    });
  }

  /** A subtask: its status label (and board card) follows its lifecycle state. */
  async subtask(taskId: number): Promise<void> {
    const { db, locks, settings, board } = this.deps;
    const task = await getTask(db, taskId);
    const repo = await getRepoById(db, task.repoId);
    await withIssueLock(locks, repo, task.issueNumber, async () => {
      const current = await getTask(db, taskId);
      const found = await settings.recent(repo.owner, repo.name, repo.defaultBranch);
      await board.place(repo, current, found.ok ? found.config : null);
    });
  }
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
