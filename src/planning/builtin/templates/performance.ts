import { quoteInline } from '../text.ts';
import { freeTextTopic, type PlanContext, type Topic } from '../topics.ts';
import type { FeatureTemplate, Step } from './types.ts';
import { code, gwt, relevantPaths, relevantStem } from './wording.ts';

function benchTool(ctx: PlanContext): string {
  switch (ctx.stack.language) {
    case 'rust':
      return 'criterion benchmarks in `benches/`';
    case 'go':
      return '`go test -bench` benchmarks with `-benchmem`';
    case 'python':
      return 'pytest-benchmark';
    case 'java':
    case 'kotlin':
      return 'JMH benchmarks';
    default:
      return ctx.stack.backend ? 'an autocannon/k6 load script' : 'a benchmark script (tinybench)';
  }
}

function profiler(ctx: PlanContext): string {
  switch (ctx.stack.language) {
    case 'rust':
      return 'cargo flamegraph / perf';
    case 'go':
      return 'pprof (CPU and heap profiles)';
    case 'python':
      return 'py-spy';
    case 'java':
    case 'kotlin':
      return 'async-profiler / JFR';
    default:
      return '`node --cpu-prof` / clinic flame';
  }
}

const target = freeTextTopic({
  id: 'target',
  label: 'Target',
  key: true,
  given:
    /\bp(50|90|95|99)\b|\b\d+ ?(ms|milliseconds?)\b|\bunder \d+ ?(s|seconds?)\b|\b\d+(\.\d+)?x faster\b|\b\d+ ?(rps|req\/s|requests per second)\b|\bbelow \d+/,
  question: () => 'What is the target, as a number (e.g. p95 under 300 ms, or 2× the current throughput)?',
  why: () =>
    'A number tells us when to stop; without it optimisation has no finish line and no regression threshold.',
  assumption: () =>
    'at least 2× faster than today for the reported case, measured by a reproducible benchmark',
  examples: () => ['p95 < 300 ms at 50 requests/s', 'Import of 100k rows under 60 s', 'Half the memory'],
});

const where = freeTextTopic({
  id: 'where',
  label: 'What is slow',
  key: true,
  given:
    /\b(get|post|put|patch|delete) \/[a-z0-9/_:{}-]+|\/api\/[a-z0-9/_-]+|\bendpoint\b|\bpage\b|\bquery\b|\bcommand\b|\bfunction\b|\bstartup\b|\bbuild\b/,
  question: () => 'Which operation exactly is slow (endpoint, page, command or job), and how slow is it now?',
  why: () =>
    'The benchmark must exercise exactly that path; a current measurement is the baseline the target is compared to.',
  assumption: (ctx) =>
    `the operation named in the issue title${ctx.area ? ` in the ${ctx.area} code` : ''}; the baseline is measured as the first step`,
});

const dataSize = freeTextTopic({
  id: 'data-size',
  label: 'Data size',
  given:
    /\b\d+(\.\d+)?\s?(k|m|thousand|million|billion)?\s?([a-z]+\s)?(rows|records|items|users|products|requests|files|entries|documents|orders|events)\b/,
  question: () => 'How much data is involved when it is slow (rows, items, request rate)?',
  why: () =>
    'Many slowdowns only appear at size (N+1 queries, missing indexes, quadratic loops); the benchmark needs realistic data.',
  assumption: () => 'production-like volume: the benchmark seeds 10× the data of a typical account',
});

const freshness: Topic = {
  id: 'freshness',
  label: 'Caching',
  choices: [
    {
      value: 'fresh',
      short: 'Always fresh',
      option: () => 'Results must always be fresh (fix queries/algorithms first)',
      match: /\balways fresh\b|\bno cach(e|ing)\b|\breal[- ]?time\b|\bmust be fresh\b/,
    },
    {
      value: 'cache',
      short: 'Short staleness allowed',
      option: () => 'A few seconds/minutes of staleness is fine (caching allowed)',
      match: /\bcach(e|ing|ed)\b|\bstale(ness)?\b|\beventual(ly)? consisten/,
    },
  ],
  fallback: () => ['fresh'],
  question: () => 'May results be a little stale (so caching is allowed), or must they always be fresh?',
  why: () =>
    'Caching is often the quickest win but adds invalidation bugs; if freshness matters, the fix must be in queries and algorithms.',
  assumption: () =>
    'results must stay fresh; the fix targets queries and algorithms, and caching is not used',
};

const measurements: Topic = {
  id: 'measurements',
  label: 'Existing measurements',
  choices: [
    {
      value: 'yes',
      short: 'Profile or trace available',
      option: () => 'Yes, a profile/trace/slow-query log is attached',
      match: /\bflame ?graph\b|\bprofil(e|ing)\b|\btraces?\b|\bexplain( analy[sz]e)?\b|\bslow query log\b/,
    },
    {
      value: 'no',
      short: 'No measurements yet',
      option: () => 'No, measure first',
      match: /\bno (profile|measurements?)\b/,
    },
  ],
  fallback: () => ['no'],
  question: () => 'Is there a profile, trace or slow-query log from production?',
  why: () =>
    'A production profile points at the hot path directly; otherwise the first step is to reproduce and profile locally.',
  assumption: (ctx) => `no production profile: reproduce locally and profile with ${profiler(ctx)}`,
};

