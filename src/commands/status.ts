import { isDispatchHeld } from '../db/audit.ts';
import { listQuestions } from '../db/questions.ts';
import { listRunsOf } from '../db/runs.ts';
import { latestSpec } from '../db/specs.ts';
import { listSubtasks, listSubtaskTasks } from '../db/subtasks.ts';
import { getTask, type TaskRow } from '../db/tasks.ts';
import { describeState } from '../domain/lifecycle.ts';
import { plannerWorkFor } from '../jobs/work-for-state.ts';
import { loadSpending } from '../planning/budget.ts';
import { oneLine } from '../planning/render/markdown.ts';
import type { Command, CommandContext } from './command.ts';
import { renderActivity, renderSubtaskTable, type SubtaskStatus } from './status-view.ts';

/**
 * `/status` (anyone): where the issue stands. On a feature: its state, questions, spec and
 * planner, its subtasks with their pull requests and latest runs, and what is queued or running
 * now. On a subtask: the subtask, its feature, and its own runs. Both end with the budget used.
 */
export const statusCommand: Command = {
  name: 'status',
  usage: '/status',
  description: 'Show where this issue stands: its state, spec version, subtasks and agent runs.',
  examples: ['/status'],
  permission: 'anyone',
  async run(ctx) {
    const task = ctx.task;
    if (!task) {
      await ctx.reply(
        `AiWorker is not working on this issue. Add the \`${ctx.config.triggerLabel}\` label to start a conversation, or say \`/help\`.`,
      );
      return;
    }
    const { db } = ctx.services;
    const feature =
      task.kind === 'subtask' && task.parentTaskId !== null ? await getTask(db, task.parentTaskId) : task;
    const subtasks = await subtaskStatuses(ctx, feature);
    const shown =
      task.kind === 'subtask' ? subtasks.filter((s) => s.issueNumber === task.issueNumber) : subtasks;
    const lines =
      task.kind === 'subtask' ? subtaskHeader(task, feature, subtasks) : await featureHeader(ctx, task);
    if (shown.length > 0) lines.push('', renderSubtaskTable(shown));
    const dispatchByHand =
      ctx.config.agents.dispatch === 'manual' ||
      (shown.some((s) => s.state === 'ready') &&
        (await isDispatchHeld(db, ctx.repo.fullName, feature.issueNumber)));
    lines.push(
      '',
      renderActivity({
        plannerWork: task.kind === 'feature' ? plannerWorkFor(task.state) : undefined,
        subtasks: shown,
        readyStarts: dispatchByHand ? 'by-dispatch' : 'automatically',
      }),
    );
    const usage = await loadSpending(db, { taskId: feature.id, repoId: feature.repoId }, new Date());
    const budget = ctx.config.budgets;
    const forIssue = task.kind === 'subtask' ? `for #${feature.issueNumber}` : 'for this issue';
    lines.push(
      '',
      `**Budget used:** $${(usage.issueUsd ?? 0).toFixed(2)} of $${budget.perIssueUsd.toFixed(2)} ${forIssue} · $${(usage.repoMonthUsd ?? 0).toFixed(2)} of $${budget.perRepoMonthlyUsd.toFixed(2)} this month in ${ctx.repo.fullName}`,
    );
    await ctx.reply(lines.join('\n'));
  },
};

async function featureHeader(ctx: CommandContext, task: TaskRow): Promise<string[]> {
  const { db } = ctx.services;
  const questions = await listQuestions(db, task.id, task.questionRound);
  const open = questions.filter((q) => q.answer === null);
  const spec = await latestSpec(db, task.id);
  return [
    `**State:** ${describeState(task.state as never)}`,
    questions.length > 0
      ? `**Questions:** ${questions.length - open.length} of ${questions.length} answered${task.state === 'clarifying' && open.length > 0 ? ` (open: ${open.map((q) => q.ordinal).join(', ')})` : ''}`
      : '**Questions:** none asked',
    // No `@` before the approver: every `/status` would notify them again.
    spec
      ? `**Spec:** v${spec.version}${spec.approvedAt ? `, approved by ${spec.approvedBy}` : ', in review'}`
      : '**Spec:** not written yet',
    `**Planner:** ${ctx.services.planner.name}${ctx.services.planner.model ? ` (${ctx.services.planner.model})` : ''}`,
  ];
}

function subtaskHeader(task: TaskRow, feature: TaskRow, subtasks: readonly SubtaskStatus[]): string[] {
  const done = subtasks.filter((s) => s.state === 'done').length;
  return [
    `**State:** ${describeState(task.state as never)}`,
    `**Feature:** #${feature.issueNumber} ${oneLine(feature.title)} — ${describeState(feature.state as never)}, ${done} of ${subtasks.length} subtasks done`,
  ];
}

/** The feature's current plan, each subtask with its lifecycle state and its runs. */
async function subtaskStatuses(ctx: CommandContext, feature: TaskRow): Promise<SubtaskStatus[]> {
  const { db } = ctx.services;
  const planned = await listSubtasks(db, feature.id);
  if (planned.length === 0) return [];
  const tasks = await listSubtaskTasks(db, feature.id);
  const runs = await listRunsOf(
    db,
    tasks.map((t) => t.id),
  );
  return planned.map((row) => {
    const subtask = tasks.find((t) => t.issueNumber === row.issueNumber);
    return {
      issueNumber: row.issueNumber,
      title: row.title,
      state: subtask?.state ?? null,
      runs: runs
        .filter((run) => run.taskId === subtask?.id)
        .map((run) => ({
          attempt: run.attempt,
          status: run.status,
          prNumber: run.prNumber,
          active: run.finishedAt === null,
        })),
    };
  });
}
