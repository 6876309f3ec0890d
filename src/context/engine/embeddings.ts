/**
 * Optional semantic search through any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI,
 * Ollama, vLLM). Vectors are kept normalised in memory; a query ranks chunks by cosine
 * similarity, and that ranking is fused with BM25's by reciprocal rank.
 */

export interface EmbeddingsConfig {
  /** Base URL (`http://ollama:11434/v1`) or the full `…/embeddings` URL. */
  url: string;
  model: string;
  apiKey?: string;
  /** Texts per request (default 64). */
  batchSize?: number;
  timeoutMs?: number;
}

/** Reads `EMBEDDINGS_URL`, `EMBEDDINGS_MODEL`, `EMBEDDINGS_API_KEY`; undefined when not configured. */
export function embeddingsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EmbeddingsConfig | undefined {
  const url = env.EMBEDDINGS_URL?.trim();
  const model = env.EMBEDDINGS_MODEL?.trim();
  if (!url || !model) return undefined;
  const apiKey = env.EMBEDDINGS_API_KEY?.trim();
  return apiKey ? { url, model, apiKey } : { url, model };
}

function endpointOf(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  if (trimmed.endsWith('/embeddings')) return trimmed;
  return trimmed.endsWith('/v1') ? `${trimmed}/embeddings` : `${trimmed}/v1/embeddings`;
}

export class EmbeddingsError extends Error {}

/** Embeds texts in batches; throws EmbeddingsError with the server's reason on any failure. */
export class EmbeddingsClient {
  readonly #endpoint: string;
  readonly #config: EmbeddingsConfig;

  constructor(config: EmbeddingsConfig) {
    this.#config = config;
    this.#endpoint = endpointOf(config.url);
  }

  get model(): string {
    return this.#config.model;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const batchSize = this.#config.batchSize ?? 64;
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      vectors.push(...(await this.#batch(texts.slice(start, start + batchSize), signal)));
    }
    return vectors;
  }

  async #batch(input: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const timeout = AbortSignal.timeout(this.#config.timeoutMs ?? 30_000);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#config.apiKey) headers.authorization = `Bearer ${this.#config.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.#endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.#config.model, input }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      throw new EmbeddingsError(`embeddings request failed: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new EmbeddingsError(`embeddings server answered ${response.status}: ${text.slice(0, 300)}`);
    }
    let body: { data?: Array<{ index?: number; embedding?: unknown }> };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new EmbeddingsError('embeddings server answered with something that is not JSON');
    }
    const data = body.data;
    if (!Array.isArray(data) || data.length !== input.length) {
      throw new EmbeddingsError(
        `embeddings server returned ${data?.length ?? 0} vectors for ${input.length} texts`,
      );
    }
    const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((item) => {
      if (!Array.isArray(item.embedding) || item.embedding.some((v) => typeof v !== 'number')) {
        throw new EmbeddingsError('embeddings server returned a vector that is not a list of numbers');
      }
      return normalise(Float32Array.from(item.embedding as number[]));
    });
  }
}

function normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}

/** Normalised vectors by chunk id; a query is a brute-force dot product (fast enough below ~100k chunks). */
export class VectorIndex {
  readonly #vectors = new Map<number, Float32Array>();

  get size(): number {
    return this.#vectors.size;
  }

  get bytes(): number {
    let total = 0;
    for (const vector of this.#vectors.values()) total += vector.byteLength;
    return total;
  }

  set(id: number, vector: Float32Array): void {
    this.#vectors.set(id, vector);
  }

  delete(id: number): void {
    this.#vectors.delete(id);
  }

  has(id: number): boolean {
    return this.#vectors.has(id);
  }

  nearest(
    query: Float32Array,
    limit: number,
    filter?: (id: number) => boolean,
  ): Array<{ id: number; score: number }> {
    const scored: Array<{ id: number; score: number }> = [];
    for (const [id, vector] of this.#vectors) {
      if (filter && !filter(id)) continue;
      if (vector.length !== query.length) continue;
      let dot = 0;
      for (let i = 0; i < vector.length; i++) dot += (vector[i] as number) * (query[i] as number);
      scored.push({ id, score: dot });
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, limit);
  }
}

/** The usual constant of reciprocal rank fusion: dampens the head of each list. */
const RRF_K = 60;

/** Reciprocal rank fusion of ranked id lists: each list adds 1 / (k + rank) to an id's score. */
export function fuseByReciprocalRank(
  lists: ReadonlyArray<ReadonlyArray<{ id: number }>>,
): Array<{ id: number; score: number }> {
  const scores = new Map<number, number>();
  for (const list of lists) {
    list.forEach(({ id }, rank) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (RRF_K + rank + 1));
    });
  }
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

/** The embedded text of a chunk: where it is and what it is, then its code. */
export function embeddingText(path: string, signature: string | undefined, text: string): string {
  const head = signature ? `${path}\n${signature}\n` : `${path}\n`;
  return `${head}${text}`.slice(0, 4_000);
}
