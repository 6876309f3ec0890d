import { namesFor } from '../layout.ts';
import { freeTextTopic, type PlanContext, type Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, gwt, hasUi, testedBy, uiTestTool } from './wording.ts';

function database(ctx: PlanContext): 'postgres' | 'mysql' | 'sqlite' | 'mongo' | null {
  const deps = ctx.repo.dependencies.join(' ').toLowerCase() + ctx.repo.frameworks.join(' ').toLowerCase();
  if (/postgres|\bpg\b|psycopg|pgx|lib\/pq/.test(deps)) return 'postgres';
  if (/mysql|mariadb/.test(deps)) return 'mysql';
  if (/sqlite/.test(deps)) return 'sqlite';
  if (/mongo/.test(deps)) return 'mongo';
  return null;
}

function dbFullText(ctx: PlanContext): string {
  switch (database(ctx)) {
    case 'postgres':
      return 'PostgreSQL full-text search (a generated `tsvector` column with a GIN index)';
    case 'mysql':
      return 'a MySQL/MariaDB `FULLTEXT` index';
    case 'sqlite':
      return 'SQLite FTS5';
    case 'mongo':
      return 'a MongoDB text index';
    default:
      return 'the database’s full-text index';
  }
}

const engine: Topic = {
  id: 'engine',
  label: 'Search engine',
  key: true,
  choices: [
    {
      value: 'database',
      short: 'Database full-text',
      option: (ctx) => `${dbFullText(ctx)} — no new service`,
      match:
        /\b(postgres(ql)?|mysql|database|db) (full[- ]?text|search)\b|\btsvector\b|\bfulltext\b|\bno new service\b/,
    },
    {
      value: 'meilisearch',
      short: 'Meilisearch',
      option: () => 'Meilisearch (typo-tolerant, one small service to run)',
      match: /\bmeili(search)?\b|\btypesense\b/,
    },
    {
      value: 'elasticsearch',
      short: 'Elasticsearch/OpenSearch',
      option: () => 'Elasticsearch/OpenSearch (facets at scale, heavy to operate)',
      match: /\belastic(search)?\b|\bopensearch\b/,
    },
  ],
  fallback: () => ['database'],
  question: (ctx) =>
    `Should search run on ${dbFullText(ctx)}, or on a dedicated engine such as Meilisearch or Elasticsearch?`,
  why: () =>
    'A dedicated engine gives typo tolerance and fast facets but is one more service to deploy, secure and keep in sync; the database needs nothing new.',
  assumption: (ctx) => `${dbFullText(ctx)}; no new service`,
};

const fields = freeTextTopic({
  id: 'fields',
  label: 'Searched fields',
  key: true,
  given: /\bsearch(es|ing)? (by|on|in|through)\b|\b(by|on) (name|title|sku|description|email|tags?)\b/,
  question: (ctx) => `Which ${ctx.names.one} fields are searched, and which matter most for ranking?`,
  why: () =>
    'Searched fields decide the index; ranking weights decide whether an exact name match beats a word in the description.',
  assumption: (ctx) => `${ctx.names.one} name (weighted highest) and description`,
  examples: () => ['Name and description', 'Name, SKU (exact) and tags'],
});

const filters: Topic = {
  id: 'filters',
  label: 'Filters',
  choices: [
    {
      value: 'none',
      short: 'Text search only',
      option: () => 'Text search only',
      match: /\bno filters?\b|\btext only\b/,
    },
    {
      value: 'filters',
      short: 'Filters',
      option: () => 'Filters (e.g. category, price range, status)',
      match: /\bfilter(s|ing)?\b|\bby categor(y|ies)\b|\bprice range\b/,
    },
    {
      value: 'facets',
      short: 'Facets with counts',
      option: () => 'Facets with counts (“Shoes (42)”)',
      match: /\bfacet(s|ed)?\b|\bwith counts\b/,
    },
  ],
  fallback: () => ['filters'],
  question: () => 'Besides the text box, do people need filters, or facets with counts?',
  why: () =>
    'Facet counts are cheap in a search engine and expensive in SQL; filters change the index and the URL format.',
  assumption: () => 'a few filters on indexed columns (no facet counts)',
};

const typeahead: Topic = {
  id: 'typeahead',
  label: 'Search as you type',
  subject: /\b(autocomplete|typeahead|as you type|suggestions)\b/,
  choices: [
    {
      value: 'yes',
      short: 'Results as you type',
      option: () => 'Yes, results/suggestions as you type',
      match: /\bautocomplete\b|\btype-?ahead\b|\bas you type\b|\binstant\b|\bsuggestions\b/,
    },
    {
      value: 'no',
      short: 'Search on submit',
      option: () => 'No, search when the form is submitted',
      match: /\bon submit\b|\bpress(ing)? enter\b/,
      off: true,
    },
  ],
  fallback: () => ['no'],
  applies: (ctx) => hasUi(ctx),
  question: () => 'Should results appear as you type, or when the search is submitted?',
  why: () =>
    'Search-as-you-type needs debouncing, cancellation of stale requests and a prefix-capable index.',
  assumption: () => 'search runs on submit; results have a shareable URL (`?q=`)',
};

