import type { Definition, Reference } from './symbols.ts';

/** What the repo map needs of each parsed file. */
export interface MapInput {
  path: string;
  definitions: readonly Definition[];
  references: readonly Reference[];
}

export interface RankedFile {
  path: string;
  /** PageRank over the reference graph; the ranks of all files sum to 1. */
  rank: number;
  /** The file's definitions others use most, best first. */
  symbols: Array<Pick<Definition, 'name' | 'kind' | 'signature' | 'startLine'>>;
}

export interface RepoMap {
  files: RankedFile[];
  /** The map as text, fitted to the token budget. */
  text: string;
  /** Estimated tokens of `text` (4 characters a token). */
  tokens: number;
}

const DAMPING = 0.85;
const ITERATIONS = 30;
/** A name defined in more files than this is too generic to link them (`get`, `String`). */
const MAX_DEFINING_FILES = 5;
const CHARS_PER_TOKEN = 4;

/**
 * How much a shared name says about a dependency between two files, as Aider's repo map weighs
 * it: a long compound identifier is specific, a private or widely defined name is not.
 */
function nameWeight(name: string, definingFiles: number): number {
  let weight = 1;
  const compound = /[a-z][A-Z]/.test(name) || /[a-z]_[a-z]/i.test(name);
  if (compound && name.length >= 8) weight *= 10;
  if (name.startsWith('_')) weight *= 0.1;
  if (definingFiles > MAX_DEFINING_FILES) weight *= 0.1;
  return weight;
}

interface Edge {
  from: number;
  to: number;
  name: string;
  weight: number;
}

/** Edges from each file to the files defining the names it uses (self-references left out). */
function referenceEdges(files: readonly MapInput[]): Edge[] {
  const definers = new Map<string, number[]>();
  files.forEach((file, index) => {
    for (const name of new Set(file.definitions.map((d) => d.name))) {
      const list = definers.get(name);
      if (list) list.push(index);
      else definers.set(name, [index]);
    }
  });
  const edges: Edge[] = [];
  files.forEach((file, from) => {
    const counts = new Map<string, number>();
    for (const reference of file.references)
      counts.set(reference.name, (counts.get(reference.name) ?? 0) + 1);
    for (const [name, count] of counts) {
      const targets = definers.get(name);
      if (!targets) continue;
      const weight = nameWeight(name, targets.length) * Math.sqrt(count);
      for (const to of targets) if (to !== from) edges.push({ from, to, name, weight });
    }
  });
  return edges;
}

/** Weighted PageRank; `personal` (by file index) biases the random jumps towards some files. */
export function pageRank(
  nodeCount: number,
  edges: readonly Edge[],
  personal?: ReadonlyMap<number, number>,
): Float64Array {
  const outWeight = new Float64Array(nodeCount);
  for (const edge of edges) outWeight[edge.from] = (outWeight[edge.from] ?? 0) + edge.weight;
  const jump = new Float64Array(nodeCount);
  const personalTotal = personal ? [...personal.values()].reduce((a, b) => a + b, 0) : 0;
  for (let i = 0; i < nodeCount; i++) {
    jump[i] = personal && personalTotal > 0 ? (personal.get(i) ?? 0) / personalTotal : 1 / nodeCount;
  }
  let rank = Float64Array.from(jump);
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const next = new Float64Array(nodeCount);
    let dangling = 0;
    for (let i = 0; i < nodeCount; i++) if ((outWeight[i] ?? 0) === 0) dangling += rank[i] ?? 0;
    for (const edge of edges) {
      next[edge.to] =
        (next[edge.to] ?? 0) + (DAMPING * (rank[edge.from] ?? 0) * edge.weight) / (outWeight[edge.from] ?? 1);
    }
    for (let i = 0; i < nodeCount; i++) {
      next[i] = (next[i] ?? 0) + (1 - DAMPING + DAMPING * dangling) * (jump[i] ?? 0);
    }
    rank = next;
  }
  return rank;
}

export interface RankOptions {
  /** Files the request is about (named in the issue, top search hits): the ranking leans to them. */
  focusFiles?: readonly string[];
}

/** Files by importance, each with its definitions ranked by how much the rank flows into them. */
export function rankFiles(files: readonly MapInput[], options: RankOptions = {}): RankedFile[] {
  const edges = referenceEdges(files);
  const indexOf = new Map(files.map((file, index) => [file.path, index]));
  let personal: Map<number, number> | undefined;
  if (options.focusFiles && options.focusFiles.length > 0) {
    personal = new Map(files.map((_, index) => [index, 1]));
    for (const path of options.focusFiles) {
      const index = indexOf.get(path);
      if (index !== undefined) personal.set(index, files.length / options.focusFiles.length);
    }
  }
  const rank = pageRank(files.length, edges, personal);
  const outWeight = new Float64Array(files.length);
  for (const edge of edges) outWeight[edge.from] = (outWeight[edge.from] ?? 0) + edge.weight;
  // Rank flowing into each (file, name): which of a file's definitions others rely on.
  const symbolRank = new Map<string, number>();
  for (const edge of edges) {
    const key = `${edge.to}\0${edge.name}`;
    const share = ((rank[edge.from] ?? 0) * edge.weight) / (outWeight[edge.from] ?? 1);
    symbolRank.set(key, (symbolRank.get(key) ?? 0) + share);
  }
  const ranked = files.map((file, index) => {
    const seen = new Set<string>();
    const symbols = file.definitions
      .filter((d) => d.kind !== 'variable' || d.exported)
      .filter((d) => {
        if (seen.has(d.name)) return false;
        seen.add(d.name);
        return true;
      })
      .map((d) => ({ d, score: symbolRank.get(`${index}\0${d.name}`) ?? 0 }))
      .sort(
        (a, b) =>
          b.score - a.score || Number(b.d.exported) - Number(a.d.exported) || a.d.startLine - b.d.startLine,
      )
      .map(({ d }) => ({ name: d.name, kind: d.kind, signature: d.signature, startLine: d.startLine }));
    return { path: file.path, rank: rank[index] ?? 0, symbols };
  });
  return ranked.sort((a, b) => b.rank - a.rank || (a.path < b.path ? -1 : 1));
}

const SYMBOLS_PER_FILE = 8;

function render(files: readonly RankedFile[], count: number): string {
  return files
    .slice(0, count)
    .map((file) => {
      const lines = file.symbols.slice(0, SYMBOLS_PER_FILE).map((s) => `  ${s.startLine}: ${s.signature}`);
      return [`${file.path}:`, ...lines].join('\n');
    })
    .join('\n');
}

/** The most important files that fit in `maxTokens`, each with its key signatures. */
export function fitRepoMap(files: readonly RankedFile[], maxTokens: number): RepoMap {
  let low = 0;
  let high = files.length;
  // The largest number of files whose rendering fits (rendering grows with the count).
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (render(files, middle).length / CHARS_PER_TOKEN <= maxTokens) low = middle;
    else high = middle - 1;
  }
  const text = render(files, low);
  return { files: files.slice(0, low), text, tokens: Math.ceil(text.length / CHARS_PER_TOKEN) };
}
