import { stemMatch, wordStems } from './keywords.ts';
import { depthOf, type FileRole, fileNameOf, ROLE_RANK, ROLE_WEIGHT, roleOf } from './path-roles.ts';

/** A file the indexer may read, as kept in the per-commit snapshot. */
export interface IndexedFile {
  path: string;
  size: number;
}

export interface RankedPath {
  path: string;
  size: number;
  score: number;
  role: FileRole;
  depth: number;
  /** Keywords the path matches, most telling first. */
  matched: string[];
}

/** How much a keyword found in the file name counts against one found in a directory name. */
const LOCATION_WEIGHT = { nameExact: 3, namePrefix: 1.8, dirExact: 1.5, dirPrefix: 0.9 } as const;

interface PathStems {
  name: string[];
  dirs: string[];
}

/** Stems of one path segment, remembered: directory names repeat across thousands of paths. */
type SegmentMemo = Map<string, string[]>;

function segmentStems(segment: string, memo: SegmentMemo): string[] {
  let stems = memo.get(segment);
  if (!stems) {
    stems = wordStems(segment);
    memo.set(segment, stems);
  }
  return stems;
}

export function pathStems(path: string, memo: SegmentMemo = new Map()): PathStems {
  const name = fileNameOf(path);
  const base = name.startsWith('.') ? name : name.replace(/\.[^.]+$/, '');
  const segments = path.split('/');
  segments.pop();
  return { name: wordStems(base), dirs: segments.flatMap((segment) => segmentStems(segment, memo)) };
}

/**
 * Path stems of a file list, computed once per list: a cached snapshot keeps the same `files`
 * array, so every later issue on that commit ranks without tokenising the tree again.
 */
const stemsByFileList = new WeakMap<readonly IndexedFile[], PathStems[]>();

function stemsOf(files: readonly IndexedFile[]): PathStems[] {
  let stems = stemsByFileList.get(files);
  if (!stems) {
    const memo: SegmentMemo = new Map();
    stems = files.map((file) => pathStems(file.path, memo));
    stemsByFileList.set(files, stems);
  }
  return stems;
}

function locationWeight(keyword: string, stems: PathStems): number {
  let best = 0;
  for (const found of stems.name) {
    const match = stemMatch(keyword, found);
    if (match === 'exact') return LOCATION_WEIGHT.nameExact;
    if (match === 'prefix') best = Math.max(best, LOCATION_WEIGHT.namePrefix);
  }
  for (const found of stems.dirs) {
    const match = stemMatch(keyword, found);
    if (match === 'exact') best = Math.max(best, LOCATION_WEIGHT.dirExact);
    else if (match === 'prefix') best = Math.max(best, LOCATION_WEIGHT.dirPrefix);
  }
  return best;
}

export interface PathRanking {
  ranked: RankedPath[];
  /** Weight of each keyword: its importance times its rarity among the paths. */
  keywordWeights: Map<string, number>;
}

/** Plain code-point order: stable across locales and much cheaper than localeCompare on big trees. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares ranked paths: higher score, then source before tests, then shallower, then by name. */
export function compareRanked(a: RankedPath, b: RankedPath): number {
  return (
    b.score - a.score ||
    ROLE_RANK[a.role] - ROLE_RANK[b.role] ||
    a.depth - b.depth ||
    byCodePoint(a.path, b.path)
  );
}

/**
 * Scores every path by the keywords its segments contain (the file name counts more than the
 * directories, a keyword few paths contain more than a common one, an important keyword more
 * than a passing one), weighted by the file's role. Paths matching no keyword are left out.
 */
export function rankPaths(
  files: readonly IndexedFile[],
  keywords: readonly string[],
  importance: ReadonlyMap<string, number> = new Map(),
): PathRanking {
  const keywordWeights = new Map<string, number>();
  if (keywords.length === 0 || files.length === 0) return { ranked: [], keywordWeights };
  const allStems = stemsOf(files);
  const perFile = files.map((file, index) => {
    const stems = allStems[index] ?? pathStems(file.path);
    return { file, weights: keywords.map((keyword) => locationWeight(keyword, stems)) };
  });
  keywords.forEach((keyword, index) => {
    const documentFrequency = perFile.filter(({ weights }) => (weights[index] ?? 0) > 0).length;
    const rarity = documentFrequency === 0 ? 0 : Math.log(1 + files.length / documentFrequency);
    keywordWeights.set(keyword, rarity * (importance.get(keyword) ?? 1));
  });
  const ranked: RankedPath[] = [];
  for (const { file, weights } of perFile) {
    const contributions = keywords
      .map((keyword, index) => ({
        keyword,
        value: (weights[index] ?? 0) * (keywordWeights.get(keyword) ?? 0),
      }))
      .filter(({ value }) => value > 0)
      .sort((a, b) => b.value - a.value);
    if (contributions.length === 0) continue;
    const role = roleOf(file.path);
    const score = contributions.reduce((sum, { value }) => sum + value, 0) * ROLE_WEIGHT[role];
    ranked.push({
      path: file.path,
      size: file.size,
      score,
      role,
      depth: depthOf(file.path),
      matched: contributions.map(({ keyword }) => keyword),
    });
  }
  ranked.sort(compareRanked);
  return { ranked, keywordWeights };
}
