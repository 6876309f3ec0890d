import type { RepoContext } from '../../context/types.ts';

/**
 * What the builtin planner needs to know about a repository's stack, derived from the
 * indexer's RepoContext: which framework serves HTTP, which renders UI, how the schema is
 * migrated, which tool runs tests. Every question, spec line and subtask is phrased with it.
 */

export type Language =
  | 'typescript'
  | 'javascript'
  | 'go'
  | 'python'
  | 'rust'
  | 'java'
  | 'kotlin'
  | 'ruby'
  | 'php'
  | 'csharp'
  | 'other';

export type Backend =
  | 'nextjs'
  | 'nestjs'
  | 'express'
  | 'fastify'
  | 'koa'
  | 'hono'
  | 'django'
  | 'fastapi'
  | 'flask'
  | 'rails'
  | 'spring'
  | 'gin'
  | 'echo'
  | 'chi'
  | 'gohttp'
  | 'axum'
  | 'actix'
  | 'rocket'
  | 'laravel'
  | 'aspnet';

export type Frontend = 'nextjs' | 'react' | 'vue' | 'svelte' | 'angular' | 'templates';

export type Orm =
  | 'prisma'
  | 'drizzle'
  | 'typeorm'
  | 'sequelize'
  | 'knex'
  | 'mongoose'
  | 'django-orm'
  | 'sqlalchemy'
  | 'activerecord'
  | 'jpa'
  | 'gorm'
  | 'sqlc'
  | 'sqlx'
  | 'diesel'
  | 'seaorm'
  | 'eloquent'
  | 'efcore';

export type Cli =
  | 'cobra'
  | 'urfave'
  | 'goflag'
  | 'clap'
  | 'click'
  | 'typer'
  | 'argparse'
  | 'commander'
  | 'yargs'
  | 'picocli';

export interface StackProfile {
  language: Language;
  languageName: string;
  backend: Backend | null;
  backendName: string | null;
  frontend: Frontend | null;
  frontendName: string | null;
  orm: Orm | null;
  ormName: string | null;
  /** How schema changes are made, e.g. "Prisma Migrate", "Alembic", "goose". Null: no database found. */
  migrationTool: string | null;
  /** The unit/integration test tool to name in acceptance criteria. */
  testTool: string;
  /** A browser/end-to-end tool when the repo has one. */
  e2eTool: string | null;
  cli: Cli | null;
  cliName: string | null;
  /** Short name of the project (repository name), e.g. "shopfront". */
  appName: string;
  /** Source file extension for new server-side code, e.g. "ts", "go", "py". */
  ext: string;
  hasDatabase: boolean;
  /** Where server code lives when the repo splits client and server ("server/", "backend/"), else "". */
  serverRoot: string;
  /** Where client code lives in a split repo ("client/", "web/"), else "" when the UI sits with the server. */
  clientRoot: string;
  /** Next.js App Router directory: "app/" or "src/app/". */
  nextAppDir: string;
  /** Where UI source files go, e.g. "src/", "client/src/", "src/client/". */
  uiBase: string;
  /** Server code is organised by layer (`src/routes/`, `src/models/`, `src/services/`). */
  layered: boolean;
  /** Server code is organised in feature folders with suffixed files (`src/orders/orders.routes.ts`). */
  featureFolders: boolean;
  /** Java/Kotlin base package path, e.g. "com/acme/shop". */
  javaPackage: string | null;
  /** Existing feature directories seen in relevant files (e.g. "src/cart/", "orders/"). */
  featureDirs: string[];
  /** Top-level test directory ("test/", "tests/", "spec/") when the repo keeps tests apart, else null. */
  testDir: string | null;
  /** Job queue / background worker library when present (BullMQ, Celery, Sidekiq, …). */
  jobRunner: string | null;
  /** Cache store when present (Redis, Memcached). */
  cache: string | null;
  /** The indexer's one-line summary. */
  summary: string;
  fileCount: number;
}

type Haystack = (pattern: RegExp) => boolean;

function haystackOf(ctx: RepoContext): Haystack {
  const text = [
    ...ctx.frameworks,
    ...ctx.dependencies,
    ...ctx.manifests.map((m) => `${m.kind} ${m.path}`),
    ...ctx.testTools,
    ...ctx.topLevel,
    ctx.packageManager ?? '',
  ]
    .join('\n')
    .toLowerCase();
  return (pattern) => pattern.test(text);
}

