import type { GeneratePurpose, ProviderName } from './types.ts';

const PURPOSE_LABELS: Record<GeneratePurpose, string> = {
  questions: 'list of clarifying questions',
  spec: 'specification',
  decompose: 'breakdown into subtasks',
};

/**
 * The model answered, but twice with output that does not fit the schema (or breaks a rule
 * such as the subtask graph having a cycle). The message is written to be posted as a comment.
 */
export class PlannerOutputError extends Error {
  readonly provider: ProviderName;
  readonly model: string;
  readonly purpose: GeneratePurpose;
  /** One line per problem of the last answer, e.g. `goals: expected at least 1 item`. */
  readonly problems: string[];

  constructor(args: { provider: ProviderName; model: string; purpose: GeneratePurpose; problems: string[] }) {
    const shown = args.problems.slice(0, 12);
    const more = args.problems.length - shown.length;
    super(
      `The model ${args.model} returned an unusable ${PURPOSE_LABELS[args.purpose]} twice ` +
        `(the second time after being told what was wrong). Problems with its last answer:\n` +
        shown.map((p) => `- ${p}`).join('\n') +
        (more > 0 ? `\n- … and ${more} more` : '') +
        `\nTry again, or switch LLM_MODEL to a more capable model.`,
    );
    this.name = 'PlannerOutputError';
    this.provider = args.provider;
    this.model = args.model;
    this.purpose = args.purpose;
    this.problems = args.problems;
  }
}

export type LlmCallFailure =
  | 'timeout'
  | 'network'
  | 'rate_limited'
  | 'overloaded'
  | 'server'
  | 'auth'
  | 'bad_request'
  | 'not_found'
  | 'aborted';

const RETRYABLE: ReadonlySet<LlmCallFailure> = new Set([
  'timeout',
  'network',
  'rate_limited',
  'overloaded',
  'server',
]);

/**
 * The call itself failed (after the client's own retries). `retryable` tells the job runner
 * whether trying again later can help (network, 429, 5xx) or a person must fix something.
 */
export class LlmCallError extends Error {
  readonly provider: ProviderName;
  readonly kind: LlmCallFailure;
  readonly status: number | null;
  readonly retryable: boolean;
  /** The queue's convention (src/domain/errors.ts): the job is retried when true. */
  readonly isRetryable: boolean;
  /** How long the failed call took, retries included (accounted as a failed call). */
  readonly latencyMs: number;

  constructor(args: {
    provider: ProviderName;
    kind: LlmCallFailure;
    message: string;
    status?: number | null;
    latencyMs: number;
    cause?: unknown;
  }) {
    super(args.message, { cause: args.cause });
    this.name = 'LlmCallError';
    this.provider = args.provider;
    this.kind = args.kind;
    this.status = args.status ?? null;
    this.retryable = RETRYABLE.has(args.kind);
    this.isRetryable = this.retryable;
    this.latencyMs = args.latencyMs;
  }
}

/** What a person can do about a failed call, by kind. */
export function failureAdvice(provider: ProviderName, kind: LlmCallFailure): string {
  const keyVar = provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
  const urlVar = provider === 'anthropic' ? 'ANTHROPIC_BASE_URL' : 'OPENAI_BASE_URL';
  switch (kind) {
    case 'timeout':
    case 'network':
    case 'rate_limited':
    case 'overloaded':
    case 'server':
      // People read this only once the job has given up after its retries: promise no further attempt.
      return 'This is usually temporary: try again in a few minutes.';
    case 'auth':
      return `Check ${keyVar}.`;
    case 'not_found':
      return `Check LLM_MODEL and ${urlVar}.`;
    case 'bad_request':
      return 'This is likely a bug in AiWorker or an unsupported model; please report it with this message.';
    case 'aborted':
      return 'The work was cancelled.';
  }
}
