import type { Spec } from '../schemas.ts';
import { ADDONS } from './addons.ts';
import { readDecisionBlock } from './decisions.ts';
import { clauses, mentions, normalize, truncate } from './text.ts';
import { type Decision, decodeText, labelOf, type Topic } from './topics.ts';

/**
 * Applies `/revise-spec` feedback deterministically: choices named in the feedback change the
 * matching decisions ("also support PayPal", "use TOML", "drop refunds"), cross-cutting
 * requirements are added or removed ("add rate limiting"), "out of scope: X" becomes a stated
 * non-goal, and anything else is kept verbatim as a reviewer note. What earlier reviews changed
 * is read back from the previous version, so revisions accumulate.
 */

export const OUT_OF_SCOPE_PREFIX = 'Out of scope: ';
export const REVIEWER_NOTE = /^Reviewer note \(v\d+\): /;

export interface ReviewState {
  /** Decisions earlier reviews changed, by topic id. */
  decisions: Map<string, { values: string[]; version: number }>;
  addons: string[];
  outOfScope: string[];
  /** Goal lines of earlier reviewer notes, verbatim. */
  notes: string[];
}

export function emptyReviewState(): ReviewState {
  return { decisions: new Map(), addons: [], outOfScope: [], notes: [] };
}

/** What earlier reviews left in a spec this planner wrote. */
export function readReviewState(previous: Spec, topics: Topic[]): ReviewState {
  const state = emptyReviewState();
  for (const recorded of readDecisionBlock(previous.architecture, topics)) {
    if (recorded.reviewVersion !== null) {
      state.decisions.set(recorded.topic.id, { values: recorded.values, version: recorded.reviewVersion });
    }
  }
  for (const addon of ADDONS) {
    if (previous.goals.some((goal) => goal.startsWith(`${addon.label}:`))) state.addons.push(addon.id);
  }
  for (const assumption of previous.assumptions) {
    if (assumption.startsWith(OUT_OF_SCOPE_PREFIX))
      state.outOfScope.push(assumption.slice(OUT_OF_SCOPE_PREFIX.length).replace(/\.$/, ''));
  }
  state.notes = previous.goals.filter((goal) => REVIEWER_NOTE.test(goal));
  return state;
}

export interface FeedbackResult {
  state: ReviewState;
  /** Human-readable changes for the change summary, e.g. "Payment providers: Stripe → Stripe + PayPal". */
  changes: string[];
}

const ADDITIVE = /\b(also|add|adding|plus|as well|too|additionally|in addition|support|include|offer)\b/;
const EXCLUSIVE = /\b(only|instead|replace|switch( to)?|rather than|just)\b/;
const OUT_OF_SCOPE = [
  /^(?:out of scope|not in scope|non-goals?|exclude|excluding|leave out|no need for)\s*[:\-–]?\s*(.+)$/,
  /^(.+?)\s+(?:is|are)\s+(?:out of scope|not in scope|not needed|not required)\.?$/,
];

function outOfScopeItem(clause: string): string | null {
  const lower = normalize(clause);
  for (const pattern of OUT_OF_SCOPE) {
    const match = pattern.exec(lower);
    if (match) {
      // Keep the reviewer's own wording (original case) for the stated non-goal.
      const offset = lower.indexOf(match[1]!);
      return (
        clause
          .trim()
          .slice(offset, offset + match[1]!.length)
          .replace(/[.!]+$/, '')
          .trim() || null
      );
    }
  }
  return null;
}

/**
 * Applies one feedback text on top of the current decisions and review state. `current` are
 * the decisions before the feedback (from issue, answers, defaults and earlier reviews).
 */
export function applyFeedback(
  feedback: string,
  version: number,
  current: Decision[],
  previousState: ReviewState,
): FeedbackResult {
  const state: ReviewState = {
    decisions: new Map(previousState.decisions),
    addons: [...previousState.addons],
    outOfScope: [...previousState.outOfScope],
    notes: [...previousState.notes],
  };
  const changes: string[] = [];
  const values = new Map(current.map((d) => [d.topic.id, d.values]));
  const unmatched: string[] = [];

  const setDecision = (topic: Topic, next: string[]) => {
    const before = values.get(topic.id) ?? [];
    if (next.length === 0 || sameValues(before, next)) return false;
    values.set(topic.id, next);
    state.decisions.set(topic.id, { values: next, version });
    changes.push(`${topic.label}: ${labelOf(topic, before) || 'unset'} → ${labelOf(topic, next)}`);
    return true;
  };

  for (const clause of clauses(feedback)) {
    let understood = false;
    const scoped = outOfScopeItem(clause);
    const text = scoped ? `no ${scoped}` : clause;

    for (const decision of current) {
      const topic = decision.topic;
      const decoded = decodeText(topic, text);
      if (decoded.values.length === 0 && decoded.negated.length === 0) continue;
      const before = values.get(topic.id) ?? [];
      if (topic.multi) {
        const off = topic.choices.find((c) => c.off)?.value;
        const positives = decoded.values.filter((v) => v !== off);
        const additive = ADDITIVE.test(normalize(text)) && !EXCLUSIVE.test(normalize(text));
        let next = additive ? union(before, positives) : positives.length > 0 ? positives : before;
        next = next.filter((v) => !decoded.negated.includes(v));
        if (next.length === 0 && off && decoded.values.includes(off)) next = [off];
        if (setDecision(topic, next) || positives.length > 0 || decoded.negated.length > 0) understood = true;
      } else if (decoded.values.length > 0 && !decoded.ambiguous) {
        setDecision(topic, decoded.values);
        understood = true;
      }
    }

    const lower = normalize(text);
    for (const addon of ADDONS) {
      const found = mentions(lower, addon.match);
      if (found.length === 0) continue;
      understood = true;
      const wanted = found.some((m) => !m.negated);
      const has = state.addons.includes(addon.id);
      if (wanted && !has && !scoped) {
        state.addons.push(addon.id);
        changes.push(`added ${addon.label.toLowerCase()}`);
      } else if (!wanted && has) {
        state.addons = state.addons.filter((id) => id !== addon.id);
        changes.push(`removed ${addon.label.toLowerCase()}`);
      }
    }

    if (scoped) {
      understood = true;
      if (!state.outOfScope.some((item) => normalize(item) === normalize(scoped))) {
        state.outOfScope.push(scoped);
        changes.push(`out of scope: ${truncate(scoped, 80)}`);
      }
    }
    if (!understood && clause.split(/\s+/).length >= 2) unmatched.push(clause);
  }

  if (unmatched.length > 0) {
    state.notes.push(`Reviewer note (v${version}): ${truncate(unmatched.join(' '), 400)}`);
    changes.push('recorded the reviewer’s note');
  }
  return { state, changes };
}

function union(a: string[], b: string[]): string[] {
  return [...a, ...b.filter((v) => !a.includes(v))];
}

function sameValues(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
