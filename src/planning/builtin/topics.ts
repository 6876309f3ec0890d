import type { RepoContext } from '../../context/types.ts';
import type { IssueInput } from '../planner.ts';
import type { Layout, Names } from './layout.ts';
import type { StackProfile } from './stack.ts';
import { mentions, normalize } from './text.ts';

/**
 * A topic is one decision a feature needs (payment provider, config format, …). The same
 * definition asks the question, detects whether the issue already answers it, decodes an
 * answer or review feedback into values, and tells the spec what was decided and why.
 */

/** What every template function sees about the issue and the repository. */
export interface PlanContext {
  issue: IssueInput;
  repo: RepoContext;
  stack: StackProfile;
  layout: Layout;
  /** The thing the feature is about ("invoice", "product", "config"). */
  names: Names;
  /** Normalized title + body. */
  text: string;
  /** For bug fixes and performance work: the functional area the issue touches, if recognisable. */
  area: string | null;
}

export interface Choice {
  value: string;
  /** Short label used in the spec's decision lines, e.g. "Stripe". Must be unique within a topic. */
  short: string;
  /** Option text offered in the question; defaults to `short`. */
  option?: (ctx: PlanContext) => string;
  /** Recognises the choice in issue text, answers and feedback (normalized, lowercase). */
  match: RegExp;
  /** For multi-value topics: the values this choice stands for ("both" → stripe, paypal). */
  expands?: string[];
  /** This value means "not in scope" (no refunds, no webhooks). */
  off?: boolean;
  /** Understood in text but not offered as an option. */
  hidden?: boolean;
}

export interface Topic {
  id: string;
  /** Name of the decision, e.g. "Payment providers". */
  label: string;
  /** Several values may hold at once (Stripe + PayPal). */
  multi?: boolean;
  /** Mentions of the topic itself, to understand "no refunds" / "drop webhooks" as the off value. */
  subject?: RegExp;
  /** Key topics decide the shape of the work: when the issue settles all of them, no questions are asked. */
  key?: boolean;
  choices: Choice[];
  fallback: (ctx: PlanContext) => string[];
  question: (ctx: PlanContext) => string;
  why: (ctx: PlanContext) => string;
  /** The sentence stated when nobody answers (without the "Assumed:" prefix). */
  assumption?: (ctx: PlanContext) => string;
  /** Whether the topic applies to this repository at all (e.g. UI questions only with a UI). */
  applies?: (ctx: PlanContext) => boolean;
  /** A yes/no question: "yes, …" picks the first offered choice, "no, …" the second. */
  yesNo?: boolean;
  /** Example answers shown as options when the topic has no fixed choices. */
  examples?: (ctx: PlanContext) => string[];
}

export type DecisionSource =
  | { kind: 'issue' }
  | { kind: 'answer'; ordinal: number; by: string | null; noPreference: boolean }
  | { kind: 'assumed'; ordinal: number | null }
  | { kind: 'review'; version: number };

export interface Decision {
  topic: Topic;
  values: string[];
  /** A free-text answer that names no known choice, kept verbatim for the spec. */
  custom: string | null;
  source: DecisionSource;
  /** The answer as written, when it says more than the choice it was read as ("update existing (match by email)"). */
  answerText?: string;
}

export interface Decoded {
  values: string[];
  /** Values the text explicitly rules out ("no PayPal", "instead of YAML"). */
  negated: string[];
  /** Several different choices were named for a single-value topic. */
  ambiguous: boolean;
}

function choiceValues(choice: Choice): string[] {
  return choice.expands ?? [choice.value];
}

/** Which choices of `topic` the text names, honouring negation ("no PayPal", "instead of YAML"). */
export function decodeText(topic: Topic, rawText: string): Decoded {
  const text = normalize(rawText);
  const positive: Array<{ index: number; values: string[] }> = [];
  const negated = new Set<string>();
  // Choices are listed most specific first: "partial refunds" must not also count as "refunds".
  const taken: Array<[number, number]> = [];
  for (const choice of topic.choices) {
    for (const mention of mentions(text, choice.match)) {
      if (taken.some(([start, end]) => mention.index < end && start < mention.end)) continue;
      taken.push([mention.index, mention.end]);
      if (mention.negated) {
        if (!choice.off) for (const v of choiceValues(choice)) negated.add(v);
      } else {
        positive.push({ index: mention.index, values: choiceValues(choice) });
      }
    }
  }
  positive.sort((a, b) => a.index - b.index);
  const offChoice = topic.choices.find((c) => c.off);
  const subjectNegated = topic.subject !== undefined && mentions(text, topic.subject).some((m) => m.negated);

  if (topic.multi) {
    const values: string[] = [];
    for (const p of positive)
      for (const v of p.values) if (!negated.has(v) && !values.includes(v)) values.push(v);
    const real = values.filter((v) => v !== offChoice?.value);
    const ruledOut = [...negated];
    if (real.length > 0) return { values: real, negated: ruledOut, ambiguous: false };
    if (values.length > 0 || (subjectNegated && offChoice)) {
      return { values: offChoice ? [offChoice.value] : [], negated: ruledOut, ambiguous: false };
    }
    return { values: [], negated: ruledOut, ambiguous: false };
  }

  const distinct: string[] = [];
  for (const p of positive) {
    const v = p.values[0]!;
    if (!negated.has(v) && !distinct.includes(v)) distinct.push(v);
  }
  const ruledOut = [...negated];
  if (distinct.length > 0)
    return { values: [distinct[0]!], negated: ruledOut, ambiguous: distinct.length > 1 };
  if (subjectNegated && offChoice) return { values: [offChoice.value], negated: ruledOut, ambiguous: false };
  return { values: [], negated: ruledOut, ambiguous: false };
}

