import { createHash } from 'node:crypto';

/**
 * The Messages API's prompt cache as a client observes it: the prompt is read in the order
 * tools → system → messages; a block with `cache_control` marks a prefix that is written to
 * the cache (billed as `cache_creation_input_tokens`) and, when a later request with the same
 * model starts with the very same prefix within the TTL, read back (`cache_read_input_tokens`).
 * Prefixes shorter than the model's minimum are not cached at all. Tokens are estimated as
 * characters / 4, which is close enough for accounting tests.
 */

type Json = Record<string, unknown>;

interface PromptBlock {
  /** Canonical form without cache_control: what must be identical for a cache hit. */
  canonical: string;
  tokens: number;
  breakpoint: { ttlMs: number } | null;
}

export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toBlock(value: unknown): PromptBlock {
  let breakpoint: PromptBlock['breakpoint'] = null;
  let canonicalValue = value;
  if (isObject(value) && isObject(value.cache_control)) {
    const { cache_control, ...rest } = value;
    breakpoint = { ttlMs: cache_control.ttl === '1h' ? 3_600_000 : 300_000 };
    canonicalValue = rest;
  }
  const text =
    isObject(canonicalValue) && typeof canonicalValue.text === 'string'
      ? canonicalValue.text
      : JSON.stringify(canonicalValue);
  return { canonical: JSON.stringify(canonicalValue), tokens: estimateTokens(text), breakpoint };
}

function promptBlocks(body: Json): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  if (Array.isArray(body.tools)) blocks.push(...body.tools.map(toBlock));
  if (typeof body.system === 'string') blocks.push(toBlock({ type: 'text', text: body.system }));
  else if (Array.isArray(body.system)) blocks.push(...body.system.map(toBlock));
  for (const message of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObject(message)) continue;
    const role = JSON.stringify(message.role);
    const content =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    for (const block of Array.isArray(content) ? content : []) {
      const b = toBlock(block);
      blocks.push({ ...b, canonical: `${role}:${b.canonical}` });
    }
  }
  return blocks;
}

export class PromptCache {
  private readonly entries = new Map<string, number>(); // prefix hash → expiry (ms epoch)

  constructor(
    private readonly minCacheableTokens: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Usage of one request, updating the cache as the API would. */
  account(body: Json): CacheUsage {
    const blocks = promptBlocks(body);
    const model = String(body.model);
    const total = blocks.reduce((sum, b) => sum + b.tokens, 0);
    const prefixes: Array<{ hash: string; tokens: number; ttlMs: number }> = [];
    const hash = createHash('sha256').update(model);
    let tokens = 0;
    for (const block of blocks) {
      hash.update(block.canonical).update('\u0000');
      tokens += block.tokens;
      if (block.breakpoint)
        prefixes.push({ hash: hash.copy().digest('hex'), tokens, ttlMs: block.breakpoint.ttlMs });
    }
    const last = prefixes.at(-1);
    const none = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 };
    if (!last || last.tokens < this.minCacheableTokens) {
      return {
        input_tokens: total,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: none,
      };
    }

    const now = this.now();
    const hit = [...prefixes].reverse().find((p) => (this.entries.get(p.hash) ?? 0) > now);
    const read = hit?.tokens ?? 0;
    const written = last.tokens - read;
    for (const p of prefixes) {
      if (p.tokens >= this.minCacheableTokens && p.tokens <= last.tokens)
        this.entries.set(p.hash, now + p.ttlMs);
    }
    return {
      input_tokens: total - last.tokens,
      cache_creation_input_tokens: written,
      cache_read_input_tokens: read,
      cache_creation: {
        ephemeral_5m_input_tokens: last.ttlMs === 300_000 ? written : 0,
        ephemeral_1h_input_tokens: last.ttlMs === 300_000 ? 0 : written,
      },
    };
  }
}
