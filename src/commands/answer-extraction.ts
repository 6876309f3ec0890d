import type { CommandInvocation, ParsedItem } from './parser.ts';

/**
 * Reads answers to clarifying questions out of `/answer` commands. Accepted forms:
 *
 * 1. One line: `/answer 1 Stripe only`. The number may be written `1`, `1.`, `1)`, `1:`, `#1`
 *    or `Q1`, followed by a space; a `- `, `: ` or dash right after it is dropped
 *    (`/answer 1 - Stripe` → "Stripe").
 * 2. Several such lines in one comment: each is its own command (see `collectAnswers`).
 * 3. A number with the answer on the following lines: `/answer 2` then paragraph lines up to a
 *    blank line or the next command. Text after the number and the following lines join:
 *    `/answer 2 Stripe,` + `and PayPal later` → "Stripe,\nand PayPal later".
 * 4. `/answer` alone, then a numbered list up to a blank line or the next command. An item
 *    starts with the number and `.`, `)` or `:` (optionally after a `-`, `*` or `+` bullet):
 *    `1. Stripe`, `2) EUR and USD`, `- 3: yes`, `Q4: no`. A line that does not start an item
 *    continues the previous one, so "2024 compliance" inside an answer stays text.
 *
 * Nothing is thrown: every problem is a sentence in `errors`, and each one describes something
 * that was NOT recorded, so the bot can record the rest and tell the user exactly what to fix.
 */

export interface Answer {
  /** 1-based question number. */
  ordinal: number;
  /** The answer, trimmed, lines joined with `\n`. */
  text: string;
  /** The comment line where this answer starts. */
  line: number;
}

export interface AnswerExtraction {
  answers: Answer[];
  errors: string[];
}

export interface AnswerOptions {
  /** Questions in the current round; numbers above it are reported instead of recorded. */
  questionCount?: number;
  /** Longest answer recorded, in characters. Defaults to `MAX_ANSWER_LENGTH`. */
  maxLength?: number;
}

/** Long enough for any real answer, short enough for a TEXT column in utf8mb4. */
export const MAX_ANSWER_LENGTH = 10_000;

/** More questions than any round can have (the planner asks at most 10). */
const MAX_ORDINAL = 999;

const EXAMPLE = '`/answer 1 Stripe only`';

