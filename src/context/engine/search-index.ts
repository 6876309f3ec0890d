import MiniSearch from 'minisearch';
import type { Chunk } from './chunks.ts';
import { codeTerms } from './terms.ts';

interface ChunkDocument {
  id: number;
  path: string;
  name: string;
  signature: string;
  text: string;
}

/** Field weights: a query word in a symbol's name or the path says more than one in the body. */
const BOOST = { name: 3, path: 2.5, signature: 1.5, text: 1 } as const;
/** The body indexed per chunk: a generated 5,000-line table must not dominate the index. */
const MAX_INDEXED_TEXT = 6_000;

export interface ChunkHit {
  id: number;
  score: number;
}

/**
 * BM25 over symbol-sized chunks (MiniSearch's BM25+), with names and paths boosted. Chunks are
 * added and discarded per file, so a push re-indexes only what changed.
 */
export class ChunkSearch {
  readonly #search = new MiniSearch<ChunkDocument>({
    fields: ['path', 'name', 'signature', 'text'],
    storeFields: [],
    tokenize: (text) => codeTerms(text),
    processTerm: (term) => term,
    searchOptions: {
      boost: BOOST,
      // A stem of five letters or more also finds longer words (`paginat` → `pagination`).
      prefix: (term) => term.length >= 5,
      combineWith: 'OR',
    },
  });

  get documentCount(): number {
    return this.#search.documentCount;
  }

  add(chunk: Chunk, text: string): void {
    const name = [chunk.container, chunk.symbol].filter(Boolean).join(' ');
    this.#search.add({
      id: chunk.id,
      path: chunk.path,
      name,
      signature: chunk.signature ?? '',
      text: text.length > MAX_INDEXED_TEXT ? text.slice(0, MAX_INDEXED_TEXT) : text,
    });
  }

  discard(id: number): void {
    if (this.#search.has(id)) this.#search.discard(id);
  }

  /** Chunks matching a query, best first. */
  query(text: string, limit: number, filter?: (id: number) => boolean): ChunkHit[] {
    const results = this.#search.search(
      text,
      filter ? { filter: (result) => filter(result.id as number) } : {},
    );
    return results.slice(0, limit).map((result) => ({ id: result.id as number, score: result.score }));
  }
}