const LANGUAGES: Array<[Language, RegExp, string]> = [
  ['typescript', /^typescript$/i, 'TypeScript'],
  ['javascript', /^javascript$/i, 'JavaScript'],
  ['go', /^go$/i, 'Go'],
  ['python', /^python$/i, 'Python'],
  ['rust', /^rust$/i, 'Rust'],
  ['java', /^java$/i, 'Java'],
  ['kotlin', /^kotlin$/i, 'Kotlin'],
  ['ruby', /^ruby$/i, 'Ruby'],
  ['php', /^php$/i, 'PHP'],
  ['csharp', /^(c#|csharp)$/i, 'C#'],
];

const MANIFEST_LANGUAGE: Array<[RegExp, Language]> = [
  [/(^|\/)go\.mod$/, 'go'],
  [/(^|\/)cargo\.toml$/i, 'rust'],
  [/(^|\/)(pyproject\.toml|requirements\.txt|setup\.py|pipfile)$/i, 'python'],
  [/(^|\/)(pom\.xml|build\.gradle)$/i, 'java'],
  [/(^|\/)build\.gradle\.kts$/i, 'kotlin'],
  [/(^|\/)gemfile$/i, 'ruby'],
  [/(^|\/)composer\.json$/i, 'php'],
  [/\.csproj$/i, 'csharp'],
  [/(^|\/)tsconfig\.json$/i, 'typescript'],
  [/(^|\/)package\.json$/i, 'javascript'],
];

function detectLanguage(ctx: RepoContext): { language: Language; name: string } {
  // Manifests name the primary language more reliably than file counts (docs and CSS are many files).
  for (const lang of ctx.languages) {
    const known = LANGUAGES.find(([, pattern]) => pattern.test(lang));
    if (known) {
      const primaryManifest = ctx.manifests.find((m) => MANIFEST_LANGUAGE.some(([p]) => p.test(m.path)));
      const manifestLang = primaryManifest
        ? MANIFEST_LANGUAGE.find(([p]) => p.test(primaryManifest.path))?.[1]
        : undefined;
      if (
        manifestLang &&
        manifestLang !== known[0] &&
        !(manifestLang === 'javascript' && known[0] === 'typescript')
      ) {
        const fromManifest = LANGUAGES.find(([id]) => id === manifestLang);
        if (fromManifest && ctx.languages.some((l) => fromManifest[1].test(l))) {
          return { language: fromManifest[0], name: fromManifest[2] };
        }
      }
      return { language: known[0], name: known[2] };
    }
  }
  for (const manifest of ctx.manifests) {
    const found = MANIFEST_LANGUAGE.find(([p]) => p.test(manifest.path));
    if (found) {
      const named = LANGUAGES.find(([id]) => id === found[1]);
      return { language: found[1], name: named?.[2] ?? found[1] };
    }
  }
  return { language: 'other', name: ctx.languages[0] ?? 'unknown language' };
}

const BACKENDS: Array<[Backend, RegExp, string]> = [
  ['nextjs', /(^|[^a-z])next(\.js|js)?([@\s]|$)/m, 'Next.js'],
  ['nestjs', /@nestjs\/core|\bnest(js|\.js)\b/, 'NestJS'],
  ['express', /\bexpress\b/, 'Express'],
  ['fastify', /\bfastify\b/, 'Fastify'],
  ['koa', /\bkoa\b/, 'Koa'],
  ['hono', /\bhono\b/, 'Hono'],
  ['django', /\bdjango\b/, 'Django'],
  ['fastapi', /\bfastapi\b/, 'FastAPI'],
  ['flask', /\bflask\b/, 'Flask'],
  ['rails', /\brails\b|\bruby on rails\b/, 'Rails'],
  ['spring', /spring[- ]boot|springframework/, 'Spring Boot'],
  ['gin', /gin-gonic|\bgin\b/, 'Gin'],
  ['echo', /labstack\/echo|\becho\b/, 'Echo'],
  ['chi', /go-chi|\bchi\b/, 'chi'],
  ['axum', /\baxum\b/, 'axum'],
  ['actix', /actix-web|\bactix\b/, 'actix-web'],
  ['rocket', /\brocket\b/, 'Rocket'],
  ['laravel', /\blaravel\b/, 'Laravel'],
  ['aspnet', /asp\.net|aspnetcore/, 'ASP.NET Core'],
];

const FRONTENDS: Array<[Frontend, RegExp, string]> = [
  ['nextjs', /(^|[^a-z])next(\.js|js)?([@\s]|$)/m, 'Next.js'],
  ['react', /\breact\b/, 'React'],
  ['vue', /\bvue\b|\bnuxt\b/, 'Vue'],
  ['svelte', /\bsvelte(kit)?\b/, 'Svelte'],
  ['angular', /@angular\/core|\bangular\b/, 'Angular'],
];

const ORMS: Array<[Orm, RegExp, string, string]> = [
  ['prisma', /\bprisma\b/, 'Prisma', 'Prisma Migrate'],
  ['drizzle', /\bdrizzle/, 'Drizzle ORM', 'drizzle-kit'],
  ['typeorm', /\btypeorm\b/, 'TypeORM', 'TypeORM'],
  ['sequelize', /\bsequelize\b/, 'Sequelize', 'sequelize-cli'],
  ['knex', /\bknex\b/, 'Knex', 'Knex'],
  ['mongoose', /\bmongoose\b/, 'Mongoose', 'migrate-mongo'],
  ['sqlalchemy', /\bsqlalchemy\b|\balembic\b/, 'SQLAlchemy', 'Alembic'],
  ['activerecord', /\bactiverecord\b|\brails\b/, 'Active Record', 'Rails'],
  ['jpa', /spring-boot-starter-data-jpa|\bhibernate\b|\bjpa\b/, 'Spring Data JPA', 'Flyway'],
  ['gorm', /\bgorm\b/, 'GORM', 'golang-migrate'],
  ['sqlc', /\bsqlc\b/, 'sqlc', 'goose'],
  ['sqlx', /\bsqlx\b/, 'sqlx', 'sqlx'],
  ['diesel', /\bdiesel\b/, 'Diesel', 'Diesel'],
  ['seaorm', /sea-orm/, 'SeaORM', 'SeaORM'],
  ['eloquent', /\blaravel\b|\beloquent\b/, 'Eloquent', 'Laravel'],
  ['efcore', /entityframework|ef ?core/, 'Entity Framework Core', 'EF Core'],
];

const CLIS: Array<[Cli, RegExp, string]> = [
  ['cobra', /spf13\/cobra|\bcobra\b/, 'cobra'],
  ['urfave', /urfave\/cli/, 'urfave/cli'],
  ['clap', /\bclap\b/, 'clap'],
  ['typer', /\btyper\b/, 'Typer'],
  ['click', /\bclick\b/, 'Click'],
  ['commander', /\bcommander\b/, 'commander'],
  ['yargs', /\byargs\b/, 'yargs'],
  ['picocli', /\bpicocli\b/, 'picocli'],
];

const DEFAULT_TEST_TOOL: Record<Language, string> = {
  typescript: 'Vitest',
  javascript: 'Jest',
  go: 'go test',
  python: 'pytest',
  rust: 'cargo test',
  java: 'JUnit 5',
  kotlin: 'JUnit 5',
  ruby: 'RSpec',
  php: 'PHPUnit',
  csharp: 'xUnit',
  other: 'the existing test suite',
};

const EXTENSIONS: Record<Language, string> = {
  typescript: 'ts',
  javascript: 'js',
  go: 'go',
  python: 'py',
  rust: 'rs',
  java: 'java',
  kotlin: 'kt',
  ruby: 'rb',
  php: 'php',
  csharp: 'cs',
  other: 'txt',
};

const E2E_TOOLS = /^(playwright|cypress|selenium|capybara|puppeteer|webdriverio)$/i;

function pickFirst<T extends string>(table: Array<[T, RegExp, string, ...string[]]>, has: Haystack) {
  return table.find(([, pattern]) => has(pattern)) ?? null;
}

function languageFits(backend: Backend, language: Language): boolean {
  const byLanguage: Record<string, Language[]> = {
    nextjs: ['typescript', 'javascript'],
    nestjs: ['typescript', 'javascript'],
    express: ['typescript', 'javascript'],
    fastify: ['typescript', 'javascript'],
    koa: ['typescript', 'javascript'],
    hono: ['typescript', 'javascript'],
    django: ['python'],
    fastapi: ['python'],
    flask: ['python'],
    rails: ['ruby'],
    spring: ['java', 'kotlin'],
    gin: ['go'],
    echo: ['go'],
    chi: ['go'],
    gohttp: ['go'],
    axum: ['rust'],
    actix: ['rust'],
    rocket: ['rust'],
    laravel: ['php'],
    aspnet: ['csharp'],
  };
  return byLanguage[backend]?.includes(language) ?? false;
}

function featureDirsOf(ctx: RepoContext): string[] {
  const dirs = new Set<string>();
  for (const file of ctx.relevantFiles) {
    const parts = file.path.split('/');
    if (parts.length < 2) continue;
    // "src/cart/cart.ts" → "src/cart/"; "orders/models.py" → "orders/".
    const depth = ['src', 'app', 'lib', 'internal', 'pkg', 'server', 'client', 'web'].includes(parts[0]!)
      ? 2
      : 1;
    if (parts.length > depth) dirs.add(`${parts.slice(0, depth).join('/')}/`);
  }
  return [...dirs].slice(0, 6);
}

function javaPackageOf(ctx: RepoContext): string | null {
  for (const file of ctx.relevantFiles) {
    const match = /src\/main\/(?:java|kotlin)\/((?:[a-z0-9_]+\/){2,3})/.exec(file.path);
    if (match) return match[1]!.replace(/\/$/, '');
  }
  const name = ctx.repo.split('/')[1] ?? 'app';
  return `com/example/${name.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}

function uiBaseOf(ctx: RepoContext, clientRoot: string): string {
  for (const file of ctx.relevantFiles) {
    const match =
      /^((?:[a-z0-9_-]+\/)*?(?:client|web|frontend|ui)\/)(?:pages|components|views|routes|app)\//.exec(
        file.path,
      );
    if (match) return match[1]!;
  }
  return clientRoot ? `${clientRoot}src/` : 'src/';
}

const FEATURE_FOLDER_FILE = /(^|\/)([a-z0-9-]+)\/\2\.(routes|router|service|controller)\.(ts|js)$/;

function splitRoots(ctx: RepoContext): { serverRoot: string; clientRoot: string } {
  const top = new Set(ctx.topLevel.map((entry) => entry.toLowerCase()));
  const server = ['server/', 'backend/', 'api/'].find((d) => top.has(d)) ?? '';
  const client = ['client/', 'frontend/', 'web/', 'ui/'].find((d) => top.has(d)) ?? '';
  return { serverRoot: server && client ? server : '', clientRoot: server && client ? client : client };
}

export function profileStack(ctx: RepoContext): StackProfile {
  const has = haystackOf(ctx);
  const { language, name: languageName } = detectLanguage(ctx);

  let backendEntry = pickFirst(BACKENDS, has);
  if (backendEntry && !languageFits(backendEntry[0], language)) {
    backendEntry = BACKENDS.find(([id, pattern]) => has(pattern) && languageFits(id, language)) ?? null;
  }
  let backend: Backend | null = backendEntry?.[0] ?? null;
  let backendName = backendEntry?.[2] ?? null;
  const looksLikeGoService =
    language === 'go' && (has(/net\/http/) || ctx.topLevel.includes('cmd/')) && !has(/cobra|urfave/);
  if (!backend && looksLikeGoService && has(/net\/http|server/)) {
    backend = 'gohttp';
    backendName = 'net/http';
  }

  const frontendEntry =
    ['typescript', 'javascript'].includes(language) || has(/package\.json/)
      ? pickFirst(FRONTENDS, has)
      : null;
  let frontend: Frontend | null = frontendEntry?.[0] ?? null;
  let frontendName = frontendEntry?.[2] ?? null;
  if (!frontend && (backend === 'django' || backend === 'rails' || backend === 'laravel')) {
    frontend = 'templates';
    frontendName =
      backend === 'django' ? 'Django templates' : backend === 'rails' ? 'ERB views' : 'Blade views';
  }
  if (!frontend && backend === 'spring' && has(/thymeleaf/)) {
    frontend = 'templates';
    frontendName = 'Thymeleaf templates';
  }

  let ormEntry = ORMS.find(([, pattern]) => has(pattern)) ?? null;
  if (backend === 'django') ormEntry = ['django-orm', /django/, 'the Django ORM', 'Django'];
  if (ormEntry?.[0] === 'activerecord' && language !== 'ruby') ormEntry = null;
  if (ormEntry?.[0] === 'eloquent' && language !== 'php') ormEntry = null;
  let migrationTool = ormEntry?.[3] ?? null;
  if (ormEntry?.[0] === 'jpa' && has(/liquibase/)) migrationTool = 'Liquibase';
  if (language === 'go' && has(/pressly\/goose|\bgoose\b/)) migrationTool = 'goose';
  else if (language === 'go' && has(/golang-migrate/)) migrationTool = 'golang-migrate';
  let hasDatabase = ormEntry !== null;
  if (!ormEntry && has(/\b(pg|postgres|mysql2?|mariadb|sqlite3?|lib\/pq|pgx|psycopg2?|mongodb)\b/)) {
    hasDatabase = true;
    migrationTool = language === 'go' ? 'goose/migrate' : 'plain SQL';
  }

  const cliEntry = pickFirst(CLIS, has);
  let cli: Cli | null = cliEntry?.[0] ?? null;
  let cliName = cliEntry?.[2] ?? null;
  if (!cli && language === 'go' && !backend) {
    cli = 'goflag';
    cliName = 'the standard flag package';
  }
  if (!cli && language === 'python' && !backend && has(/argparse|console_scripts|\[project\.scripts\]/)) {
    cli = 'argparse';
    cliName = 'argparse';
  }

  const unitTool = ctx.testTools.find((tool) => !E2E_TOOLS.test(tool));
  const e2eTool = ctx.testTools.find((tool) => E2E_TOOLS.test(tool)) ?? null;
  const jobRunner = has(/\bbullmq\b/)
    ? 'BullMQ'
    : has(/\bcelery\b/)
      ? 'Celery'
      : has(/\bsidekiq\b/)
        ? 'Sidekiq'
        : has(/\brq\b/)
          ? 'RQ'
          : has(/\basynq\b/)
            ? 'asynq'
            : null;
  const cache = has(/\b(ioredis|redis|go-redis|django-redis|spring-boot-starter-data-redis)\b/)
    ? 'Redis'
    : has(/memcache/)
      ? 'Memcached'
      : null;

  return {
    language,
    languageName,
    backend,
    backendName,
    frontend,
    frontendName,
    orm: ormEntry?.[0] ?? null,
    ormName: ormEntry?.[2] ?? null,
    migrationTool,
    testTool: unitTool ?? DEFAULT_TEST_TOOL[language],
    e2eTool,
    cli,
    cliName,
    appName: (ctx.repo.split('/')[1] ?? ctx.repo).toLowerCase(),
    ext: frontend === 'nextjs' && language === 'javascript' ? 'js' : EXTENSIONS[language],
    hasDatabase,
    ...splitRoots(ctx),
    uiBase: uiBaseOf(ctx, splitRoots(ctx).clientRoot),
    nextAppDir: ctx.topLevel.includes('app/') ? 'app/' : 'src/app/',
    featureFolders: ctx.relevantFiles.some((f) => FEATURE_FOLDER_FILE.test(f.path)),
    layered: ctx.relevantFiles.some((f) =>
      /^(server\/|backend\/)?src\/(routes|controllers|models|services)\//.test(f.path),
    ),
    javaPackage: language === 'java' || language === 'kotlin' ? javaPackageOf(ctx) : null,
    featureDirs: featureDirsOf(ctx),
    testDir: ['test/', 'tests/', 'spec/', '__tests__/'].find((d) => ctx.topLevel.includes(d)) ?? null,
    jobRunner,
    cache,
    summary: ctx.stackSummary,
    fileCount: ctx.fileCount,
  };
}

/** "Express + React", "Django", "a Go CLI (cobra)" — how the spec refers to the stack in prose. */
export function stackPhrase(stack: StackProfile): string {
  if (
    stack.backendName &&
    stack.frontendName &&
    stack.frontend !== 'templates' &&
    stack.backend !== 'nextjs'
  ) {
    return `${stack.backendName} + ${stack.frontendName}`;
  }
  if (stack.backendName) return stack.backendName;
  if (stack.frontendName) return `${stack.frontendName} app`;
  if (stack.cli) return `${stack.languageName} CLI (${stack.cliName})`;
  return `${stack.languageName} project`;
}
