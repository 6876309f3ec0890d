/**
 * Prices of hosted models in USD per million tokens, by model family. Budgets are enforced
 * from these numbers, so an unknown model is costed at the most expensive known family: a
 * budget may stop early, never late. Cache writes are priced at the 5-minute TTL (the only
 * one AiWorker uses). Source: Anthropic's public pricing page.
 */
export interface ModelPrices {
  inputPerMTok: number;
  outputPerMTok: number;
  cacheWritePerMTok: number;
  cacheReadPerMTok: number;
}

interface PriceEntry {
  family: string;
  /** Tested against the model id; ids with provider prefixes/suffixes (Bedrock, Vertex) match too. */
  pattern: RegExp;
  prices: ModelPrices;
}

const p = (input: number, output: number, cacheWrite: number, cacheRead: number): ModelPrices => ({
  inputPerMTok: input,
  outputPerMTok: output,
  cacheWritePerMTok: cacheWrite,
  cacheReadPerMTok: cacheRead,
});

/**
 * A model id pattern for `claude-<name>-<major>[-<minor>]`. Without a minor version it refuses a
 * following `-<digit>` minor (but accepts an 8-digit date suffix such as `-20250514`).
 */
function modelId(name: string, major: number, minor?: number): RegExp {
  const version = minor === undefined ? `${major}(?!\\d)(?!-\\d(?!\\d{7}))` : `${major}-${minor}(?!\\d)`;
  return new RegExp(`claude-${name}-${version}`);
}

/** First match wins, so more specific families come first. */
const ANTHROPIC_PRICES: readonly PriceEntry[] = [
  { family: 'claude-fable-5.1', pattern: modelId('(?:fable|mythos)', 5, 1), prices: p(10, 50, 12.5, 0.25) },
  { family: 'claude-fable-5', pattern: modelId('(?:fable|mythos)', 5), prices: p(10, 50, 12.5, 1) },
  { family: 'claude-opus-5.5', pattern: modelId('opus', 5, 5), prices: p(4, 20, 5, 0.2) },
  { family: 'claude-opus-5', pattern: modelId('opus', 5), prices: p(5, 25, 6.25, 0.5) },
  { family: 'claude-opus-4.5+', pattern: /claude-opus-4-[5-9](?!\d)/, prices: p(5, 25, 6.25, 0.5) },
  {
    family: 'claude-opus-4/4.1',
    pattern: /claude-opus-4(?:-[01])?(?!\d)(?!-\d(?!\d{7}))/,
    prices: p(15, 75, 18.75, 1.5),
  },
  { family: 'claude-3-opus', pattern: /claude-3-opus/, prices: p(15, 75, 18.75, 1.5) },
  { family: 'claude-sonnet-5.5', pattern: modelId('sonnet', 5, 5), prices: p(2, 10, 2.5, 0.2) },
  { family: 'claude-sonnet-5', pattern: modelId('sonnet', 5), prices: p(2, 10, 2.5, 0.2) },
  { family: 'claude-sonnet-4.x', pattern: /claude-sonnet-4(?!\d)/, prices: p(3, 15, 3.75, 0.3) },
  { family: 'claude-3.x-sonnet', pattern: /claude-3-[57]-sonnet/, prices: p(3, 15, 3.75, 0.3) },
  { family: 'claude-haiku-5.5', pattern: modelId('haiku', 5, 5), prices: p(0.1, 0.5, 0.125, 0.01) },
  { family: 'claude-haiku-4.5', pattern: modelId('haiku', 4, 5), prices: p(1, 5, 1.25, 0.1) },
  { family: 'claude-3.5-haiku', pattern: /claude-3-5-haiku/, prices: p(0.8, 4, 1, 0.08) },
  { family: 'claude-3-haiku', pattern: /claude-3-haiku/, prices: p(0.25, 1.25, 0.3, 0.03) },
];

/** The most expensive known family (Opus 4): what an unknown model is charged against budgets. */
export const CONSERVATIVE_PRICES: ModelPrices = p(15, 75, 18.75, 1.5);

/** Self-hosted models (Ollama, vLLM) cost nothing per token unless a price is configured. */
export const FREE_PRICES: ModelPrices = p(0, 0, 0, 0);

export type PriceLookup =
  | { known: true; family: string; prices: ModelPrices }
  | { known: false; prices: ModelPrices };

/** The price of an Anthropic model id; unknown ids get {@link CONSERVATIVE_PRICES}. */
export function anthropicPrices(model: string): PriceLookup {
  const id = model.toLowerCase();
  const entry = ANTHROPIC_PRICES.find((e) => e.pattern.test(id));
  return entry
    ? { known: true, family: entry.family, prices: entry.prices }
    : { known: false, prices: CONSERVATIVE_PRICES };
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Cost in USD, rounded to the 6 decimals `llm_usage.cost_usd` stores. */
export function costUsd(tokens: TokenCounts, prices: ModelPrices): number {
  const micro =
    tokens.inputTokens * prices.inputPerMTok +
    tokens.outputTokens * prices.outputPerMTok +
    tokens.cacheWriteTokens * prices.cacheWritePerMTok +
    tokens.cacheReadTokens * prices.cacheReadPerMTok;
  return Math.round(micro) / 1_000_000;
}