/** Options offered to the user, in order, paired with the choice each stands for. */
export function offeredChoices(topic: Topic): Choice[] {
  return topic.choices.filter((c) => !c.hidden);
}

export function optionText(choice: Choice, ctx: PlanContext): string {
  return choice.option ? choice.option(ctx) : choice.short;
}

const NO_PREFERENCE =
  /^(?:(?:i )?don'?t (?:know|care|mind)|no (?:preference|idea|opinion)|whatever|any|either|up to you|you (?:decide|choose|pick)|(?:use )?(?:the )?defaults?|fine with (?:the )?(?:default|assumption)|go with (?:the )?(?:default|assumption)|as (?:assumed|suggested)|ok|okay|sure|yes, as assumed)[.!]?$/;

export interface DecodedAnswer {
  values: string[];
  custom: string | null;
  noPreference: boolean;
}

/** Reads an answer: an option number ("2"), an option's text, words naming choices, or free text. */
export function decodeAnswer(topic: Topic, answer: string, ctx: PlanContext): DecodedAnswer {
  const trimmed = answer.trim();
  const lower = normalize(trimmed);
  if (NO_PREFERENCE.test(lower)) return { values: topic.fallback(ctx), custom: null, noPreference: true };
  const offered = offeredChoices(topic);
  // Prose topics (steps to reproduce, fields…) keep the answer as written.
  if (offered.length === 0) return { values: [], custom: trimmed, noPreference: false };
  const numbered = /^(?:option\s*)?#?(\d)\s*[.)]?$/.exec(lower);
  if (numbered) {
    const chosen = offered[Number(numbered[1]) - 1];
    if (chosen) return { values: choiceValues(chosen), custom: null, noPreference: false };
  }
  const exact = offered.find((c) => normalize(optionText(c, ctx)) === lower.replace(/[.!]$/, ''));
  if (exact) return { values: choiceValues(exact), custom: null, noPreference: false };
  const decoded = decodeText(topic, trimmed);
  if (decoded.values.length > 0) return { values: decoded.values, custom: null, noPreference: false };
  // Yes/no questions: "yes, …" picks the first option, "no, …" the second.
  if (offered.length === 2 && (topic.yesNo || topic.choices.some((c) => c.off))) {
    if (/^(yes|yep|yeah|sure|correct|right)\b/.test(lower))
      return { values: choiceValues(offered[0]!), custom: null, noPreference: false };
    if (/^(no|nope|not really|none)\b/.test(lower))
      return { values: choiceValues(offered[1]!), custom: null, noPreference: false };
  }
  return { values: [], custom: trimmed, noPreference: false };
}

/** The decisions of one spec, with the helpers templates use to branch and to phrase. */
export class Decisions {
  readonly #byId: Map<string, Decision>;
  readonly #ctx: PlanContext;

  constructor(decisions: Decision[], ctx: PlanContext) {
    this.#byId = new Map(decisions.map((d) => [d.topic.id, d]));
    this.#ctx = ctx;
  }

  list(): Decision[] {
    return [...this.#byId.values()];
  }

  get(id: string): Decision | undefined {
    return this.#byId.get(id);
  }

  /** Values that drive structure; a free-text answer falls back to the topic's default shape. */
  values(id: string): string[] {
    const d = this.#byId.get(id);
    if (!d) return [];
    if (d.values.length > 0) return d.values;
    return d.topic.fallback(this.#ctx);
  }

  value(id: string): string | undefined {
    return this.values(id)[0];
  }

  has(id: string, value: string): boolean {
    return this.values(id).includes(value);
  }

  /** Whether the topic is in scope (its value is not the "off" choice). */
  on(id: string): boolean {
    const d = this.#byId.get(id);
    if (!d) return false;
    const off = d.topic.choices.find((c) => c.off)?.value;
    return !this.values(id).every((v) => v === off);
  }

  /** How the decision reads in prose: "Stripe + PayPal", or the free-text answer. */
  text(id: string): string {
    const d = this.#byId.get(id);
    if (!d) return '';
    if (d.custom !== null && d.values.length === 0) return d.custom;
    return labelOf(d.topic, this.values(id));
  }
}

export function labelOf(topic: Topic, values: string[]): string {
  return values.map((v) => topic.choices.find((c) => c.value === v && !c.expands)?.short ?? v).join(' + ');
}

export function valuesFromLabel(topic: Topic, label: string): string[] | null {
  const parts = label.split(' + ').map((p) => p.trim());
  const values: string[] = [];
  for (const part of parts) {
    const choice = topic.choices.find((c) => c.short === part && !c.expands);
    if (!choice) return null;
    values.push(choice.value);
  }
  return values;
}

/**
 * A topic whose answer is prose (steps to reproduce, the slow endpoint, the fields of a
 * resource). `given` recognises the issue already saying it; answers are kept verbatim.
 */
export function freeTextTopic(def: {
  id: string;
  label: string;
  key?: boolean;
  given: RegExp;
  question: (ctx: PlanContext) => string;
  why: (ctx: PlanContext) => string;
  assumption: (ctx: PlanContext) => string;
  applies?: (ctx: PlanContext) => boolean;
  examples?: (ctx: PlanContext) => string[];
}): Topic {
  const topic: Topic = {
    id: def.id,
    label: def.label,
    choices: [
      { value: 'given', short: 'As described in the issue', match: def.given, hidden: true },
      { value: 'unknown', short: 'Not specified', match: /(?!)/, hidden: true },
    ],
    fallback: () => ['unknown'],
    question: def.question,
    why: def.why,
    assumption: def.assumption,
  };
  if (def.key !== undefined) topic.key = def.key;
  if (def.applies) topic.applies = def.applies;
  if (def.examples) topic.examples = def.examples;
  return topic;
}
