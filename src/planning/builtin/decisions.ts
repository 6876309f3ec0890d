import type { AnsweredQuestion } from '../planner.ts';
import { questionFor, topicStatuses } from './questions.ts';
import type { FeatureTemplate } from './templates/types.ts';
import { normalize, quoteInline, sentenceMatching, truncate } from './text.ts';
import {
  type Decision,
  type DecisionSource,
  decodeAnswer,
  labelOf,
  type PlanContext,
  type Topic,
  valuesFromLabel,
} from './topics.ts';

/**
 * Turns the issue, the answers and the defaults into one decision per topic, and writes/reads
 * the "Decisions" block of the spec's architecture — the block is how a later revision or the
 * decomposition knows exactly what was decided, and why, without any hidden state.
 */

export const DECISIONS_HEADING = '**Decisions**';

export interface ResolvedDecisions {
  decisions: Decision[];
  /** Answered/unanswered questions that match no topic of the template (e.g. asked by another planner). */
  foreign: AnsweredQuestion[];
}

function words(text: string): Set<string> {
  return new Set(
    normalize(text)
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 2),
  );
}

/** The topic a stored question was asked for: same text, or failing that the closest wording. */
function topicOfQuestion(question: string, topics: Topic[], ctx: PlanContext): Topic | null {
  const exact = topics.find((t) => questionFor(t, ctx).question === question);
  if (exact) return exact;
  const asked = words(question);
  let best: { topic: Topic; score: number } | null = null;
  for (const topic of topics) {
    const candidate = words(questionFor(topic, ctx).question);
    const shared = [...asked].filter((w) => candidate.has(w)).length;
    const score = shared / Math.max(1, Math.min(asked.size, candidate.size));
    if (score >= 0.6 && (!best || score > best.score)) best = { topic, score };
  }
  return best?.topic ?? null;
}

export function resolveDecisions(
  template: FeatureTemplate,
  ctx: PlanContext,
  questions: AnsweredQuestion[],
): ResolvedDecisions {
  const statuses = topicStatuses(template, ctx);
  const topics = statuses.map((s) => s.topic);
  const byTopic = new Map<string, AnsweredQuestion>();
  const foreign: AnsweredQuestion[] = [];
  for (const q of questions) {
    const topic = topicOfQuestion(q.question, topics, ctx);
    if (topic && !byTopic.has(topic.id)) byTopic.set(topic.id, q);
    else foreign.push(q);
  }

  const decisions: Decision[] = statuses.map(({ topic, fromIssue }) => {
    const asked = byTopic.get(topic.id);
    if (asked && asked.answer !== null && asked.answer.trim() !== '') {
      const decoded = decodeAnswer(topic, asked.answer, ctx);
      const decision: Decision = {
        topic,
        values: decoded.values,
        custom: decoded.custom,
        source: {
          kind: 'answer',
          ordinal: asked.ordinal,
          by: asked.answeredBy,
          noPreference: decoded.noPreference,
        },
      };
      const written = asked.answer.trim();
      if (
        decoded.custom === null &&
        !decoded.noPreference &&
        saysMore(written, labelOf(topic, decoded.values))
      ) {
        decision.answerText = written;
      }
      return decision;
    }
    if (fromIssue) {
      // A prose topic the issue already covers keeps the issue's own sentence ("It should be p95 under 500 ms").
      const given = fromIssue[0] === 'given' ? topic.choices.find((c) => c.value === 'given') : undefined;
      const sentence = given ? sentenceMatching(`${ctx.issue.title}\n${ctx.issue.body}`, given.match) : null;
      if (sentence) return { topic, values: [], custom: truncate(sentence, 200), source: { kind: 'issue' } };
      return { topic, values: fromIssue, custom: null, source: { kind: 'issue' } };
    }
    return {
      topic,
      values: topic.fallback(ctx),
      custom: null,
      source: { kind: 'assumed', ordinal: asked?.ordinal ?? null },
    };
  });
  return { decisions, foreign };
}

/** Whether an answer carries detail beyond the choice it names ("update existing (match by email)"). */
function saysMore(answer: string, label: string): boolean {
  const known = words(label);
  const filler = new Set(['only', 'the', 'for', 'now', 'and', 'yes', 'please', 'with', 'from']);
  const extra = [...words(answer)].filter((w) => !known.has(w) && !filler.has(w));
  return extra.length >= 2;
}

function sourceText(source: DecisionSource): string {
  switch (source.kind) {
    case 'issue':
      return 'from the issue';
    case 'answer':
      return `${source.noPreference ? 'default, no preference in ' : ''}answer ${source.ordinal}${source.by ? ` by ${source.by}` : ''}`;
    case 'assumed':
      return source.ordinal === null
        ? 'assumed (not asked)'
        : `assumed (question ${source.ordinal} not answered)`;
    case 'review':
      return `changed in review (v${source.version})`;
  }
}

export function valueText(decision: Decision): string {
  if (decision.custom !== null && decision.values.length === 0) return quoteInline(decision.custom, 200);
  const label = labelOf(decision.topic, decision.values);
  return decision.answerText ? `${label} (as answered: ${quoteInline(decision.answerText, 160)})` : label;
}

/** One line per decision: `- **Payment providers:** Stripe + PayPal — answer 1 by alice`. */
export function decisionLines(decisions: Decision[]): string[] {
  return decisions.map((d) => `- **${d.topic.label}:** ${valueText(d)} — ${sourceText(d.source)}`);
}

export interface RecordedDecision {
  topic: Topic;
  values: string[];
  custom: string | null;
  /** Version in which a review changed it, or null for any other source. */
  reviewVersion: number | null;
}

const LINE = /^- \*\*(.+?):\*\* (.+) — ([^—]+)$/;

/** Reads the Decisions block back from an architecture text written by this planner. */
export function readDecisionBlock(architecture: string, topics: Topic[]): RecordedDecision[] {
  const start = architecture.indexOf(DECISIONS_HEADING);
  if (start < 0) return [];
  const recorded: RecordedDecision[] = [];
  for (const line of architecture.slice(start + DECISIONS_HEADING.length).split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') {
      if (recorded.length > 0) break;
      continue;
    }
    const match = LINE.exec(trimmed);
    if (!match) break;
    const topic = topics.find((t) => t.label === match[1]);
    if (!topic) continue;
    const value = match[2]!.replace(/ \(as answered: “.*”\)$/, '');
    const review = /changed in review \(v(\d+)\)/.exec(match[3]!);
    const quoted = /^“(.*)”$/.exec(value);
    const values = quoted ? null : valuesFromLabel(topic, value);
    recorded.push({
      topic,
      values: values ?? [],
      custom: values ? null : (quoted?.[1] ?? value),
      reviewVersion: review ? Number(review[1]) : null,
    });
  }
  return recorded;
}