/** A question number at the start of the `/answer` arguments: `1`, `1.`, `#1`, `Q1:`. */
const LEADING_NUMBER = /^(?:#|q)?(\d+)[.):]?$/i;
/** A numbered list item: optional bullet, number, a required `.`, `)` or `:`, then the text. */
const LIST_ITEM = /^(?:[-*+]\s+)?(?:#|q)?(\d+)[.):](?:\s+(.*))?$/iu;
/** Separators people put between the number and the text. */
const LEADING_SEPARATOR = /^[-–—:](?:\s+|$)/u;

type AnswerCommand = Pick<CommandInvocation, 'name' | 'args' | 'body' | 'line'>;

interface Draft {
  ordinal: number;
  /** The number as written, for messages (a huge number would print as 1e+21). */
  written: string;
  lines: string[];
  line: number;
}

function splitFirstToken(text: string): [string, string] {
  const match = /^(\S+)\s*(.*)$/su.exec(text);
  return match ? [match[1] ?? '', match[2] ?? ''] : ['', ''];
}

/** Checks a question number; returns an error sentence or undefined when it is usable. */
function ordinalProblem(draft: Draft, opts: AnswerOptions): string | undefined {
  const { ordinal, written, line } = draft;
  if (ordinal === 0) {
    return `Line ${line}: question numbers start at 1, so \`${written}\` does not name a question.`;
  }
  if (opts.questionCount !== undefined && ordinal > opts.questionCount) {
    const count = opts.questionCount === 1 ? 'is 1 question' : `are ${opts.questionCount} questions`;
    return `Line ${line}: there is no question ${written}; there ${count}.`;
  }
  if (ordinal > MAX_ORDINAL) return `Line ${line}: \`${written}\` is not a question number.`;
  return undefined;
}

function finish(draft: Draft, opts: AnswerOptions, answers: Answer[], errors: string[]): void {
  const problem = ordinalProblem(draft, opts);
  if (problem) {
    errors.push(problem);
    return;
  }
  const text = draft.lines
    .map((line) => line.trim())
    .join('\n')
    .trim();
  const maxLength = opts.maxLength ?? MAX_ANSWER_LENGTH;
  if (text === '') {
    errors.push(
      `Line ${draft.line}: the answer to question ${draft.ordinal} is empty; ` +
        `write it after the number, e.g. \`/answer ${draft.ordinal} Stripe only\`.`,
    );
  } else if (text.length > maxLength) {
    errors.push(
      `Line ${draft.line}: the answer to question ${draft.ordinal} has ${text.length} characters; ` +
        `at most ${maxLength} are accepted.`,
    );
  } else {
    answers.push({ ordinal: draft.ordinal, text, line: draft.line });
  }
}

/** Keeps the last answer per question, in question order, and says which ones were replaced. */
function keepLastPerQuestion(answers: readonly Answer[], errors: string[]): Answer[] {
  const byOrdinal = new Map<number, Answer>();
  for (const answer of answers) {
    const earlier = byOrdinal.get(answer.ordinal);
    if (earlier) {
      errors.push(
        `Question ${answer.ordinal} is answered twice in this comment (lines ${earlier.line} and ` +
          `${answer.line}); only the answer on line ${answer.line} was kept.`,
      );
    }
    byOrdinal.set(answer.ordinal, answer);
  }
  return [...byOrdinal.values()].sort((a, b) => a.ordinal - b.ordinal);
}

/** The answers in one `/answer` command (with its body). */
export function extractAnswers(command: AnswerCommand, opts: AnswerOptions = {}): AnswerExtraction {
  const answers: Answer[] = [];
  const errors: string[] = [];
  if (command.name !== 'answer') {
    return { answers, errors: [`Line ${command.line}: \`/${command.name}\` is not an \`/answer\` command.`] };
  }
  const bodyLines = command.body === '' ? [] : command.body.split('\n');

  if (command.args !== '') {
    const [token, rest] = splitFirstToken(command.args);
    const number = LEADING_NUMBER.exec(token);
    if (!number) {
      errors.push(
        `Line ${command.line}: \`/answer ${command.args}\` does not start with a question number; ` +
          `write e.g. ${EXAMPLE}.`,
      );
      return { answers, errors };
    }
    const text = rest.replace(LEADING_SEPARATOR, '');
    const digits = number[1] ?? '';
    const draft = {
      ordinal: Number(digits),
      written: digits,
      lines: [text, ...bodyLines],
      line: command.line,
    };
    finish(draft, opts, answers, errors);
    return { answers: keepLastPerQuestion(answers, errors), errors };
  }

  if (bodyLines.length === 0) {
    errors.push(
      `Line ${command.line}: \`/answer\` needs a question number and an answer, e.g. ${EXAMPLE}, ` +
        'or a numbered list on the following lines (`1. Stripe`, `2. EUR and USD`).',
    );
    return { answers, errors };
  }

  let draft: Draft | undefined;
  let strayReported = false; // one error for text before the first item, not one per line
  bodyLines.forEach((text, offset) => {
    const line = command.line + 1 + offset;
    const item = LIST_ITEM.exec(text.trim());
    if (item) {
      if (draft) finish(draft, opts, answers, errors);
      const digits = item[1] ?? '';
      draft = { ordinal: Number(digits), written: digits, lines: [item[2] ?? ''], line };
    } else if (draft) {
      draft.lines.push(text);
    } else if (!strayReported) {
      strayReported = true;
      errors.push(
        `Line ${line}: after a bare \`/answer\`, start each answer with its question number, ` +
          'e.g. `1. Stripe only`.',
      );
    }
  });
  if (draft) finish(draft, opts, answers, errors);
  return { answers: keepLastPerQuestion(answers, errors), errors };
}

/**
 * All answers in one comment: every `/answer` command among `items` (other items are skipped),
 * the last answer winning when a question is answered twice.
 */
export function collectAnswers(items: readonly ParsedItem[], opts: AnswerOptions = {}): AnswerExtraction {
  const all: Answer[] = [];
  const errors: string[] = [];
  for (const item of items) {
    if (item.kind !== 'command' || item.name !== 'answer') continue;
    const extracted = extractAnswers(item, opts);
    all.push(...extracted.answers);
    errors.push(...extracted.errors);
  }
  return { answers: keepLastPerQuestion(all, errors), errors };
}
