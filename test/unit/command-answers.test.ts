import { describe, expect, it } from 'vitest';
import { collectAnswers, extractAnswers, MAX_ANSWER_LENGTH } from '../../src/commands/answer-extraction.ts';
import { KNOWN_COMMAND_NAMES } from '../../src/commands/index.ts';
import { commandsOf, parseComment } from '../../src/commands/parser.ts';

/** The commands this instance knows, as the command runner passes them. */
const KNOWN = { knownCommands: KNOWN_COMMAND_NAMES };

/** Answers of a whole comment, as the bot will read them: parse, then collect. */
function answersIn(comment: string, questionCount?: number) {
  return collectAnswers(parseComment(comment, KNOWN).items, { questionCount });
}

const pairs = (comment: string) => answersIn(comment).answers.map(({ ordinal, text }) => [ordinal, text]);

describe('answers: the accepted forms', () => {
  it.each([
    { form: 'number and text', comment: '/answer 1 Stripe only', expected: [[1, 'Stripe only']] },
    { form: 'number with a period', comment: '/answer 1. Stripe', expected: [[1, 'Stripe']] },
    { form: 'number with a parenthesis', comment: '/answer 2) EUR and USD', expected: [[2, 'EUR and USD']] },
    { form: 'number with a colon', comment: '/answer 3: yes', expected: [[3, 'yes']] },
    { form: 'hash number', comment: '/answer #4 no', expected: [[4, 'no']] },
    { form: 'Q number', comment: '/answer Q5 maybe', expected: [[5, 'maybe']] },
    { form: 'q number with colon', comment: '/answer q5: maybe', expected: [[5, 'maybe']] },
    { form: 'a dash separator is dropped', comment: '/answer 1 - Stripe', expected: [[1, 'Stripe']] },
    { form: 'an em dash separator is dropped', comment: '/answer 1 — Stripe', expected: [[1, 'Stripe']] },
    {
      form: 'a negative number in the text stays',
      comment: '/answer 3 -1 is fine',
      expected: [[3, '-1 is fine']],
    },
    { form: 'upper-case command', comment: '/ANSWER 1 Stripe', expected: [[1, 'Stripe']] },
    { form: 'NBSP after the number', comment: '/answer 1\u00A0Stripe', expected: [[1, 'Stripe']] },
    { form: 'emoji and RTL text', comment: '/answer 1 💳 שטרייפ', expected: [[1, '💳 שטרייפ']] },
    {
      form: 'several /answer lines in one comment',
      comment: 'Thanks!\n/answer 1 Stripe only\n/answer 2 EUR and USD\n/answer 3 yes',
      expected: [
        [1, 'Stripe only'],
        [2, 'EUR and USD'],
        [3, 'yes'],
      ],
    },
    {
      form: 'a bare /answer followed by a numbered list',
      comment: '/answer\n1. Stripe\n2) EUR and USD\n- 3: yes\n* 4. no\n+ Q5: later\n#6) fine',
      expected: [
        [1, 'Stripe'],
        [2, 'EUR and USD'],
        [3, 'yes'],
        [4, 'no'],
        [5, 'later'],
        [6, 'fine'],
      ],
    },
    {
      form: 'list items continue over lines that do not start an item',
      comment: '/answer\n1. Stripe\n   and PayPal later\n2. We need\n2024 compliance\n3. 1.5 hours',
      expected: [
        [1, 'Stripe\nand PayPal later'],
        [2, 'We need\n2024 compliance'],
        [3, '1.5 hours'],
      ],
    },
    {
      form: 'an item whose text starts on the next line',
      comment: '/answer\n1.\n   Stripe',
      expected: [[1, 'Stripe']],
    },
    {
      form: 'the list ends at a blank line',
      comment: '/answer\n1. Stripe\n\n2. this is prose, not an answer',
      expected: [[1, 'Stripe']],
    },
    {
      form: 'the list ends at the next command',
      comment: '/answer\n1. Stripe\n/answer 2 EUR',
      expected: [
        [1, 'Stripe'],
        [2, 'EUR'],
      ],
    },
    {
      form: 'a number alone, the answer on the following lines',
      comment: '/answer 2\nWe only sell in the EU,\nso EUR is enough.\n\nCheers',
      expected: [[2, 'We only sell in the EU,\nso EUR is enough.']],
    },
    {
      form: 'text after the number continues on the following lines',
      comment: '/answer 2 Stripe,\nand PayPal later',
      expected: [[2, 'Stripe,\nand PayPal later']],
    },
    {
      form: 'a numbered list after a number belongs to that answer',
      comment: '/answer 1 both:\n1. Stripe\n2. PayPal',
      expected: [[1, 'both:\n1. Stripe\n2. PayPal']],
    },
    {
      form: 'CRLF line endings',
      comment: '/answer\r\n1. Stripe\r\n2. EUR\r\n',
      expected: [
        [1, 'Stripe'],
        [2, 'EUR'],
      ],
    },
    {
      form: 'answers are returned in question order',
      comment: '/answer 3 c\n/answer 1 a',
      expected: [
        [1, 'a'],
        [3, 'c'],
      ],
    },
    { form: 'an /answer in a quote is not an answer', comment: '> /answer 1 Stripe', expected: [] },
    {
      form: 'an /answer in a code block is not an answer',
      comment: '```\n/answer 1 Stripe\n```',
      expected: [],
    },
  ])('$form', ({ comment, expected }) => {
    const result = answersIn(comment);
    expect(result.errors).toEqual([]);
    expect(result.answers.map(({ ordinal, text }) => [ordinal, text])).toEqual(expected);
  });

  it('remembers the line each answer starts on', () => {
    expect(answersIn('Hi\n/answer\n1. Stripe\n2. EUR\n/answer 3 yes').answers).toEqual([
      { ordinal: 1, text: 'Stripe', line: 3 },
      { ordinal: 2, text: 'EUR', line: 4 },
      { ordinal: 3, text: 'yes', line: 5 },
    ]);
  });
});

