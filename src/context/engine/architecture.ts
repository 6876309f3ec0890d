import type { Fact } from './facts.ts';
import type { RepoIndex } from './repo-index.ts';

/** A remark on what the code already says, citing where. */
export interface Observation {
  text: string;
  path?: string;
  line?: number;
}

export interface ArchitectureFacts {
  languages: string[];
  frameworks: string[];
  testTools: string[];
  packageManager?: string;
  dataModel: Fact[];
  database: Fact[];
  httpRoutes: Fact[];
  uiRoutes: Fact[];
  auth: { present: boolean; evidence: Fact[] };
  jobs: Fact[];
  /** Environment variables read, each once (where first read). */
  config: Fact[];
  testSetup: Fact[];
  observations: Observation[];
}

const MAX_PER_CATEGORY = 60;

function firstOfEachName(facts: readonly Fact[]): Fact[] {
  const seen = new Set<string>();
  return facts.filter((fact) => {
    if (seen.has(fact.name)) return false;
    seen.add(fact.name);
    return true;
  });
}

function byLocation(a: Fact, b: Fact): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line;
}

/** A collection route (`GET /orders`), not one item's (`GET /orders/:id`). */
function isListRoute(name: string): boolean {
  const [method, path = ''] = name.split(' ');
  if (!method || !/^(GET|ANY)/.test(method)) return false;
  const last = path.split('/').filter(Boolean).pop() ?? '';
  return (
    // `GET /` of a router mounted at `/orders` is the collection too.
    !/^[:{<*]|[}>]$|^\[/.test(last) && !/health|ready|live|metrics|status|version/i.test(last)
  );
}

/** Whether the route's handler (in the route's file, or wherever it is defined) reads paging input. */
function handlerPages(index: RepoIndex, route: Fact): boolean | undefined {
  if (!route.symbol) return undefined;
  const local = index.files.get(route.path);
  if (local?.definitions.some((d) => d.name === route.symbol))
    return local.pagingFunctions.includes(route.symbol);
  const elsewhere = index.symbolTable().definitions.get(route.symbol);
  if (!elsewhere || elsewhere.length === 0) return undefined;
  return elsewhere.some(({ path }) =>
    index.files.get(path)?.pagingFunctions.includes(route.symbol as string),
  );
}

function observationsOf(index: RepoIndex, facts: ArchitectureFacts, fileCount: number): Observation[] {
  const observations: Observation[] = [];
  if (!facts.auth.present && (facts.httpRoutes.length > 0 || facts.uiRoutes.length > 0)) {
    observations.push({
      text: `No authentication found: no auth library, guard or middleware in the ${fileCount} files indexed, though the code serves ${facts.httpRoutes.length} HTTP route(s).`,
    });
  }
  for (const route of facts.httpRoutes) {
    if (!isListRoute(route.name) || handlerPages(index, route) !== false) continue;
    observations.push({
      text: `${route.name} returns a collection without paging: its handler ${route.symbol} reads no limit, offset, page or cursor.`,
      path: route.path,
      line: route.line,
    });
  }
  const indexed = new Set(
    facts.dataModel
      .filter((fact) => fact.name.startsWith('index '))
      .map((fact) => /\bon\s+(\w+)/.exec(fact.name)?.[1]?.toLowerCase())
      .filter(Boolean),
  );
  for (const table of facts.dataModel) {
    const noSqlIndex = table.via === 'SQL' && !indexed.has(table.name.toLowerCase());
    if (table.detail === 'no index' || noSqlIndex) {
      observations.push({
        text: `Table ${table.name} (${table.via}) declares no index besides its primary key.`,
        path: table.path,
        line: table.line,
      });
    }
  }
  return observations.slice(0, MAX_PER_CATEGORY);
}

/** What the repository's code says about its architecture, each fact citing `path:line`. */
export function architectureFacts(index: RepoIndex): ArchitectureFacts {
  const all = index.allFacts().sort(byLocation);
  const of = (category: Fact['category']) => all.filter((fact) => fact.category === category);
  const authEvidence = of('auth');
  const facts: ArchitectureFacts = {
    languages: index.stack.languages,
    frameworks: index.stack.frameworks,
    testTools: index.stack.testTools,
    ...(index.stack.packageManager ? { packageManager: index.stack.packageManager } : {}),
    dataModel: of('data-model').slice(0, MAX_PER_CATEGORY),
    database: firstOfEachName(of('database')).slice(0, MAX_PER_CATEGORY),
    httpRoutes: of('http-route').slice(0, MAX_PER_CATEGORY),
    uiRoutes: of('ui-route').slice(0, MAX_PER_CATEGORY),
    auth: { present: authEvidence.length > 0, evidence: firstOfEachName(authEvidence).slice(0, 12) },
    jobs: firstOfEachName(of('job')).slice(0, MAX_PER_CATEGORY),
    config: firstOfEachName(of('config')).slice(0, MAX_PER_CATEGORY),
    testSetup: firstOfEachName(of('test-setup')),
    observations: [],
  };
  facts.observations = observationsOf(index, facts, index.files.size);
  return facts;
}

function cite(fact: Fact): string {
  return `${fact.path}:${fact.line}`;
}

/** The facts as Markdown lines for a prompt or a spec. */
export function renderArchitectureFacts(facts: ArchitectureFacts): string {
  const lines: string[] = [];
  const list = (title: string, items: readonly Fact[], show: (fact: Fact) => string) => {
    if (items.length === 0) return;
    lines.push(`${title}:`);
    for (const item of items) lines.push(`- ${show(item)} (${cite(item)})`);
  };
  if (facts.languages.length > 0) lines.push(`Languages: ${facts.languages.join(', ')}`);
  if (facts.frameworks.length > 0) lines.push(`Frameworks: ${facts.frameworks.join(', ')}`);
  list('Data model', facts.dataModel, (f) => `${f.name} [${f.via}]${f.detail ? ` (${f.detail})` : ''}`);
  list('Database', facts.database, (f) => `${f.name} [${f.via}]`);
  list('HTTP routes', facts.httpRoutes, (f) => `${f.name}${f.symbol ? ` → ${f.symbol}` : ''} [${f.via}]`);
  list('UI routes', facts.uiRoutes, (f) => `${f.name} [${f.via}]`);
  if (facts.auth.present) list('Authentication', facts.auth.evidence, (f) => `${f.name} [${f.via}]`);
  else lines.push('Authentication: none found');
  list('Background jobs', facts.jobs, (f) => f.name);
  list('Environment variables', facts.config, (f) => f.name);
  list('Test setup', facts.testSetup, (f) => f.name);
  if (facts.observations.length > 0) {
    lines.push('Observations:');
    for (const o of facts.observations) lines.push(`- ${o.text}${o.path ? ` (${o.path}:${o.line})` : ''}`);
  }
  return lines.join('\n');
}
