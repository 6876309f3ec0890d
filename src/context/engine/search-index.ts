import type { Chunk } from './chunks.ts';
import { codeTerms } from './terms.ts';

/** Field weights: a query word in a symbol's name or the path says more than one in the body. */
const BOOST = { name: 3, path: 2.5, signature: 1.5, text: 1 } as const;
/** The body indexed per chunk: a generated 5,000-line table must not dominate the index. */
const MAX_INDEXED_TEXT = 6_000;
/** BM25's usual parameters: term-frequency saturation and length normalisation. */
const K1 = 1.2;
const B = 0.75;
/** Postings are compacted once this share of documents has been discarded. */
const COMPACT_SHARE = 0.2;

export interface ChunkHit {
  id: number;
  score: number;
}

interface Postings {
  ids: number[];
  /** Field-weighted term frequency of the term in each document. */
  weights: number[];
}

/**
 * BM25 over symbol-sized chunks, with each field's term frequency weighted (names and paths
 * count more than bodies, as in BM25F). Chunks are added and discarded per file, so a push
 * re-indexes only what changed; discarded chunks are skipped at query time and compacted away
 * in bulk.
 */
export class ChunkSearch {
  readonly #postings = new Map<string, Postings>();
  /** Live documents per term (document frequency). */
  readonly #documentFrequency = new Map<string, number>();
  readonly #lengths = new Map<number, number>();
  readonly #termsOf = new Map<number, string[]>();
  readonly #discarded = new Set<number>();
  /** The same lengths by id, for the query loop (a typed array beats a Map there). */
  #lengthById = new Float64Array(1024);
  #totalLength = 0;
  #maxId = 0;

  get documentCount(): number {
    return this.#lengths.size;
  }

  add(chunk: Chunk, text: string): void {
    if (this.#lengths.has(chunk.id)) return;
    const weights = new Map<string, number>();
    let length = 0;
    const fields: Array<[string, number]> = [
      [chunk.path, BOOST.path],
      [[chunk.container, chunk.symbol].filter(Boolean).join(' '), BOOST.name],
      [chunk.signature ?? '', BOOST.signature],
      [text.length > MAX_INDEXED_TEXT ? text.slice(0, MAX_INDEXED_TEXT) : text, BOOST.text],
    ];
    for (const [value, boost] of fields) {
      for (const term of codeTerms(value)) {
        weights.set(term, (weights.get(term) ?? 0) + boost);
        length += boost;
      }
    }
    for (const [term, weight] of weights) {
      let postings = this.#postings.get(term);
      if (!postings) {
        postings = { ids: [], weights: [] };
        this.#postings.set(term, postings);
      }
      postings.ids.push(chunk.id);
      postings.weights.push(weight);
      this.#documentFrequency.set(term, (this.#documentFrequency.get(term) ?? 0) + 1);
    }
    this.#lengths.set(chunk.id, length);
    if (chunk.id >= this.#lengthById.length) {
      const grown = new Float64Array(Math.max(chunk.id + 1, this.#lengthById.length * 2));
      grown.set(this.#lengthById);
      this.#lengthById = grown;
    }
    this.#lengthById[chunk.id] = length;
    this.#termsOf.set(chunk.id, [...weights.keys()]);
    this.#totalLength += length;
    this.#maxId = Math.max(this.#maxId, chunk.id);
  }

  discard(id: number): void {
    const length = this.#lengths.get(id);
    if (length === undefined) return;
    for (const term of this.#termsOf.get(id) ?? []) {
      const frequency = (this.#documentFrequency.get(term) ?? 1) - 1;
      if (frequency <= 0) this.#documentFrequency.delete(term);
      else this.#documentFrequency.set(term, frequency);
    }
    this.#lengths.delete(id);
    this.#lengthById[id] = 0;
    this.#termsOf.delete(id);
    this.#totalLength -= length;
    this.#discarded.add(id);
    if (this.#discarded.size > COMPACT_SHARE * Math.max(1, this.#lengths.size)) this.#compact();
  }

  #compact(): void {
    for (const [term, postings] of this.#postings) {
      const ids: number[] = [];
      const weights: number[] = [];
      postings.ids.forEach((id, i) => {
        if (this.#discarded.has(id)) return;
        ids.push(id);
        weights.push(postings.weights[i] ?? 0);
      });
      if (ids.length === 0) this.#postings.delete(term);
      else this.#postings.set(term, { ids, weights });
    }
    this.#discarded.clear();
  }

  /** Chunks matching a query, best first. */
  query(text: string, limit: number, filter?: (id: number) => boolean): ChunkHit[] {
    const documents = this.#lengths.size;
    if (documents === 0) return [];
    const queryTerms = new Map<string, number>();
    for (const term of codeTerms(text)) queryTerms.set(term, Math.min(3, (queryTerms.get(term) ?? 0) + 1));
    const averageLength = this.#totalLength / documents;
    const scores = new Float64Array(this.#maxId + 1);
    const touched: number[] = [];
    const anyDiscarded = this.#discarded.size > 0;
    const lengthOf = this.#lengthById;
    for (const [term, repeats] of queryTerms) {
      const postings = this.#postings.get(term);
      const frequency = this.#documentFrequency.get(term);
      if (!postings || !frequency) continue;
      const idf = Math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5));
      const { ids, weights } = postings;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        if (anyDiscarded && this.#discarded.has(id)) continue;
        const weight = weights[i] as number;
        const length = lengthOf[id] || averageLength;
        const score =
          (idf * repeats * weight * (K1 + 1)) / (weight + K1 * (1 - B + (B * length) / averageLength));
        if (scores[id] === 0) touched.push(id);
        scores[id] = (scores[id] ?? 0) + score;
      }
    }
    const hits: ChunkHit[] = [];
    for (const id of touched) if (!filter || filter(id)) hits.push({ id, score: scores[id] ?? 0 });
    hits.sort((a, b) => b.score - a.score || a.id - b.id);
    return hits.slice(0, limit);
  }
}