const tolerance: Topic = {
  id: 'tolerance',
  label: 'Matching',
  choices: [
    {
      value: 'prefix',
      short: 'Words and prefixes',
      option: () => 'Whole words and prefixes (“lapt” finds “laptop”)',
      match: /\bprefix(es)?\b|\bexact\b/,
    },
    {
      value: 'fuzzy',
      short: 'Typo-tolerant',
      option: () => 'Typo-tolerant (“labtop” finds “laptop”)',
      match: /\btypos?\b|\bfuzzy\b|\bmisspell/,
    },
  ],
  fallback: () => ['prefix'],
  question: () => 'Must search tolerate typos, or are whole words and prefixes enough?',
  why: () =>
    'Typo tolerance is built into Meilisearch/Elasticsearch but needs trigram indexes (pg_trgm) or similar in SQL.',
  assumption: () => 'whole words and prefixes, case- and accent-insensitive; no typo tolerance',
};

function filtersText(ctx: SpecContext): string {
  const decision = ctx.d.get('filters');
  if (decision?.custom) return `filters: ${ctx.d.text('filters')}`;
  if (decision?.answerText && ctx.d.has('filters', 'filters')) return `filters (${decision.answerText})`;
  return ctx.d.has('filters', 'facets')
    ? 'facets with counts'
    : ctx.d.has('filters', 'none')
      ? 'no filters'
      : 'filters';
}

function engineText(ctx: SpecContext): string {
  return ctx.d.has('engine', 'database') ? dbFullText(ctx) : ctx.d.text('engine');
}

