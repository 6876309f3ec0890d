import type { ZodType } from 'zod';
import type { CallScope } from '../planner.ts';

/** What a planner call is for; decides the output limit and how the call is accounted. */
export type GeneratePurpose = 'questions' | 'spec' | 'decompose';
/** `repair` marks the second attempt that sends the validation errors back. */
export type UsagePurpose = GeneratePurpose | 'repair';

export type ProviderName = 'anthropic' | 'openai';

/**
 * A prompt split by trust and stability:
 * - `system`: our fixed rules (identical for every purpose, so it caches with the context);
 * - `cacheableContext`: the repository context, stable per repo and commit (prompt-cached);
 * - `instructions`: what to produce this time (ours, trusted);
 * - `untrusted`: issue and comment text, sent only inside delimited data blocks.
 */
export interface StructuredPrompt {
  system: string;
  cacheableContext: string;
  instructions: string;
  untrusted: Array<{ label: string; text: string }>;
}

/** Tokens, cost and latency of one call (or the sum over a call and its repair). */
export interface Usage {
  /** Input tokens that were neither written to nor read from the prompt cache. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  latencyMs: number;
  /** The model that answered (as the server reported it). */
  model: string;
}

export interface GenerateOptions {
  purpose: GeneratePurpose;
  scope: CallScope;
  signal?: AbortSignal;
}

export interface GenerateResult<T> {
  value: T;
  usage: Usage;
}

/** One LLM backend that returns zod-validated structured output. */
export interface LlmProvider {
  readonly name: ProviderName;
  readonly model: string;
  generate<T>(
    schema: ZodType<T>,
    prompt: StructuredPrompt,
    opts: GenerateOptions,
  ): Promise<GenerateResult<T>>;
}

export function emptyUsage(model: string): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    latencyMs: 0,
    model,
  };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    costUsd: a.costUsd + b.costUsd,
    latencyMs: a.latencyMs + b.latencyMs,
    model: b.model || a.model,
  };
}
