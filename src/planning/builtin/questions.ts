import type { Question } from '../schemas.ts';
import type { FeatureTemplate } from './templates/types.ts';
import { capitalize, truncate } from './text.ts';
import { decodeText, offeredChoices, optionText, type PlanContext, type Topic } from './topics.ts';

/**
 * Chooses which of a template's questions to ask this repository about this issue: topics the
 * issue already settles are skipped, topics that do not apply to the stack are dropped, and
 * when the issue settles every key topic nothing is asked at all.
 */

export interface TopicStatus {
  topic: Topic;
  /** Values the issue text already settles, or null when it does not (or is ambiguous). */
  fromIssue: string[] | null;
}

export function topicStatuses(template: FeatureTemplate, ctx: PlanContext): TopicStatus[] {
  const issueText = `${ctx.issue.title}\n${ctx.issue.body}`;
  return template.topics
    .filter((topic) => !topic.applies || topic.applies(ctx))
    .map((topic) => {
      const decoded = decodeText(topic, issueText);
      return { topic, fromIssue: decoded.values.length > 0 && !decoded.ambiguous ? decoded.values : null };
    });
}

export function questionFor(topic: Topic, ctx: PlanContext): Question {
  const offered = offeredChoices(topic).map((choice) => optionText(choice, ctx));
  const options = offered.length > 0 ? offered : (topic.examples?.(ctx) ?? []);
  const assumption = topic.assumption ? topic.assumption(ctx) : topic.fallback(ctx).join(', ');
  return {
    question: truncate(topic.question(ctx), 400),
    why: truncate(topic.why(ctx), 400),
    options: options.slice(0, 6).map((option) => truncate(option, 120)),
    assumption: truncate(capitalize(assumption), 400),
  };
}

export interface QuestionPlan {
  questions: Question[];
  /** The topics asked, in question order (question n is asked[n-1]). */
  asked: Topic[];
}

export function planQuestions(
  template: FeatureTemplate,
  ctx: PlanContext,
  maxQuestions: number,
): QuestionPlan {
  const statuses = topicStatuses(template, ctx);
  const open = statuses.filter((s) => s.fromIssue === null);
  const keyOpen = open.some((s) => s.topic.key);
  // A precise issue (every key decision already made) goes straight to the spec.
  if (!keyOpen || maxQuestions <= 0) return { questions: [], asked: [] };
  const asked = open.slice(0, maxQuestions).map((s) => s.topic);
  return { questions: asked.map((topic) => questionFor(topic, ctx)), asked };
}
