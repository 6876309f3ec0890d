import { type Env, secretValues } from '../../config/env.ts';
import type { Logger } from '../../config/logger.ts';
import type { Database } from '../../db/client.ts';
import { LlmPlanner } from '../llm/planner.ts';
import type { Planner } from '../planner.ts';
import { AnthropicProvider } from './anthropic.ts';
import { type BudgetLimitsLookup, createDbLedger } from './ledger.ts';
import { OpenAiProvider } from './openai.ts';
import type { ModelPrices } from './pricing.ts';
import type { LlmProvider } from './types.ts';

export { DEFAULT_ANTHROPIC_MODEL } from './anthropic.ts';
export { LlmCallError, PlannerOutputError } from './errors.ts';
export type { GenerateOptions, GenerateResult, LlmProvider, StructuredPrompt, Usage } from './types.ts';

export interface PlannerDeps {
  db: Database;
  logger?: Logger;
  /** Budget limits of the repository a call is for (its `.gitea/aiworker.yaml`); config defaults otherwise. */
  budgetLimits?: BudgetLimitsLookup;
  /** Per HTTP attempt; defaults: 5 min (Anthropic), 10 min (OpenAI-compatible, local models are slow). */
  timeoutMs?: number;
  /** Retries of 408/409/429/5xx/529, timeouts and network errors per call (default 2). */
  maxRetries?: number;
  /** What the OpenAI-compatible server charges per MTok; self-hosted models cost 0 by default. */
  openaiPrices?: ModelPrices;
}

/** The LLM provider the environment selects, or null for `builtin`. */
export function createProvider(env: Env, deps: PlannerDeps): LlmProvider | null {
  const ledger = createDbLedger(deps.db, { limitsFor: deps.budgetLimits, logger: deps.logger });
  const logger = deps.logger?.child({ component: 'llm' });
  switch (env.LLM_PROVIDER) {
    case 'builtin':
      return null;
    case 'anthropic':
      if (!env.ANTHROPIC_API_KEY)
        throw new Error('ANTHROPIC_API_KEY is required when LLM_PROVIDER=anthropic');
      return new AnthropicProvider({
        apiKey: env.ANTHROPIC_API_KEY,
        baseURL: env.ANTHROPIC_BASE_URL,
        model: env.LLM_MODEL,
        timeoutMs: deps.timeoutMs,
        maxRetries: deps.maxRetries,
        ledger,
        logger,
      });
    case 'openai':
      if (!env.OPENAI_BASE_URL) throw new Error('OPENAI_BASE_URL is required when LLM_PROVIDER=openai');
      if (!env.LLM_MODEL) {
        throw new Error(
          'LLM_MODEL is required when LLM_PROVIDER=openai (the model name the server knows, e.g. qwen2.5:14b)',
        );
      }
      return new OpenAiProvider({
        baseURL: env.OPENAI_BASE_URL,
        apiKey: env.OPENAI_API_KEY,
        model: env.LLM_MODEL,
        timeoutMs: deps.timeoutMs,
        maxRetries: deps.maxRetries,
        prices: deps.openaiPrices,
        ledger,
        logger,
      });
  }
}

/**
 * The planner for `LLM_PROVIDER`: an LlmPlanner over Anthropic or an OpenAI-compatible server,
 * or the offline BuiltinPlanner (loaded only when selected).
 */
export async function createPlanner(env: Env, deps: PlannerDeps): Promise<Planner> {
  const provider = createProvider(env, deps);
  if (provider === null) {
    const { BuiltinPlanner } = await import('../builtin/planner.ts');
    return new BuiltinPlanner();
  }
  return new LlmPlanner(provider, { secrets: secretValues(env) });
}
