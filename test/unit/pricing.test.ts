import { describe, expect, it } from 'vitest';
import { anthropicPrices, CONSERVATIVE_PRICES, costUsd } from '../../src/planning/providers/pricing.ts';

describe('anthropicPrices', () => {
  const rows: Array<[string, string, number, number]> = [
    // model id, family, input $/MTok, output $/MTok
    ['claude-sonnet-5-5', 'claude-sonnet-5.5', 2, 10],
    ['claude-sonnet-5', 'claude-sonnet-5', 2, 10],
    ['claude-sonnet-4-6', 'claude-sonnet-4.x', 3, 15],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4.x', 3, 15],
    ['claude-3-7-sonnet-20250219', 'claude-3.x-sonnet', 3, 15],
    ['claude-opus-5-5', 'claude-opus-5.5', 4, 20],
    ['claude-opus-5', 'claude-opus-5', 5, 25],
    ['claude-opus-4-8', 'claude-opus-4.5+', 5, 25],
    ['claude-opus-4-5-20251101', 'claude-opus-4.5+', 5, 25],
    ['claude-opus-4-1-20250805', 'claude-opus-4/4.1', 15, 75],
    ['claude-opus-4-20250514', 'claude-opus-4/4.1', 15, 75],
    ['claude-opus-4-0', 'claude-opus-4/4.1', 15, 75],
    ['anthropic.claude-opus-4-1-20250805-v1:0', 'claude-opus-4/4.1', 15, 75],
    ['claude-haiku-5-5', 'claude-haiku-5.5', 0.1, 0.5],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4.5', 1, 5],
    ['claude-3-5-haiku-20241022', 'claude-3.5-haiku', 0.8, 4],
    ['claude-fable-5-1', 'claude-fable-5.1', 10, 50],
    ['claude-mythos-5', 'claude-fable-5', 10, 50],
  ];

  it.each(rows)('prices %s as %s', (model, family, input, output) => {
    const lookup = anthropicPrices(model);
    expect(lookup).toMatchObject({ known: true, family });
    expect(lookup.prices.inputPerMTok).toBe(input);
    expect(lookup.prices.outputPerMTok).toBe(output);
  });

  it('prices cache writes at 1.25× and cache reads well below the input price', () => {
    const { prices } = anthropicPrices('claude-sonnet-4-6');
    expect(prices.cacheWritePerMTok).toBe(3.75);
    expect(prices.cacheReadPerMTok).toBe(0.3);
  });

  it.each(['claude-fable-5-2', 'claude-sonnet-7', 'my-finetune', 'claude-opus-4-3'])(
    'charges the unknown model %s at the most expensive known rate',
    (model) => {
      const lookup = anthropicPrices(model);
      expect(lookup.known).toBe(false);
      expect(lookup.prices).toEqual(CONSERVATIVE_PRICES);
      expect(CONSERVATIVE_PRICES.outputPerMTok).toBeGreaterThanOrEqual(
        anthropicPrices('claude-opus-4-1').prices.outputPerMTok,
      );
    },
  );
});

describe('costUsd', () => {
  it('adds every kind of token at its own price, to the micro-dollar', () => {
    const cost = costUsd(
      { inputTokens: 1_000, outputTokens: 2_000, cacheWriteTokens: 10_000, cacheReadTokens: 100_000 },
      { inputPerMTok: 3, outputPerMTok: 15, cacheWritePerMTok: 3.75, cacheReadPerMTok: 0.3 },
    );
    // 0.003 + 0.03 + 0.0375 + 0.03
    expect(cost).toBeCloseTo(0.1005, 10);
  });

  it('rounds to the 6 decimals the usage table stores', () => {
    const cost = costUsd(
      { inputTokens: 1, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 },
      { inputPerMTok: 0.1234567, outputPerMTok: 0, cacheWritePerMTok: 0, cacheReadPerMTok: 0 },
    );
    expect(cost).toBe(0);
    expect(
      costUsd(
        { inputTokens: 10, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 },
        { inputPerMTok: 0.1, outputPerMTok: 0, cacheWritePerMTok: 0, cacheReadPerMTok: 0 },
      ),
    ).toBe(0.000001);
  });
});
