import { latestSpec, listQuestions } from '../db/tasks.ts';
import { describeState } from '../handlers/lifecycle.ts';
import { loadSpending } from '../spec/budget.ts';
import type { CommandDescriptor } from './context.ts';
import { describeCommand } from './descriptor.ts';

export const statusCommand: CommandDescriptor = describeCommand('status', {
  states: 'any',
  async run(ctx) {
    const task = ctx.task;
    if (!task) {
      await ctx.reply(
        `AiWorker is not working on this issue. Add the \`${ctx.config.triggerLabel}\` label to start a conversation, or say \`/help\`.`,
      );
      return;
    }
    const { db } = ctx.deps;
    const questions = (await listQuestions(db, task.id)).filter((q) => q.round === task.questionRound);
    const open = questions.filter((q) => q.answer === null);
    const spec = await latestSpec(db, task.id);
    const usage = await loadSpending(db, { taskId: task.id, repoId: task.repoId }, new Date());
    const budget = ctx.config.budgets;
    const lines = [
      `**State:** ${describeState(task.state as never)}`,
      questions.length > 0
        ? `**Questions:** ${questions.length - open.length} of ${questions.length} answered${open.length > 0 ? ` (open: ${open.map((q) => q.ordinal).join(', ')})` : ''}`
        : '**Questions:** none asked',
      spec
        ? `**Spec:** v${spec.version}${spec.approvedAt ? `, approved by @${spec.approvedBy}` : ', in review'}`
        : '**Spec:** not written yet',
      `**Planner:** ${ctx.deps.planner.name}${ctx.deps.planner.model ? ` (${ctx.deps.planner.model})` : ''}`,
      `**Budget used:** $${(usage.issueUsd ?? 0).toFixed(2)} of $${budget.perIssueUsd.toFixed(2)} for this issue · $${(usage.repoMonthUsd ?? 0).toFixed(2)} of $${budget.perRepoMonthlyUsd.toFixed(2)} this month in ${ctx.repo.fullName}`,
    ];
    await ctx.reply(lines.join('\n'));
  },
});
