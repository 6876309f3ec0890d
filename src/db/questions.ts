import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import { clarificationQuestions } from './schema.ts';

/** The `clarification_questions` rows: each round of questions of a feature, with the answers. */

export type QuestionRow = typeof clarificationQuestions.$inferSelect;

export async function insertQuestions(
  tx: DbOrTx,
  taskId: number,
  round: number,
  questions: Array<{ question: string; why: string; options: string[]; assumption: string }>,
): Promise<void> {
  if (questions.length === 0) return;
  await tx
    .insert(clarificationQuestions)
    .ignore()
    .values(questions.map((q, i) => ({ taskId, round, ordinal: i + 1, ...q })));
}

export async function listQuestions(db: DbOrTx, taskId: number, round?: number): Promise<QuestionRow[]> {
  const where =
    round === undefined
      ? eq(clarificationQuestions.taskId, taskId)
      : and(eq(clarificationQuestions.taskId, taskId), eq(clarificationQuestions.round, round));
  return db
    .select()
    .from(clarificationQuestions)
    .where(where)
    .orderBy(asc(clarificationQuestions.round), asc(clarificationQuestions.ordinal));
}

export async function recordAnswer(
  tx: DbOrTx,
  questionId: number,
  answer: { text: string; by: string; commentId: number; at: Date },
): Promise<void> {
  await tx
    .update(clarificationQuestions)
    .set({
      answer: answer.text,
      answeredBy: answer.by,
      answerCommentId: answer.commentId,
      answeredAt: answer.at,
    })
    .where(eq(clarificationQuestions.id, questionId));
}