export const performanceTemplate: FeatureTemplate = {
  id: 'performance',
  featureType: 'performance',
  label: 'Performance',
  defaultSubject: 'hot path',
  subject: (ctx) => relevantStem(ctx) ?? ctx.area,
  topics: [target, where, dataSize, freshness, measurements],
  coreStep: 'perf-optimise',
  docsStep: 'perf-report',
  complexity: (ctx) => {
    let level = 1;
    if (ctx.d.has('target', 'unknown')) level += 1;
    if (ctx.stack.fileCount > 2000) level += 1;
    return level;
  },
  goals: (ctx) => {
    const goals = [
      `Meet the target ${ctx.d.get('target')?.custom ? quoteInline(ctx.d.get('target')!.custom!, 160) : '(at least 2× faster than the measured baseline)'} for ${ctx.d.get('where')?.custom ? `the slow operation — today: ${quoteInline(ctx.d.get('where')!.custom!, 160)}` : quoteInline(ctx.issue.title, 120)}`,
      `A reproducible benchmark (${benchTool(ctx)}) shows before and after numbers.`,
      'Behaviour is unchanged: same results, same errors.',
    ];
    if (ctx.d.has('freshness', 'cache'))
      goals.push('Caching is allowed where staleness is acceptable, with explicit invalidation.');
    return goals;
  },
  architecture: (ctx) => {
    const lines = [
      `Benchmark: ${benchTool(ctx)} seeded with ${ctx.d.get('data-size')?.custom ?? 'production-like data'}; run locally and in CI (numbers reported, not asserted in unit tests).`,
      `Profile with ${profiler(ctx)}${ctx.stack.hasDatabase ? ' and `EXPLAIN ANALYZE` for the queries on the path' : ''}; the PR names the hot spot with the profile excerpt.`,
    ];
    const paths = relevantPaths(ctx, 4);
    if (paths.length > 0) lines.push(`Likely code: ${paths.join(', ')}.`);
    lines.push(
      ctx.stack.hasDatabase
        ? 'Usual suspects to check first: N+1 queries, missing indexes, unbounded result sets, serialization of large objects.'
        : 'Usual suspects to check first: repeated work in loops, allocation in the hot path, blocking I/O, quadratic algorithms.',
    );
    if (ctx.d.has('freshness', 'cache'))
      lines.push(
        `Cache${ctx.stack.cache ? ` in ${ctx.stack.cache}` : ''} only behind a clear key and invalidation rule, added after the algorithmic fixes.`,
      );
    return lines;
  },
  edgeCases: (ctx) => [
    'The optimised path returns exactly the same results (ordering, rounding, errors) as before — compare outputs on the benchmark data.',
    'Small inputs do not get slower (no fixed cost added for the common case).',
    'Memory: a faster path must not trade time for unbounded memory (check peak memory in the benchmark).',
    'Concurrency: the improvement holds under parallel load, not just a single request.',
    ...(ctx.d.has('freshness', 'cache')
      ? ['Cache stampede when an entry expires under load; stale entries after writes.']
      : []),
  ],
  acceptance: (ctx) => [
    gwt(
      'the benchmark on the agreed data',
      'it runs on the old and new code',
      `the new code meets the target ${ctx.d.get('target')?.custom ? quoteInline(ctx.d.get('target')!.custom!, 100) : '(≥ 2× faster)'} and the numbers are in the PR`,
    ),
    gwt('the benchmark data', 'the old and new code process it', 'their outputs are identical'),
    `The existing ${ctx.stack.testTool} suite passes unchanged.`,
  ],
  steps: (ctx) => {
    const steps: Step[] = [
      {
        key: 'perf-benchmark',
        title: 'Reproducible benchmark and baseline',
        description: `${benchTool(ctx)} for the slow path, seeded with realistic data; record the baseline in the PR.`,
        acceptance: ['The benchmark runs with one command and prints the metric the target is stated in.'],
        size: 'M',
        dependsOn: [],
        priority: 1,
      },
      {
        key: 'perf-profile',
        title: 'Profile and name the bottleneck',
        description: `Profile with ${profiler(ctx)}${ctx.stack.hasDatabase ? ' and EXPLAIN the queries' : ''}; write down the hot spots and the planned fix.`,
        acceptance: ['The PR or issue comment shows the profile excerpt that justifies the fix.'],
        size: 'S',
        dependsOn: ['perf-benchmark'],
        priority: 2,
      },
      {
        key: 'perf-optimise',
        title: 'Optimise the hot path',
        description: 'Fix the bottleneck found by the profile (queries, indexes, algorithm, allocations).',
        acceptance: [
          gwt('the benchmark', 'it runs', 'the target is met'),
          'Outputs are identical to the old code on the benchmark data.',
        ],
        size: 'L',
        dependsOn: ['perf-profile'],
        priority: 1,
      },
    ];
    if (ctx.d.has('freshness', 'cache')) {
      steps.push({
        key: 'perf-cache',
        title: 'Cache with explicit invalidation',
        description: `Cache${ctx.stack.cache ? ` in ${ctx.stack.cache}` : ''} the remaining expensive reads with a TTL and invalidation on write.`,
        acceptance: [gwt('a write', 'the value is read again', 'the new value is returned')],
        size: 'M',
        dependsOn: ['perf-optimise'],
        priority: 2,
      });
    }
    steps.push({
      key: 'perf-report',
      title: 'Keep the benchmark in CI and report the numbers',
      description: `Run the benchmark in CI (report, do not assert timings in unit tests) and document how to run it in ${code(ctx.layout.docs)}.`,
      acceptance: ['CI publishes the benchmark numbers for every PR touching the hot path.'],
      size: 'S',
      dependsOn: ['perf-optimise'],
      priority: 3,
    });
    return steps;
  },
};
