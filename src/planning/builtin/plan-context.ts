import type { RepoContext } from '../../context/types.ts';
import type { IssueInput } from '../planner.ts';
import { classifyFeature } from './classify.ts';
import { layoutFor, namesFor } from './layout.ts';
import { profileStack } from './stack.ts';
import { subjectFromTitle } from './subject.ts';
import type { FeatureTemplate } from './templates/types.ts';
import { normalize } from './text.ts';
import type { PlanContext } from './topics.ts';

/**
 * Builds what every template function sees: the stack profile, the layout, the subject of the
 * feature ("invoice") and the normalized issue text. The issue text is only ever matched
 * against, never interpreted as instructions.
 */

export function buildPlanContext(
  issue: IssueInput,
  repo: RepoContext,
  template: FeatureTemplate,
): PlanContext {
  const classification = classifyFeature(issue.title, issue.body, repo);
  const stack = profileStack(repo);
  const text = normalize(`${issue.title}\n${issue.body}`);
  const area = classification.area ? classification.area.replace(/_/g, ' ') : null;
  const base = { issue, repo, stack, layout: layoutFor(stack), text, area };
  const subject = template.subject ? template.subject(base) : subjectFromTitle(issue.title);
  return { ...base, names: namesFor(subject ?? template.defaultSubject) };
}
