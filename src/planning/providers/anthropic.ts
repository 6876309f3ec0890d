import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import type { ZodType } from 'zod';
import type { Logger } from '../../config/logger.ts';
import { failureAdvice, LlmCallError, type LlmCallFailure } from './errors.ts';
import { toStructuredOutputSchema } from './json-schema.ts';
import type { CallLedger } from './ledger.ts';
import { anthropicPrices, costUsd } from './pricing.ts';
import { conversationTurns } from './prompt-text.ts';
import { type AttemptAnswer, type AttemptRequest, generateWithRepair } from './structured-generation.ts';
import type {
  GenerateOptions,
  GeneratePurpose,
  GenerateResult,
  LlmProvider,
  StructuredPrompt,
  Usage,
} from './types.ts';

/** The current Sonnet: the default when LLM_MODEL is unset. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';

/** Output limits per purpose; generous because newer models think before answering. */
export const DEFAULT_MAX_OUTPUT_TOKENS: Record<GeneratePurpose, number> = {
  questions: 8_000,
  spec: 16_000,
  decompose: 32_000,
};

export interface AnthropicProviderOptions {
  apiKey: string;
  /** `ANTHROPIC_BASE_URL`; the public API when unset. */
  baseURL?: string;
  model?: string;
  /** Per HTTP attempt. Timeouts are retried like 429/5xx. */
  timeoutMs?: number;
  /** SDK retries of 408/409/429/5xx/529 and connection errors, with exponential backoff. */
  maxRetries?: number;
  maxOutputTokens?: Partial<Record<GeneratePurpose, number>>;
  ledger: CallLedger;
  logger?: Logger;
}

/** Anthropic Messages API with `output_config` JSON-schema output and a prompt-cached repo context. */
export class AnthropicProvider implements LlmProvider {
  readonly name = 'anthropic' as const;
  readonly model: string;
  private readonly client: Anthropic;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxOutputTokens: Record<GeneratePurpose, number>;
  private readonly ledger: CallLedger;
  private readonly logger: Logger | undefined;
  private readonly unknownModelsLogged = new Set<string>();

  constructor(options: AnthropicProviderOptions) {
    this.model = options.model ?? DEFAULT_ANTHROPIC_MODEL;
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.maxOutputTokens = { ...DEFAULT_MAX_OUTPUT_TOKENS, ...options.maxOutputTokens };
    this.ledger = options.ledger;
    this.logger = options.logger;
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? null,
      timeout: this.timeoutMs,
      maxRetries: this.maxRetries,
      logLevel: 'off',
    });
  }

  generate<T>(
    schema: ZodType<T>,
    prompt: StructuredPrompt,
    opts: GenerateOptions,
  ): Promise<GenerateResult<T>> {
    const outputSchema = toStructuredOutputSchema(schema);
    const caller = { provider: this.name, model: this.model, ledger: this.ledger, logger: this.logger };
    return generateWithRepair(caller, schema, opts, (request) =>
      this.send(prompt, outputSchema, opts.purpose, request),
    );
  }

  private async send(
    prompt: StructuredPrompt,
    outputSchema: Record<string, unknown>,
    purpose: GeneratePurpose,
    request: AttemptRequest,
  ): Promise<AttemptAnswer> {
    const messages: Anthropic.MessageParam[] = conversationTurns(prompt, request.repair);
    const started = performance.now();
    let message: Anthropic.Message;
    try {
      message = await this.client.messages.create(
        {
          model: this.model,
          max_tokens: this.maxOutputTokens[purpose],
          system: systemBlocks(prompt),
          messages,
          output_config: { format: { type: 'json_schema', schema: outputSchema } },
        },
        { signal: request.signal },
      );
    } catch (error) {
      throw this.callError(error, performance.now() - started);
    }
    const latencyMs = performance.now() - started;
    const text = message.content
      .filter((block): block is Anthropic.TextBlock => block.type === 'text')
      .map((block) => block.text)
      .join('');
    return {
      text,
      usage: this.usage(message, latencyMs),
      defects: stopDefects(message, this.maxOutputTokens[purpose]),
    };
  }

  private usage(message: Anthropic.Message, latencyMs: number): Usage {
    const tokens = {
      inputTokens: message.usage.input_tokens,
      outputTokens: message.usage.output_tokens,
      cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
      cacheWriteTokens: message.usage.cache_creation_input_tokens ?? 0,
    };
    const model = message.model || this.model;
    const price = anthropicPrices(model);
    if (!price.known && !this.unknownModelsLogged.has(model)) {
      this.unknownModelsLogged.add(model);
      this.logger?.warn(
        { model },
        'no price known for this model: its calls are costed at the most expensive known rate for budgets',
      );
    }
    return { ...tokens, costUsd: costUsd(tokens, price.prices), latencyMs, model };
  }

  private callError(error: unknown, latencyMs: number): LlmCallError {
    const attempts = this.maxRetries + 1;
    const fail = (kind: LlmCallFailure, what: string, status?: number) =>
      new LlmCallError({
        provider: this.name,
        kind,
        status,
        latencyMs,
        cause: error,
        message: `Anthropic call failed: ${what}. ${failureAdvice(this.name, kind)}`,
      });
    if (error instanceof APIUserAbortError) return fail('aborted', 'the request was cancelled');
    if (error instanceof APIConnectionTimeoutError) {
      return fail(
        'timeout',
        `no answer within ${Math.round(this.timeoutMs / 1000)} s, ${attempts} attempt(s)`,
      );
    }
    if (error instanceof APIConnectionError) {
      return fail('network', `could not connect (${error.message}), ${attempts} attempt(s)`);
    }
    if (error instanceof APIError && typeof error.status === 'number') {
      const status = error.status;
      const detail = `HTTP ${status} ${apiErrorSummary(error)}`;
      if (status === 401 || status === 403) return fail('auth', detail, status);
      if (status === 404) return fail('not_found', `${detail} (model ${this.model})`, status);
      if (status === 429) return fail('rate_limited', `${detail} after ${attempts} attempt(s)`, status);
      if (status === 529) return fail('overloaded', `${detail} after ${attempts} attempt(s)`, status);
      if (status >= 500 || status === 408 || status === 409) {
        return fail('server', `${detail} after ${attempts} attempt(s)`, status);
      }
      return fail('bad_request', detail, status);
    }
    return fail('network', error instanceof Error ? error.message : String(error));
  }
}

/** Our rules, then the repository context marked as the cache breakpoint (cached for 5 minutes). */
function systemBlocks(prompt: StructuredPrompt): Anthropic.TextBlockParam[] {
  if (prompt.cacheableContext === '') {
    return [{ type: 'text', text: prompt.system, cache_control: { type: 'ephemeral' } }];
  }
  return [
    { type: 'text', text: prompt.system },
    { type: 'text', text: prompt.cacheableContext, cache_control: { type: 'ephemeral' } },
  ];
}

function stopDefects(message: Anthropic.Message, maxTokens: number): string[] {
  switch (message.stop_reason) {
    case 'max_tokens':
      return [`the answer was cut off at the output limit of ${maxTokens} tokens; answer more concisely`];
    case 'refusal':
      return ['the model refused to answer'];
    default:
      return [];
  }
}

/** `overloaded_error: Overloaded` from the API's error JSON. */
function apiErrorSummary(error: APIError): string {
  const body = error.error as { error?: { type?: unknown; message?: unknown } } | undefined;
  const type = typeof body?.error?.type === 'string' ? body.error.type : '';
  const message = typeof body?.error?.message === 'string' ? body.error.message : '';
  return [type, message].filter(Boolean).join(': ') || 'error';
}
