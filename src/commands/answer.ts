import { listQuestions, recordAnswer } from '../db/questions.ts';
import { getTask } from '../db/tasks.ts';
import { renderAnswerProgress } from '../planning/render/questions.ts';
import { extractAnswers } from './answer-extraction.ts';
import { type Command, requireFeature } from './command.ts';
import { transitionByCommand } from './transition.ts';

export const answerCommand: Command = {
  name: 'answer',
  usage: '/answer <number> <answer>',
  description:
    'Answer a clarifying question. Several `/answer` lines in one comment are fine, or write ' +
    '`/answer` alone followed by a numbered list (`1. Stripe`, `2) EUR and USD`).',
  examples: ['/answer 1 Stripe only', '/answer 2 EUR and USD'],
  permission: 'author-or-write',
  async run(ctx) {
    const task = await requireFeature(ctx);
    if (!task) return;
    const questions = (await listQuestions(ctx.services.db, task.id)).filter(
      (q) => q.round === task.questionRound,
    );
    const extraction = extractAnswers(ctx.command, { questionCount: questions.length || undefined });
    const problems = [...extraction.errors];
    let recorded = 0;
    const outcome = await transitionByCommand(ctx, task, async (tx, current) => {
      if (current.state !== 'clarifying') {
        return { refuse: closedReason(current.state) };
      }
      if (extraction.answers.length === 0)
        return { refuse: problems.join('\n') || 'No answer found in this command.' };
      const open = (await listQuestions(tx, current.id)).filter((q) => q.round === current.questionRound);
      for (const answer of extraction.answers) {
        const question = open.find((q) => q.ordinal === answer.ordinal);
        if (!question) {
          problems.push(
            `There is no question ${answer.ordinal} (the questions are numbered 1–${open.length}).`,
          );
          continue;
        }
        await recordAnswer(tx, question.id, {
          text: answer.text,
          by: ctx.comment.author,
          commentId: ctx.comment.id,
          at: ctx.comment.createdAt,
        });
        question.answer = answer.text;
        recorded++;
      }
      if (recorded === 0) return { refuse: problems.join('\n') };
      // Not answered yet means still open; once none is, the spec is written.
      return open.every((q) => q.answer !== null) ? { type: 'all_answered' } : { stay: true };
    });
    if (outcome.kind === 'refused') {
      await ctx.reply(`This answer was not recorded: ${outcome.reason}`);
      return;
    }
    await ctx.react('+1');
    if (outcome.kind === 'applied' && problems.length > 0) {
      await ctx.reply(`Recorded ${recorded} answer(s), but:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    }
    // A redelivery (or a retry after a failed reply) repeats the reply while answers are still
    // being collected; once the conversation moved on, what was true then is no longer worth saying.
    const now = outcome.kind === 'applied' ? outcome.task : await getTask(ctx.services.db, task.id);
    if (outcome.kind === 'replayed' && now.state !== 'clarifying') return;
    const round = await listQuestions(ctx.services.db, task.id, now.questionRound);
    await ctx.replyToComment('answers', renderAnswerProgress(round));
  },
};

function closedReason(state: string): string {
  switch (state) {
    case 'questioning':
      return 'the clarifying questions are still being prepared; answer them once they are posted.';
    case 'specifying':
    case 'spec_review':
      return 'the questions are closed and a spec is being written or reviewed. Use `/revise-spec <feedback>` to change it.';
    case 'stopped':
      return 'the conversation is stopped; add the trigger label again to continue.';
    default:
      return 'the spec is already approved, so answers can no longer change it.';
  }
}
