import type { ZodType } from 'zod';
import { validateDecomposition } from '../dag.ts';
import type { CallScope, DecomposeInput, Planner, QuestionsInput, SpecInput } from '../planner.ts';
import type { GeneratePurpose, LlmProvider, StructuredPrompt } from '../providers/types.ts';
import {
  type Decomposition,
  decompositionSchema,
  type Questions,
  questionsSchema,
  type Spec,
  specSchema,
} from '../schemas.ts';
import { decomposePrompt, questionsPrompt, renderRepoContext, specPrompt } from './prompts.ts';
import { redactPrompt } from './redact.ts';

export interface LlmPlannerOptions {
  /** Values that must never reach a model (tokens, passwords): `secretValues(env)`. */
  secrets: readonly string[];
}

/** Questions may not exceed the repository's `maxQuestions`; a longer list goes back for repair. */
function questionsSchemaFor(maxQuestions: number): ZodType<Questions> {
  return questionsSchema.superRefine((value, ctx) => {
    if (value.questions.length > maxQuestions) {
      ctx.addIssue({
        code: 'custom',
        path: ['questions'],
        message: `at most ${maxQuestions} questions are allowed, got ${value.questions.length}`,
      });
    }
  });
}

/** The subtasks must form a valid DAG; its errors are treated like schema errors (one repair). */
function decompositionSchemaFor(maxSubtasks: number): ZodType<Decomposition> {
  return decompositionSchema.superRefine((value, ctx) => {
    const result = validateDecomposition(value, { maxSubtasks });
    if (!result.ok) {
      for (const error of result.errors) ctx.addIssue({ code: 'custom', path: ['subtasks'], message: error });
    }
  });
}

/** The Planner over an LLM provider: prompts in, validated questions/spec/subtasks out. */
export class LlmPlanner implements Planner {
  readonly name: LlmProvider['name'];
  readonly model: string;

  constructor(
    private readonly provider: LlmProvider,
    private readonly options: LlmPlannerOptions,
  ) {
    this.name = provider.name;
    this.model = provider.model;
  }

  async askQuestions(input: QuestionsInput, scope: CallScope): Promise<Questions> {
    const prompt = questionsPrompt(input, renderRepoContext(input.context));
    return this.generate(questionsSchemaFor(input.maxQuestions), prompt, 'questions', scope);
  }

  async writeSpec(input: SpecInput, scope: CallScope): Promise<Spec> {
    const prompt = specPrompt(input, renderRepoContext(input.context));
    return this.generate(specSchema, prompt, 'spec', scope);
  }

  async decompose(input: DecomposeInput, scope: CallScope): Promise<Decomposition> {
    const prompt = decomposePrompt(input, renderRepoContext(input.context));
    return this.generate(decompositionSchemaFor(input.maxSubtasks), prompt, 'decompose', scope);
  }

  private async generate<T>(
    schema: ZodType<T>,
    prompt: StructuredPrompt,
    purpose: GeneratePurpose,
    scope: CallScope,
  ): Promise<T> {
    const result = await this.provider.generate(schema, redactPrompt(prompt, this.options.secrets), {
      purpose,
      scope,
    });
    return result.value;
  }
}
