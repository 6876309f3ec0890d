import type { CallScope, DecomposeInput, Planner, QuestionsInput, SpecInput } from '../planner.ts';
import { type Decomposition, type Questions, questionsSchema, type Spec } from '../schemas.ts';
import { classifyFeature } from './classify.ts';
import { decomposeSpec } from './decompose.ts';
import { buildPlanContext } from './plan-context.ts';
import { planQuestions } from './questions.ts';
import { draftSpec } from './spec-writer.ts';
import { TEMPLATES } from './templates/index.ts';

/**
 * The default planner: offline and deterministic (same input, same output), with no model and
 * no network. It classifies the issue, asks that kind of work's questions phrased for this
 * repository, writes the spec from answers and stated assumptions, and decomposes it by the
 * same template. The call scope is unused: nothing is billed.
 */
export class BuiltinPlanner implements Planner {
  readonly name = 'builtin' as const;
  readonly model = null;

  async askQuestions(input: QuestionsInput, _scope: CallScope): Promise<Questions> {
    const classification = classifyFeature(input.issue.title, input.issue.body, input.context);
    const template = TEMPLATES[classification.template];
    const ctx = buildPlanContext(input.issue, input.context, template);
    const { questions } = planQuestions(template, ctx, input.maxQuestions);
    return questionsSchema.parse({ featureType: classification.featureType, questions });
  }

  async writeSpec(input: SpecInput, _scope: CallScope): Promise<Spec> {
    return draftSpec(input).spec;
  }

  async decompose(input: DecomposeInput, _scope: CallScope): Promise<Decomposition> {
    return decomposeSpec(input);
  }
}
