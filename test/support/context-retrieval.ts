import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemorySource, RepoIndex, searchCode } from '../../src/context/engine/index.ts';

/** The fixture repositories and the retrieval set measured by tests and `npm run bench -- context`. */

export const FIXTURE_REPOS_DIR = fileURLToPath(new URL('../fixtures/context-repos/', import.meta.url));

export interface RetrievalCase {
  repo: string;
  request: string;
  files: string[];
  symbols: string[];
  heldOut?: boolean;
}

export function loadRetrievalSet(): RetrievalCase[] {
  const parsed = JSON.parse(readFileSync(join(FIXTURE_REPOS_DIR, 'retrieval-set.json'), 'utf8')) as {
    cases: RetrievalCase[];
  };
  return parsed.cases;
}

/** Every file of a fixture repository, by path relative to its root. */
export function readFixtureRepo(name: string): Map<string, string> {
  const root = join(FIXTURE_REPOS_DIR, name);
  const files = new Map<string, string>();
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${entry}/`);
      else files.set(`${prefix}${entry}`, readFileSync(full, 'utf8'));
    }
  };
  walk(root, '');
  return files;
}

export async function indexFixtureRepo(name: string): Promise<RepoIndex> {
  return RepoIndex.build(name, new MemorySource(`fixture-${name}`, readFixtureRepo(name)), {
    parseThreads: 1,
  });
}

/** The files a case expects: those named, and those defining the named symbols. */
export function expectedFiles(index: RepoIndex, testCase: RetrievalCase): string[] {
  const expected = new Set(testCase.files);
  const definitions = index.symbolTable().definitions;
  for (const symbol of testCase.symbols) {
    const defined = definitions.get(symbol) ?? [];
    // A name defined in several files counts where the case's files are, else everywhere.
    const inNamed = defined.filter(({ path }) => expected.has(path));
    for (const { path } of inNamed.length > 0 ? inNamed : defined) expected.add(path);
  }
  return [...expected];
}

export interface CaseResult {
  testCase: RetrievalCase;
  expected: string[];
  ranked: string[];
  recallAt5: number;
  recallAt10: number;
}

export interface RetrievalScores {
  cases: CaseResult[];
  recallAt5: number;
  recallAt10: number;
}

function recall(expected: readonly string[], ranked: readonly string[], k: number): number {
  const top = new Set(ranked.slice(0, k));
  return expected.filter((path) => top.has(path)).length / expected.length;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Runs each case's request through the search and scores the files it ranks first. */
export async function scoreRetrieval(
  cases: readonly RetrievalCase[],
  indexes: ReadonlyMap<string, RepoIndex>,
): Promise<RetrievalScores> {
  const results: CaseResult[] = [];
  for (const testCase of cases) {
    const index = indexes.get(testCase.repo);
    if (!index) throw new Error(`no index for ${testCase.repo}`);
    const expected = expectedFiles(index, testCase);
    const search = await searchCode(index, testCase.request, { limit: 10 });
    const ranked = search.files.map((file) => file.path);
    results.push({
      testCase,
      expected,
      ranked,
      recallAt5: recall(expected, ranked, 5),
      recallAt10: recall(expected, ranked, 10),
    });
  }
  return {
    cases: results,
    recallAt5: mean(results.map((r) => r.recallAt5)),
    recallAt10: mean(results.map((r) => r.recallAt10)),
  };
}
