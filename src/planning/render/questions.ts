import type { RepoContext } from '../../context/types.ts';
import { truncate } from '../builtin/text.ts';
import type { FeatureType, Question } from '../schemas.ts';
import { featureTypeLabel, neutralize, oneLine } from './markdown.ts';

export interface QuestionsCommentInput {
  questions: Question[];
  round: number;
  featureType: FeatureType;
  context: Pick<RepoContext, 'stackSummary' | 'repo'>;
}

/** The clarifying-questions comment: numbered questions with why, options and the default, then how to answer. */
export function renderQuestionsComment(input: QuestionsCommentInput): string {
  const { questions, round, featureType, context } = input;
  const kind = featureTypeLabel(featureType);
  const stack = context.stackSummary ? ` in a **${oneLine(context.stackSummary)}** repository` : '';
  const lines: string[] = [`### Clarifying questions${round > 1 ? ` (round ${round})` : ''}`, ''];
  if (questions.length === 0) {
    lines.push(
      `This reads as **${kind}** work${stack}, and the issue already answers the key questions. The specification follows; say \`/revise-spec …\` there if something is off.`,
    );
    return lines.join('\n');
  }
  lines.push(
    `This reads as **${kind}** work${stack}. ${questions.length === 1 ? 'One answer' : `${questions.length} answers`} will make the specification fit this repository; anything left open becomes a stated assumption.`,
    '',
  );
  questions.forEach((q, index) => {
    lines.push(`${index + 1}. **${oneLine(q.question)}**`);
    lines.push(`   - Why it matters: ${oneLine(q.why)}`);
    if (q.options.length > 0) lines.push(`   - Options: ${q.options.map((o) => oneLine(o)).join(' · ')}`);
    lines.push(`   - If unanswered: ${oneLine(q.assumption)}`);
  });
  const example = questions.length > 1 ? 2 : 1;
  lines.push(
    '',
    '**How to answer** (the issue author or anyone with write access):',
    `- \`/answer ${example} <your answer>\` answers one question; several \`/answer N …\` lines can go in one comment.`,
    '- Or `/answer` followed by a numbered list:',
    '',
    '  ```',
    '  /answer',
    ...questions
      .slice(0, 3)
      .map((q, i) => `  ${i + 1}. ${neutralize(q.options[0] ?? '…').replace(/\n/g, ' ')}`),
    '  ```',
    '- `/spec` writes the specification now, using the assumptions above for anything unanswered.',
  );
  return lines.join('\n');
}

export interface AnswerProgressQuestion {
  ordinal: number;
  question: string;
  answer: string | null;
}

/**
 * The reply to an `/answer` comment: which questions of the round are still open and what
 * `/spec` does with them, or — once none is — that the specification is being written.
 */
export function renderAnswerProgress(questions: readonly AnswerProgressQuestion[]): string {
  const open = questions.filter((q) => q.answer === null);
  if (open.length === 0) {
    const all = questions.length === 1 ? 'The question is' : `All ${questions.length} questions are`;
    return `${all} answered, so AiWorker is writing the specification now.`;
  }
  const example = open[0]!.ordinal;
  return [
    `${questions.length - open.length} of ${questions.length} questions answered. Still open:`,
    '',
    ...open.map((q) => `- **${q.ordinal}.** ${truncate(oneLine(q.question), 120)}`),
    '',
    `Answer with \`/answer ${example} …\`, or say \`/spec\` to write the specification now with the ` +
      `stated assumption (“If unanswered”) for ${open.length === 1 ? 'the open question' : 'each open one'}.`,
  ].join('\n');
}