describe('answers: malformed ones are reported, never thrown', () => {
  it.each([
    {
      problem: '/answer with nothing',
      comment: '/answer',
      error:
        'Line 1: `/answer` needs a question number and an answer, e.g. `/answer 1 Stripe only`, ' +
        'or a numbered list on the following lines (`1. Stripe`, `2. EUR and USD`).',
    },
    {
      problem: 'question 0',
      comment: '/answer 0 Stripe',
      error: 'Line 1: question numbers start at 1, so `0` does not name a question.',
    },
    {
      problem: 'a word instead of a number',
      comment: '/answer x foo',
      error:
        'Line 1: `/answer x foo` does not start with a question number; write e.g. `/answer 1 Stripe only`.',
    },
    {
      problem: 'a decimal number',
      comment: '/answer 1.5 hours',
      error:
        'Line 1: `/answer 1.5 hours` does not start with a question number; write e.g. `/answer 1 Stripe only`.',
    },
    {
      problem: 'a number without text',
      comment: '/answer 2',
      error:
        'Line 1: the answer to question 2 is empty; write it after the number, e.g. `/answer 2 Stripe only`.',
    },
    {
      problem: 'a number with only a separator',
      comment: '/answer 2 -',
      error:
        'Line 1: the answer to question 2 is empty; write it after the number, e.g. `/answer 2 Stripe only`.',
    },
    {
      problem: 'a huge number',
      comment: '/answer 99999999999999999999 yes',
      error: 'Line 1: `99999999999999999999` is not a question number.',
    },
    {
      problem: 'a bare /answer followed by prose',
      comment: '/answer\nStripe only\nbecause it is cheaper',
      error:
        'Line 2: after a bare `/answer`, start each answer with its question number, e.g. `1. Stripe only`.',
    },
  ])('$problem', ({ comment, error }) => {
    expect(answersIn(comment)).toEqual({ answers: [], errors: [error] });
  });

  it('keeps the good items of a list and reports the bad ones', () => {
    const result = answersIn('/answer\n0. zero\n1. Stripe\n2.\n3. yes');
    expect(result.answers.map((a) => a.ordinal)).toEqual([1, 3]);
    expect(result.errors).toEqual([
      'Line 2: question numbers start at 1, so `0` does not name a question.',
      'Line 4: the answer to question 2 is empty; write it after the number, e.g. `/answer 2 Stripe only`.',
    ]);
  });

  it('reports a question beyond the current round', () => {
    expect(answersIn('/answer 1 yes\n/answer 7 no', 5)).toEqual({
      answers: [{ ordinal: 1, text: 'yes', line: 1 }],
      errors: ['Line 2: there is no question 7; there are 5 questions.'],
    });
    expect(answersIn('/answer 2 no', 1).errors).toEqual([
      'Line 1: there is no question 2; there is 1 question.',
    ]);
  });

  it('keeps the later of two answers to one question and says so', () => {
    expect(answersIn('/answer 2 EUR\n/answer 1 Stripe\n/answer 2 USD')).toEqual({
      answers: [
        { ordinal: 1, text: 'Stripe', line: 2 },
        { ordinal: 2, text: 'USD', line: 3 },
      ],
      errors: [
        'Question 2 is answered twice in this comment (lines 1 and 3); only the answer on line 3 was kept.',
      ],
    });
  });

  it('catches a duplicate inside one list', () => {
    const result = answersIn('/answer\n1. a\n1. b');
    expect(pairs('/answer\n1. a\n1. b')).toEqual([[1, 'b']]);
    expect(result.errors).toHaveLength(1);
  });

  it('refuses an answer longer than the limit', () => {
    const result = answersIn(`/answer 1 ${'x'.repeat(MAX_ANSWER_LENGTH + 1)}`);
    expect(result.answers).toEqual([]);
    expect(result.errors).toEqual([
      `Line 1: the answer to question 1 has ${MAX_ANSWER_LENGTH + 1} characters; at most ${MAX_ANSWER_LENGTH} are accepted.`,
    ]);
  });

  it('says so when handed a command that is not /answer', () => {
    const [command] = commandsOf(parseComment('/approve-spec', KNOWN));
    expect(command && extractAnswers(command)).toEqual({
      answers: [],
      errors: ['Line 1: `/approve-spec` is not an `/answer` command.'],
    });
  });

  it('collectAnswers skips everything but /answer commands', () => {
    const result = answersIn('/aprove-spec\n/status\n/answer 1 Stripe');
    expect(result).toEqual({ answers: [{ ordinal: 1, text: 'Stripe', line: 3 }], errors: [] });
  });
});

describe('extractAnswers on one command', () => {
  it('reads the list in the body of a single command', () => {
    expect(extractAnswers({ name: 'answer', args: '', body: '1. Stripe\n2) EUR', line: 10 })).toEqual({
      answers: [
        { ordinal: 1, text: 'Stripe', line: 11 },
        { ordinal: 2, text: 'EUR', line: 12 },
      ],
      errors: [],
    });
  });

  it('honours a custom length limit', () => {
    const result = extractAnswers({ name: 'answer', args: '1 toolong', body: '', line: 1 }, { maxLength: 3 });
    expect(result.errors).toEqual([
      'Line 1: the answer to question 1 has 7 characters; at most 3 are accepted.',
    ]);
  });
});
