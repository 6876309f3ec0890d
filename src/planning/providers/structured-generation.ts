import type { ZodType } from 'zod';
import type { Logger } from '../../config/logger.ts';
import { LlmCallError, PlannerOutputError } from './errors.ts';
import type { CallLedger } from './ledger.ts';
import { checkModelOutput } from './output-validation.ts';
import {
  addUsage,
  emptyUsage,
  type GenerateOptions,
  type GenerateResult,
  type ProviderName,
  type Usage,
} from './types.ts';

/** One HTTP exchange with the model, as the repair loop sees it. */
export interface AttemptRequest {
  /** Set on the second attempt: the rejected answer and what was wrong with it. */
  repair: { previousAnswer: string; problems: string[] } | null;
  signal?: AbortSignal;
}

export interface AttemptAnswer {
  text: string;
  usage: Usage;
  /** Problems the server reported about the answer itself (cut off at the token limit, refusal). */
  defects: string[];
}

export type SendAttempt = (request: AttemptRequest) => Promise<AttemptAnswer>;

/**
 * The shared contract of every provider: budget check before each call, usage row after each
 * call (failed ones too), zod validation, at most one repair round with the problems sent
 * back, then PlannerOutputError.
 */
export interface GenerationCaller {
  provider: ProviderName;
  model: string;
  ledger: CallLedger;
  logger?: Logger;
}

export async function generateWithRepair<T>(
  caller: GenerationCaller,
  schema: ZodType<T>,
  opts: GenerateOptions,
  send: SendAttempt,
): Promise<GenerateResult<T>> {
  const { provider, model, ledger } = caller;
  let total = emptyUsage(model);
  let repair: AttemptRequest['repair'] = null;

  for (let attempt = 1; attempt <= 2; attempt++) {
    const purpose = attempt === 1 ? opts.purpose : 'repair';
    await ledger.beforeCall(opts.scope);

    let answer: AttemptAnswer;
    try {
      answer = await send({ repair, signal: opts.signal });
    } catch (error) {
      const latencyMs = error instanceof LlmCallError ? error.latencyMs : 0;
      await ledger.afterCall({
        scope: opts.scope,
        provider,
        model,
        purpose,
        usage: { ...emptyUsage(model), latencyMs },
        ok: false,
      });
      throw error;
    }

    total = addUsage(total, answer.usage);
    const check = checkModelOutput(schema, answer.text);
    const problems = [...answer.defects, ...(check.ok ? [] : check.problems)];
    const ok = problems.length === 0;
    await ledger.afterCall({ scope: opts.scope, provider, model, purpose, usage: answer.usage, ok });
    caller.logger?.info(
      {
        provider,
        model: answer.usage.model,
        purpose,
        ok,
        inputTokens: answer.usage.inputTokens,
        outputTokens: answer.usage.outputTokens,
        cacheReadTokens: answer.usage.cacheReadTokens,
        cacheWriteTokens: answer.usage.cacheWriteTokens,
        costUsd: answer.usage.costUsd,
        latencyMs: answer.usage.latencyMs,
        problems: ok ? undefined : problems.slice(0, 20),
      },
      'llm call',
    );

    if (ok && check.ok) return { value: check.value, usage: total };
    if (attempt === 2) throw new PlannerOutputError({ provider, model, purpose: opts.purpose, problems });
    repair = { previousAnswer: answer.text, problems: problems.slice(0, 40) };
  }
  // Unreachable: the second attempt either returns or throws.
  throw new Error('generateWithRepair: attempts exhausted');
}
