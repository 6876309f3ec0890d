import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ContextEngine, MemorySource, searchCode } from '../src/context/engine/index.ts';
import { indexFixtureRepo, loadRetrievalSet, scoreRetrieval } from '../test/support/context-retrieval.ts';
import type { BenchSection } from './run.ts';

/**
 * The context engine: retrieval recall on the fixture repositories' set (tuned and held-out
 * cases apart), then indexing a generated 5,000-file repository, re-indexing after a 10-file
 * push, query latency, and the memory one index holds.
 */

const FILES = Number(process.env.BENCH_CONTEXT_FILES ?? 5_000);
const QUERIES = 500;
const DOMAINS = [
  'order',
  'invoice',
  'customer',
  'product',
  'shipment',
  'payment',
  'coupon',
  'warehouse',
  'report',
  'user',
];
const ACTIONS = [
  'create',
  'update',
  'list',
  'archive',
  'validate',
  'export',
  'import',
  'notify',
  'sync',
  'price',
];

const cap = (word: string) => word[0]?.toUpperCase() + word.slice(1);

/** A TypeScript module of ~100 lines that calls into two other modules (so the graph has edges). */
function tsModule(i: number, version: number): string {
  const domain = DOMAINS[i % DOMAINS.length] as string;
  const other = (i * 7 + 3) % FILES;
  const lines = [
    `import { ${ACTIONS[other % ACTIONS.length]}${cap(DOMAINS[other % DOMAINS.length] as string)}${other} } from '../m${other}';`,
    '',
  ];
  lines.push(
    `export interface ${cap(domain)}Record${i} {`,
    '  id: string;',
    '  createdAt: Date;',
    `  version: ${version};`,
    '}',
    '',
  );
  for (const action of ACTIONS.slice(0, 7)) {
    lines.push(
      `export async function ${action}${cap(domain)}${i}(input: ${cap(domain)}Record${i}): Promise<${cap(domain)}Record${i}> {`,
      `  // ${action} the ${domain} and keep its history`,
      `  if (!input.id) throw new Error('${domain} without id');`,
      `  const result = { ...input, createdAt: new Date() };`,
      `  await ${ACTIONS[other % ACTIONS.length]}${cap(DOMAINS[other % DOMAINS.length] as string)}${other}(result as never);`,
      '  for (let attempt = 0; attempt < 3; attempt++) {',
      `    if (attempt > ${version}) break;`,
      '  }',
      '  return result;',
      '}',
      '',
    );
  }
  return lines.join('\n');
}

function pyModule(i: number, version: number): string {
  const domain = DOMAINS[i % DOMAINS.length] as string;
  const lines = [
    'from dataclasses import dataclass',
    '',
    '',
    '@dataclass',
    `class ${cap(domain)}${i}:`,
    '    id: str',
    `    version: int = ${version}`,
    '',
  ];
  for (const action of ACTIONS.slice(0, 8)) {
    lines.push(
      '',
      `def ${action}_${domain}_${i}(item: ${cap(domain)}${i}) -> ${cap(domain)}${i}:`,
      `    """${cap(action)} a ${domain}."""`,
      '    if not item.id:',
      `        raise ValueError("${domain} without id")`,
      '    for attempt in range(3):',
      `        if attempt > ${version}:`,
      '            break',
      '    return item',
      '',
    );
  }
  return lines.join('\n');
}

function goModule(i: number, version: number): string {
  const domain = DOMAINS[i % DOMAINS.length] as string;
  const lines = [
    `package m${i}`,
    '',
    'import "errors"',
    '',
    `type ${cap(domain)}${i} struct {`,
    '\tID string',
    '\tVersion int',
    '}',
    '',
  ];
  for (const action of ACTIONS.slice(0, 7)) {
    lines.push(
      `func ${cap(action)}${cap(domain)}${i}(item *${cap(domain)}${i}) error {`,
      '\tif item.ID == "" {',
      `\t\treturn errors.New("${domain} without id")`,
      '\t}',
      `\titem.Version = ${version}`,
      '\tfor attempt := 0; attempt < 3; attempt++ {',
      '\t\tif attempt > item.Version {',
      '\t\t\tbreak',
      '\t\t}',
      '\t}',
      '\treturn nil',
      '}',
      '',
    );
  }
  return lines.join('\n');
}

function generatedFile(i: number, version: number): [string, string] {
  if (i % 4 === 2) return [`services/py/m${i}.py`, pyModule(i, version)];
  if (i % 4 === 3) return [`services/go/m${i}/m${i}.go`, goModule(i, version)];
  return [`src/m${i}.ts`, tsModule(i, version)];
}