export const searchTemplate: FeatureTemplate = {
  id: 'search',
  featureType: 'search',
  label: 'Search',
  defaultSubject: 'item',
  topics: [engine, fields, filters, typeahead, tolerance],
  coreStep: 'search-api',
  docsStep: 'search-docs',
  complexity: (ctx) => {
    let level = 1;
    if (!ctx.d.has('engine', 'database')) level += 1;
    if (ctx.d.has('filters', 'facets')) level += 1;
    if (ctx.d.has('tolerance', 'fuzzy') && ctx.d.has('engine', 'database')) level += 1;
    return level;
  },
  goals: (ctx) => {
    const goals = [
      `People find ${ctx.names.many} by ${ctx.d.get('fields')?.custom ?? 'name and description'}, best matches first.`,
      `Search runs on ${engineText(ctx)} and stays consistent with the data (new and edited ${ctx.names.many} are findable within seconds).`,
    ];
    if (ctx.d.has('filters', 'filters') || ctx.d.has('filters', 'facets'))
      goals.push(
        `Results can be narrowed with filters${ctx.d.has('filters', 'facets') ? ' that show counts' : ''}.`,
      );
    if (hasUi(ctx))
      goals.push(`A search page in the ${ctx.stack.frontendName} app with a shareable URL (\`?q=…\`).`);
    return goals;
  },
  architecture: (ctx) => {
    const n = ctx.names;
    const lines: string[] = [];
    if (ctx.d.has('engine', 'database')) {
      const migration = ctx.layout.migration(n);
      lines.push(`Index: ${dbFullText(ctx)}${migration ? `, created by ${migration}` : ''}.`);
    } else {
      lines.push(
        `Index: a \`${n.many.replace(/\s+/g, '_')}\` index in ${ctx.d.text('engine')}; index settings (searchable fields, ranking) live in code in ${code(ctx.layout.part(n, 'search-index'))}.`,
      );
      lines.push(
        `Sync: every create/update/delete of a ${n.one} enqueues a re-index${ctx.stack.jobRunner ? ` (${ctx.stack.jobRunner})` : ''}; a backfill command indexes existing rows.`,
      );
    }
    lines.push(
      `Query service in ${code(ctx.layout.part(n, 'search'))}: parses the query, applies filters and access rules, returns ranked, paginated hits with highlights.`,
    );
    const http = ctx.layout.httpEntry(namesFor('search'));
    if (http) lines.push(`HTTP: \`GET /api/search?q=&page=\` in ${code(http)}.`);
    const page = ctx.layout.uiPage({
      ...n,
      slug: 'search',
      pascal: 'Search',
      snake: 'search',
      camel: 'search',
    });
    if (page)
      lines.push(
        `UI: ${code(page)} with the query in the URL${ctx.d.on('typeahead') ? ', debounced as-you-type requests with stale ones cancelled' : ''}.`,
      );
    return lines;
  },
  edgeCases: (ctx) => {
    const cases = [
      'Empty query, a single character, and very long queries (cap the length).',
      'Special characters and operators in the query (`"`, `-`, `*`, `:`) are treated as text, never as syntax or SQL.',
      'Accents and case: “Café” and “cafe” find the same items.',
      `Results respect access rules: a ${ctx.names.one} the user cannot open never appears, not even in counts.`,
      'No results: suggest removing filters rather than showing a blank page.',
    ];
    if (!ctx.d.has('engine', 'database'))
      cases.push(
        'The search engine is down or behind: show a clear error and keep the rest of the app working; the backfill can rebuild the index from scratch.',
      );
    if (ctx.d.on('typeahead'))
      cases.push('Fast typing: responses arriving out of order must not overwrite newer results.');
    return cases;
  },
  acceptance: (ctx) => {
    const criteria = [
      gwt(
        `${ctx.names.many} “Blue laptop” and “Laptop sleeve”`,
        'someone searches “laptop”',
        'both are found, the better match first',
      ),
      gwt(`a ${ctx.names.one} just renamed`, 'someone searches its new name', 'it is found'),
      gwt(
        'the query `" OR 1=1 --`',
        'it is searched',
        'the response is a normal (probably empty) result, not an error',
      ),
      testedBy(ctx, 'ranking, filters and escaping with a fixed fixture set'),
    ];
    if (ctx.d.has('tolerance', 'fuzzy'))
      criteria.splice(1, 0, gwt('a typo “labtop”', 'it is searched', '“Blue laptop” is found'));
    if (hasUi(ctx)) criteria.push(`${uiTestTool(ctx)} covers searching, filtering and the empty result.`);
    return criteria;
  },
  steps: (ctx) => {
    const n = ctx.names;
    const steps: Step[] = [
      {
        key: 'search-index',
        title: ctx.d.has('engine', 'database')
          ? 'Full-text index and migration'
          : `${ctx.d.text('engine')} index and settings`,
        description: ctx.d.has('engine', 'database')
          ? `${dbFullText(ctx)} on ${ctx.d.get('fields')?.custom ?? 'name and description'}${ctx.layout.migration(n) ? `, via ${ctx.layout.migration(n)}` : ''}.`
          : `Index definition and settings in ${code(ctx.layout.part(n, 'search-index'))}, plus local setup (docker compose service).`,
        acceptance: [
          'The index builds on a copy of production-sized data.',
          testedBy(ctx, 'that the index exists and matches accents/case'),
        ],
        size: 'M',
        dependsOn: [],
        priority: 1,
      },
    ];
    if (!ctx.d.has('engine', 'database')) {
      steps.push({
        key: 'search-sync',
        title: `Keep the index in sync and backfill`,
        description: `Re-index on every ${n.one} change${ctx.stack.jobRunner ? ` via ${ctx.stack.jobRunner}` : ''}, plus a backfill command for existing data.`,
        acceptance: [
          gwt(`a ${n.one} deleted`, 'the sync runs', 'it no longer appears in results'),
          testedBy(ctx, 'create/update/delete sync and the backfill'),
        ],
        size: 'L',
        dependsOn: ['search-index'],
        priority: 1,
      });
    }
    steps.push({
      key: 'search-api',
      title: 'Search query service and endpoint',
      description: `${code(ctx.layout.part(n, 'search'))}${ctx.layout.httpEntry(namesFor('search')) ? ` and \`GET /api/search\` in ${code(ctx.layout.httpEntry(namesFor('search'))!)}` : ''}: ranking, ${filtersText(ctx)}, pagination, access filtering, safe query parsing.`,
      acceptance: [
        gwt('a query with operators', 'it is searched', 'it is treated as plain text'),
        testedBy(ctx, 'ranking order on a fixture set'),
      ],
      size: 'L',
      dependsOn: ['search-index', 'search-sync'],
      priority: 1,
    });
    const page = ctx.layout.uiPage({
      ...n,
      slug: 'search',
      pascal: 'Search',
      snake: 'search',
      camel: 'search',
    });
    if (page) {
      steps.push({
        key: 'search-ui',
        title: `Search page in ${ctx.stack.frontendName}`,
        description: `${code(page)}: query in the URL, results with highlights, ${filtersText(ctx)}, empty and error states${ctx.d.on('typeahead') ? ', debounced as-you-type' : ''}.`,
        acceptance: [
          gwt('a search URL shared with a colleague', 'they open it', 'they see the same results'),
          `${uiTestTool(ctx)} covers search and the empty state.`,
        ],
        size: 'L',
        dependsOn: ['search-api'],
        priority: 2,
      });
    }
    steps.push({
      key: 'search-docs',
      title: 'Document search behaviour and operations',
      description: `In ${code(ctx.layout.docs)}: what is searched, how ranking works${ctx.d.has('engine', 'database') ? '' : ', how to rebuild the index'}.`,
      acceptance: ['The docs explain how to rebuild or verify the index.'],
      size: 'S',
      dependsOn: ['search-api'],
      priority: 3,
    });
    return steps;
  },
};
