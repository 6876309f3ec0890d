import { setTimeout as sleep } from 'node:timers/promises';
import type { ZodType } from 'zod';
import type { Logger } from '../../config/logger.ts';
import { failureAdvice, LlmCallError, type LlmCallFailure } from './errors.ts';
import { toStructuredOutputSchema } from './json-schema.ts';
import type { CallLedger } from './ledger.ts';
import { costUsd, FREE_PRICES, type ModelPrices } from './pricing.ts';
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

export const DEFAULT_OPENAI_MAX_OUTPUT_TOKENS: Record<GeneratePurpose, number> = {
  questions: 4_000,
  spec: 8_000,
  decompose: 16_000,
};

export interface OpenAiProviderOptions {
  /** `OPENAI_BASE_URL`, including `/v1`, e.g. `http://127.0.0.1:11434/v1` for Ollama. */
  baseURL: string;
  /** Optional: Ollama and most vLLM setups need none. */
  apiKey?: string;
  model: string;
  /** Per HTTP attempt; local models can be slow, so the default is generous. */
  timeoutMs?: number;
  /** Retries of 408/409/429/5xx, timeouts and network errors. */
  maxRetries?: number;
  /** Price per MTok when the server bills; self-hosted models cost nothing by default. */
  prices?: ModelPrices;
  maxOutputTokens?: Partial<Record<GeneratePurpose, number>>;
  ledger: CallLedger;
  logger?: Logger;
  fetch?: typeof fetch;
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface ChatCompletion {
  model?: string;
  choices?: Array<{
    message?: { content?: string | null; refusal?: string | null };
    finish_reason?: string | null;
  }>;
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number };
  };
}

type AttemptOutcome =
  | { ok: true; completion: ChatCompletion }
  | {
      ok: false;
      failure: LlmCallFailure;
      retryable: boolean;
      detail: string;
      status?: number;
      headers?: Headers;
      cause?: unknown;
    };

const RETRYABLE_STATUS = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * Any OpenAI-compatible `/v1/chat/completions` server (Ollama, vLLM, OpenAI itself) with
 * `response_format: json_schema` structured output. Plain fetch, own retry policy mirroring
 * the Anthropic SDK's: exponential backoff from 0.5 s up to 8 s, `Retry-After` honoured.
 */
export class OpenAiProvider implements LlmProvider {
  readonly name = 'openai' as const;
  readonly model: string;
  private readonly endpoint: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly prices: ModelPrices;
  private readonly maxOutputTokens: Record<GeneratePurpose, number>;
  private readonly ledger: CallLedger;
  private readonly logger: Logger | undefined;
  private readonly fetch: typeof fetch;

  constructor(options: OpenAiProviderOptions) {
    this.model = options.model;
    this.endpoint = `${options.baseURL.replace(/\/+$/, '')}/chat/completions`;
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 600_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.prices = options.prices ?? FREE_PRICES;
    this.maxOutputTokens = { ...DEFAULT_OPENAI_MAX_OUTPUT_TOKENS, ...options.maxOutputTokens };
    this.ledger = options.ledger;
    this.logger = options.logger;
    this.fetch = options.fetch ?? fetch;
  }

  generate<T>(
    schema: ZodType<T>,
    prompt: StructuredPrompt,
    opts: GenerateOptions,
  ): Promise<GenerateResult<T>> {
    const responseFormat = {
      type: 'json_schema',
      json_schema: {
        name: `aiworker_${opts.purpose}`,
        schema: toStructuredOutputSchema(schema),
        strict: true,
      },
    };
    const caller = { provider: this.name, model: this.model, ledger: this.ledger, logger: this.logger };
    return generateWithRepair(caller, schema, opts, (request) =>
      this.send(prompt, responseFormat, opts.purpose, request),
    );
  }

  private async send(
    prompt: StructuredPrompt,
    responseFormat: unknown,
    purpose: GeneratePurpose,
    request: AttemptRequest,
  ): Promise<AttemptAnswer> {
    // System rules and repository context first: a stable prefix that servers with prefix
    // caching (vLLM, OpenAI) can reuse across calls.
    const system = prompt.cacheableContext ? `${prompt.system}\n\n${prompt.cacheableContext}` : prompt.system;
    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      ...conversationTurns(prompt, request.repair),
    ];
    const body = JSON.stringify({
      model: this.model,
      messages,
      response_format: responseFormat,
      max_tokens: this.maxOutputTokens[purpose],
      stream: false,
    });