function generatedRepo(files: number): Map<string, string> {
  const repo = new Map<string, string>([
    ['package.json', '{"name":"generated","dependencies":{"express":"4.19.2","pg":"8.12.0"}}'],
  ]);
  for (let i = 0; i < files - 1; i++) {
    const [path, text] = generatedFile(i, 0);
    repo.set(path, text);
  }
  return repo;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export const contextSection: BenchSection = {
  name: 'context',
  description:
    'context engine: retrieval recall, index a 5,000-file repo, re-index a push, query latency, memory',
  async run({ machine }) {
    const cases = loadRetrievalSet();
    const indexes = new Map();
    for (const repo of new Set(cases.map((c) => c.repo))) indexes.set(repo, await indexFixtureRepo(repo));
    const tuned = await scoreRetrieval(
      cases.filter((c) => !c.heldOut),
      indexes,
    );
    const heldOut = await scoreRetrieval(
      cases.filter((c) => c.heldOut),
      indexes,
    );
    const all = await scoreRetrieval(cases, indexes);
    console.log(
      `recall@5 ${all.recallAt5.toFixed(3)}, recall@10 ${all.recallAt10.toFixed(3)} over ${cases.length} cases`,
    );

    const files = generatedRepo(FILES);
    const totalBytes = [...files.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    const totalLines = [...files.values()].reduce((sum, text) => sum + text.split('\n').length, 0);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const engine = new ContextEngine();
    let started = performance.now();
    const index = await engine.index('bench/generated', new MemorySource('c1', files));
    const indexMs = performance.now() - started;
    collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(`indexed ${index.files.size} files in ${indexMs.toFixed(0)} ms`);

    // A push that changes ten files.
    const pushed = new Map(files);
    for (let k = 0; k < 10; k++) {
      const [path, text] = generatedFile(k * 37, 1);
      pushed.set(path, text);
    }
    started = performance.now();
    await engine.index('bench/generated', new MemorySource('c2', pushed));
    const reindexMs = performance.now() - started;
    const update = engine.lastUpdate('bench/generated');

    const queries = Array.from({ length: QUERIES }, (_, q) => {
      const domain = DOMAINS[q % DOMAINS.length];
      const action = ACTIONS[(q * 3) % ACTIONS.length];
      return q % 3 === 0
        ? `${action}${cap(domain as string)}${q * 11}`
        : `${action} the ${domain} history when the id is missing`;
    });
    const latencies: number[] = [];
    for (const query of queries) {
      const t = performance.now();
      await searchCode(index, query, { limit: 10 });
      latencies.push(performance.now() - t);
    }
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(`query p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    const measured = heapAfter - heapBefore;
    const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
    const detail = (label: string, s: typeof tuned) =>
      `| ${label} | ${s.cases.length} | ${s.recallAt5.toFixed(3)} | **${s.recallAt10.toFixed(3)}** |`;

    return `## Context engine

Measured ${new Date().toISOString().slice(0, 10)} on: ${machine}.

Retrieval: each request of \`test/fixtures/context-repos/retrieval-set.json\` is searched as written (\`searchCode\`, BM25 only, no embeddings) in its fixture repository; a case's recall@k is the share of its expected files (those it names and those defining the symbols it names) among the first k files ranked. The held-out cases were written with the others before the engine first ran on the fixtures, and nothing was tuned on them.

| cases | count | recall@5 | recall@10 |
| --- | --- | --- | --- |
${detail('tuned', tuned)}
${detail('held out', heldOut)}
${detail('all', all)}

Scale: a generated repository of ${FILES} files (TypeScript, Python and Go modules that call each other; ${totalLines} lines, ${mib(totalBytes)}), read from memory, parsed on ${index.files.size > 0 ? 'one worker thread per core' : '—'}. The push changes 10 files; only those are read, parsed and re-indexed (${update ? `${update.changed} changed, ${update.added} added, ${update.removed} removed` : 'no update recorded'}). Queries: ${QUERIES} requests, a third of them identifiers.

| what | figure | target |
| --- | --- | --- |
| index ${FILES} files | **${(indexMs / 1000).toFixed(1)} s** | < 30 s — ${verdict(indexMs < 30_000)} |
| re-index after a 10-file push | **${reindexMs.toFixed(0)} ms** | < 2 s — ${verdict(reindexMs < 2_000)} |
| query p50 / p99 | ${p50.toFixed(1)} ms / **${p99.toFixed(1)} ms** | p99 < 50 ms — ${verdict(p99 < 50)} |
| heap held by the index (measured after GC) | ${mib(measured)} | — |
| the index's own estimate (\`RepoIndex.bytes\`, what the LRU counts) | ${mib(index.bytes)} | — |
| chunks indexed | ${index.chunks.size} | — |

Memory is bounded by \`ContextEngine\`'s \`maxIndexBytes\` (default 512 MiB): indexes are kept in least-recently-used order and dropped once their estimated bytes exceed it. File texts are not kept in memory (they are read again from the clone when shown), so an index holds symbols, chunk boundaries, facts and the BM25 postings.
`;
  },
};