    const started = performance.now();
    const completion = await this.postWithRetries(body, request.signal, started);
    const latencyMs = performance.now() - started;
    const choice = completion.choices?.[0];
    const defects: string[] = [];
    if (!choice) defects.push('the server returned no choices');
    if (choice?.message?.refusal) defects.push(`the model refused to answer: ${choice.message.refusal}`);
    if (choice?.finish_reason === 'length') {
      defects.push(
        `the answer was cut off at the output limit of ${this.maxOutputTokens[purpose]} tokens; answer more concisely`,
      );
    }
    return { text: choice?.message?.content ?? '', usage: this.usage(completion, latencyMs), defects };
  }

  private usage(completion: ChatCompletion, latencyMs: number): Usage {
    const prompt = completion.usage?.prompt_tokens ?? 0;
    const cached = completion.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    const tokens = {
      inputTokens: Math.max(0, prompt - cached),
      outputTokens: completion.usage?.completion_tokens ?? 0,
      cacheReadTokens: cached,
      cacheWriteTokens: 0,
    };
    return {
      ...tokens,
      costUsd: costUsd(tokens, this.prices),
      latencyMs,
      model: completion.model || this.model,
    };
  }

  private async postWithRetries(
    body: string,
    signal: AbortSignal | undefined,
    started: number,
  ): Promise<ChatCompletion> {
    const attempts = this.maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.postOnce(body, signal);
      if (outcome.ok) return outcome.completion;
      if (signal?.aborted) throw this.fail('aborted', 'the request was cancelled', started, outcome.cause);
      if (outcome.retryable && attempt < attempts) {
        await this.backoff(attempt, outcome.headers, signal, started);
        continue;
      }
      const tries = outcome.retryable ? `, ${attempts} attempt(s)` : '';
      throw this.fail(outcome.failure, `${outcome.detail}${tries}`, started, outcome.cause, outcome.status);
    }
  }

  /** One HTTP attempt, never throwing: the retry decision is made by the caller. */
  private async postOnce(body: string, signal: AbortSignal | undefined): Promise<AttemptOutcome> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.fetch(this.endpoint, {
        method: 'POST',
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const text = await response.text();
      if (!response.ok) {
        return {
          ok: false,
          failure: failureKind(response.status),
          retryable: RETRYABLE_STATUS(response.status),
          detail: `HTTP ${response.status} ${errorSummary(text)}`,
          status: response.status,
          headers: response.headers,
        };
      }
      try {
        return { ok: true, completion: JSON.parse(text) as ChatCompletion };
      } catch (error) {
        return {
          ok: false,
          failure: 'server',
          retryable: true,
          detail: `the server answered HTTP ${response.status} with a body that is not JSON`,
          cause: error,
        };
      }
    } catch (error) {
      if (timeout.aborted) {
        return {
          ok: false,
          failure: 'timeout',
          retryable: true,
          detail: `no answer within ${Math.round(this.timeoutMs / 1000)} s`,
          cause: error,
        };
      }
      return {
        ok: false,
        failure: 'network',
        retryable: true,
        detail: `could not reach ${this.endpoint} (${describe(error)})`,
        cause: error,
      };
    }
  }

  private async backoff(
    attempt: number,
    headers: Headers | undefined,
    signal: AbortSignal | undefined,
    started: number,
  ): Promise<void> {
    const retryAfter = retryAfterMs(headers);
    const exponential = Math.min(500 * 2 ** (attempt - 1), 8_000) * (1 - Math.random() * 0.25);
    try {
      await sleep(retryAfter ?? exponential, undefined, { signal });
    } catch (error) {
      throw this.fail('aborted', 'the request was cancelled', started, error);
    }
  }

  private fail(
    kind: LlmCallFailure,
    what: string,
    started: number,
    cause?: unknown,
    status?: number,
  ): LlmCallError {
    return new LlmCallError({
      provider: this.name,
      kind,
      status,
      latencyMs: performance.now() - started,
      cause,
      message: `OpenAI-compatible call to ${this.model} failed: ${what}. ${failureAdvice(this.name, kind)}`,
    });
  }
}

function failureKind(status: number): LlmCallFailure {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'overloaded';
  if (RETRYABLE_STATUS(status)) return 'server';
  return 'bad_request';
}

/** Seconds or an HTTP date; `retry-after-ms` first (OpenAI sends it). Capped at one minute. */
function retryAfterMs(headers: Headers | undefined): number | null {
  if (!headers) return null;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, 60_000);
  const value = headers.get('retry-after');
  if (!value) return null;
  const seconds = Number.parseFloat(value);
  const delay = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(delay) && delay >= 0 ? Math.min(delay, 60_000) : null;
}

/** `rate_limit_exceeded: Rate limit reached` from OpenAI's (and Ollama's, vLLM's) error JSON. */
function errorSummary(text: string): string {
  try {
    const body = JSON.parse(text) as {
      error?: { message?: unknown; code?: unknown; type?: unknown } | string;
      message?: unknown;
    };
    if (typeof body.error === 'string') return body.error.slice(0, 300);
    const code = body.error?.code ?? body.error?.type;
    const message = body.error?.message ?? body.message;
    return [typeof code === 'string' ? code : '', typeof message === 'string' ? message.slice(0, 300) : '']
      .filter(Boolean)
      .join(': ');
  } catch {
    return text.slice(0, 200);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
