import { extensionOf, fileNameOf } from '../path-roles.ts';

/**
 * Architecture facts read from a file's text, each citing `path:line`. Detection is by the
 * idioms each framework documents (a drizzle `pgTable(…)`, a Flask `@app.route(…)`, a Gin
 * `r.GET(…)`): it needs no parse, so it works for every file the engine reads, and one file's
 * facts change only when that file does.
 */

export type FactCategory =
  | 'data-model'
  | 'database'
  | 'http-route'
  | 'ui-route'
  | 'auth'
  | 'job'
  | 'config'
  | 'test-setup';

export interface Fact {
  category: FactCategory;
  /** What: a table or model name, `GET /orders`, an environment variable, a library. */
  name: string;
  /** The framework or library the idiom belongs to. */
  via: string;
  path: string;
  line: number;
  /** The code symbol behind it: a route's handler, the variable holding a table. */
  symbol?: string;
  /** A remark on what the code shows, e.g. `no index` for a table. */
  detail?: string;
}

interface Detector {
  category: FactCategory;
  via: string;
  /** Which files the detector reads (by path). */
  applies: (path: string) => boolean;
  pattern: RegExp;
  /** The fact's name from a match; null skips the match. */
  name: (match: RegExpExecArray, text: string) => string | null;
  symbol?: (match: RegExpExecArray) => string | undefined;
  detail?: (match: RegExpExecArray, text: string) => string | undefined;
}

const isJs = (path: string) => /^(ts|tsx|js|jsx|mjs|cjs|mts|cts)$/.test(extensionOf(path));
const isPy = (path: string) => extensionOf(path) === 'py';
const isGo = (path: string) => extensionOf(path) === 'go';
const isJava = (path: string) => /^(java|kt)$/.test(extensionOf(path));
const isRuby = (path: string) => extensionOf(path) === 'rb';
const isSql = (path: string) => extensionOf(path) === 'sql';
const isPhp = (path: string) => extensionOf(path) === 'php';
const isCs = (path: string) => extensionOf(path) === 'cs';
const anyCode = (path: string) =>
  isJs(path) || isPy(path) || isGo(path) || isJava(path) || isRuby(path) || isPhp(path) || isCs(path);

const MANIFEST_NAMES =
  /^(package\.json|requirements[\w.-]*\.txt|pyproject\.toml|Pipfile|setup\.py|go\.mod|pom\.xml|build\.gradle(\.kts)?|Gemfile|composer\.json|Cargo\.toml|[\w.-]+\.csproj)$/;

/** Which engine a driver or URL scheme speaks to. */
const DATABASE_ENGINES: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^(pg|postgres|postgresql|psycopg.*|asyncpg|lib\/pq|jackc\/pgx.*|gorm\.io\/driver\/postgres|Npgsql|tokio-postgres)$/i,
    'PostgreSQL',
  ],
  [
    /^(mysql2?|mariadb|pymysql|mysqlclient|go-sql-driver\/mysql|gorm\.io\/driver\/mysql|mysql-connector-j|Pomelo\.EntityFrameworkCore\.MySql)$/i,
    'MySQL/MariaDB',
  ],
  [
    /^(better-sqlite3|sqlite3?|aiosqlite|mattn\/go-sqlite3|glebarez\/sqlite|gorm\.io\/driver\/sqlite|sqlite-jdbc|Microsoft\.EntityFrameworkCore\.Sqlite|rusqlite|turso)$/i,
    'SQLite',
  ],
  [/^(mongodb|mongodb\+srv|mongoose|pymongo)$/i, 'MongoDB'],
  [/^(redis|ioredis)$/i, 'Redis'],
  [/^Microsoft\.EntityFrameworkCore\.SqlServer$/i, 'SQL Server'],
  [/^h2$/i, 'H2'],
  [/^(singlestore)$/i, 'SingleStore'],
];

const HTTP_METHOD = '(get|post|put|patch|delete|all|head|options)';
const upper = (method: string) => (method.toLowerCase() === 'all' ? 'ANY' : method.toUpperCase());
const lastIdentifier = (text: string | undefined) => text?.match(/([A-Za-z_$][\w$]*)\s*\)?\s*$/)?.[1];

const DETECTORS: Detector[] = [
  // —— data model
  {
    category: 'data-model',
    via: 'drizzle',
    applies: isJs,
    pattern: /(?:\b(\w+)\s*=\s*)?\b(?:pg|mysql|sqlite)Table\(\s*['"`](\w+)['"`]/g,
    name: (m) => m[2] ?? null,
    symbol: (m) => m[1],
    detail: (m, text) => {
      // The table's definition runs to the next table (or the end of the file).
      const rest = text.slice(m.index + m[0].length);
      const next = rest.search(/\b(?:pg|mysql|sqlite)Table\(/);
      // A unique column is indexed by the database as well.
      return /\b(?:uniqueIndex|index)\(|\.unique\(\)/.test(next === -1 ? rest : rest.slice(0, next))
        ? undefined
        : 'no index';
    },
  },
  {
    category: 'data-model',
    via: 'drizzle index',
    applies: isJs,
    pattern: /\b(?:uniqueIndex|index)\(\s*['"`](\w+)['"`]\s*\)\s*\.on\(\s*(\w+)\.(\w+)/g,
    name: (m) => `index ${m[1]} on ${m[2]}.${m[3]}`,
    symbol: (m) => m[2],
  },
  {
    category: 'data-model',
    via: 'Prisma',
    applies: (p) => extensionOf(p) === 'prisma',
    pattern: /^model\s+(\w+)\s*\{/gm,
    name: (m) => m[1] ?? null,
  },
  {
    category: 'data-model',
    via: 'TypeORM',
    applies: isJs,
    pattern: /@Entity\([^)]*\)\s*(?:export\s+)?(?:default\s+)?class\s+(\w+)/g,
    name: (m) => m[1] ?? null,
  },
  {
    category: 'data-model',
    via: 'Sequelize',
    applies: isJs,
    pattern: /\.define\(\s*['"`](\w+)['"`]|class\s+(\w+)\s+extends\s+Model\b/g,
    name: (m) => m[1] ?? m[2] ?? null,
  },
  {
    category: 'data-model',
    via: 'SQL',
    applies: isSql,
    pattern: /\bcreate\s+table\s+(?:if\s+not\s+exists\s+)?[`"[]?(?:\w+[`"\]]?\.)?[`"[]?(\w+)/gi,
    name: (m) => m[1] ?? null,
  },
  {
    category: 'data-model',
    via: 'SQL index',
    applies: isSql,
    pattern: /\bcreate\s+(?:unique\s+)?index\s+(?:if\s+not\s+exists\s+)?[`"]?(\w+)[`"]?\s+on\s+[`"]?(\w+)/gi,
    name: (m) => `index ${m[1]} on ${m[2]}`,
    symbol: (m) => m[2],
  },
  {
    category: 'data-model',
    via: 'Django',
    applies: isPy,
    pattern: /^class\s+(\w+)\((?:[\w.]*\.)?Model\):/gm,
    name: (m) => m[1] ?? null,
  },
  {
    category: 'data-model',
    via: 'SQLAlchemy',
    applies: isPy,
    pattern: /^class\s+(\w+)\((?:Base|db\.Model|DeclarativeBase|SQLModel)(?:,[^)]*)?\):/gm,
    name: (m) => m[1] ?? null,
  },
  {
    category: 'data-model',
    via: 'ActiveRecord',
    applies: isRuby,
    pattern: /^\s*class\s+(\w+)\s*<\s*(?:ApplicationRecord|ActiveRecord::Base)\b|create_table\s+:(\w+)/gm,
    name: (m) => m[1] ?? m[2] ?? null,
  },
  {
    category: 'data-model',
    via: 'GORM',
    applies: isGo,
    pattern: /^type\s+(\w+)\s+struct\s*\{([^}]*)\}/gm,
    name: (m) => (/gorm\.Model|gorm:"/.test(m[2] ?? '') ? (m[1] ?? null) : null),
  },
  {
    category: 'data-model',
    via: 'JPA',
    applies: isJava,
    pattern: /@Entity\b[\s\S]{0,200}?\bclass\s+(\w+)/g,
    name: (m) => m[1] ?? null,
  },
  {
    category: 'data-model',
    via: 'Entity Framework',
    applies: isCs,
    pattern: /\bDbSet<(\w+)>/g,
    name: (m) => m[1] ?? null,
  },
  // —— database engine and driver
  {
    category: 'database',
    via: 'dependency',
    applies: (p) => MANIFEST_NAMES.test(fileNameOf(p)),
    pattern:
      /["'\s/]((?:pg|postgres|mysql2?|better-sqlite3|sqlite3|mongodb|mongoose|ioredis|redis|psycopg2?(?:-binary)?|psycopg|asyncpg|pymysql|mysqlclient|aiosqlite|pymongo|lib\/pq|jackc\/pgx(?:\/v\d)?|go-sql-driver\/mysql|mattn\/go-sqlite3|glebarez\/sqlite|gorm\.io\/driver\/\w+|postgresql|mysql-connector-j|h2|sqlite-jdbc|Npgsql|Pomelo\.EntityFrameworkCore\.MySql|Microsoft\.EntityFrameworkCore\.Sqlite|Microsoft\.EntityFrameworkCore\.SqlServer|sqlx|diesel|rusqlite|tokio-postgres))\b["'\s=<>~^@:\d]/g,
    name: (m) => {
      const driver = m[1] ?? '';
      const engine = DATABASE_ENGINES.find(([pattern]) => pattern.test(driver))?.[1];
      return engine ? `${engine} (driver ${driver})` : null;
    },
  },
  {
    category: 'database',
    via: 'connection URL',
    applies: (p) =>
      anyCode(p) ||
      /(^|\/)(\.env\.\w+|docker-compose\.ya?ml|compose\.ya?ml|[\w.-]+\.(toml|ini|ya?ml|json|properties))$/.test(
        p,
      ),
    pattern: /\b(postgres(?:ql)?|mysql|mariadb|sqlite|mongodb(?:\+srv)?|redis):\/\/?/g,
    name: (m) => DATABASE_ENGINES.find(([pattern]) => pattern.test(m[1] ?? ''))?.[1] ?? null,
  },
  {
    category: 'database',
    via: 'drizzle dialect',
    applies: isJs,
    pattern: /\bdialect:\s*['"](postgresql|mysql|sqlite|turso|singlestore)['"]/g,
    name: (m) => DATABASE_ENGINES.find(([pattern]) => pattern.test(m[1] ?? ''))?.[1] ?? null,
  },
  // —— HTTP routes
  {
    category: 'http-route',
    via: 'Express/Koa/Hono/Fastify',
    applies: isJs,
    pattern: new RegExp(
      `\\b(?:app|router|api|server|fastify|\\w+Router|routes|r)\\.${HTTP_METHOD}\\(\\s*['"\`]([^'"\`]+)['"\`]([^\\n]*)`,
      'gi',
    ),
    name: (m) => `${upper(m[1] ?? '')} ${m[2]}`,
    symbol: (m) => lastIdentifier(m[3]?.replace(/\)\s*;?\s*$/, '')),
  },
  {
    category: 'http-route',
    via: 'Nest',
    applies: isJs,
    pattern: /@(Get|Post|Put|Patch|Delete|All)\(\s*(?:['"`]([^'"`]*)['"`])?\s*\)\s*(?:async\s+)?(\w+)/g,
    name: (m, text) => {
      const prefix = /@Controller\(\s*['"`]([^'"`]*)['"`]/.exec(text)?.[1] ?? '';
      const path = `/${[prefix, m[2] ?? ''].filter(Boolean).join('/')}`.replace(/\/+/g, '/');
      return `${upper(m[1] ?? '')} ${path}`;
    },
    symbol: (m) => m[3],
  },
  {
    category: 'http-route',
    via: 'Flask',
    applies: isPy,
    pattern: /@\w+\.route\(\s*['"]([^'"]+)['"]([^)]*)\)\s*\n(?:\s*@[^\n]*\n)*\s*(?:async\s+)?def\s+(\w+)/g,
    name: (m) => {
      const methods = /methods\s*=\s*\[([^\]]*)\]/.exec(m[2] ?? '')?.[1]?.match(/\w+/g) ?? ['GET'];
      return `${methods.map(upper).join('|')} ${m[1]}`;
    },
    symbol: (m) => m[3],
  },
  {
    category: 'http-route',
    via: 'FastAPI',
    applies: isPy,
    pattern:
      /@(\w+)\.(get|post|put|patch|delete)\(\s*['"]([^'"]*)['"][^\n]*\n(?:\s*@[^\n]*\n)*\s*(?:async\s+)?def\s+(\w+)/g,
    name: (m, text) => {
      const router = m[1] ?? '';
      const prefix =
        new RegExp(`\\b${router}\\s*=\\s*APIRouter\\([^)]*prefix\\s*=\\s*['"]([^'"]*)['"]`).exec(text)?.[1] ??
        '';
      return `${upper(m[2] ?? '')} ${prefix}${m[3]}` || null;
    },
    symbol: (m) => m[4],
  },
  {
    category: 'http-route',
    via: 'Django',
    applies: (p) => isPy(p) && /(^|\/)urls\.py$/.test(p),
    pattern: /\b(?:re_)?path\(\s*r?['"]([^'"]*)['"]\s*,\s*([\w.]+)/g,
    name: (m) => `ANY /${m[1]}`,
    symbol: (m) => m[2]?.split('.').pop(),
  },
  {
    category: 'http-route',
    via: 'Rails',
    applies: (p) => /(^|\/)config\/routes\.rb$/.test(p),
    pattern: /^\s*(?:(get|post|put|patch|delete)\s+['"]([^'"]+)['"]|resources?\s+:(\w+))/gm,
    name: (m) => (m[3] ? `RESOURCES /${m[3]}` : `${upper(m[1] ?? '')} ${m[2]}`),
  },
  {
    category: 'http-route',
    via: 'Gin/Echo/chi/net/http',
    applies: isGo,
    pattern:
      /\.(GET|POST|PUT|PATCH|DELETE|Get|Post|Put|Patch|Delete|Handle|HandleFunc|Any)\(\s*"([^"]+)"\s*,\s*([^\n]*)/g,
    name: (m) => {
      const verb = m[1] ?? '';
      const path = m[2] ?? '';
      // Go 1.22 patterns carry their method: "GET /orders/{id}".
      const withMethod = /^([A-Z]+)\s+(\/.*)$/.exec(path);
      if (withMethod) return `${withMethod[1]} ${withMethod[2]}`;
      return `${/^Handle/.test(verb) || verb === 'Any' ? 'ANY' : verb.toUpperCase()} ${path}`;
    },
    symbol: (m) => lastIdentifier(m[3]?.replace(/\)\s*$/, '')),
  },
  {
    category: 'http-route',
    via: 'Spring',
    applies: isJava,
    pattern:
      /@(Get|Post|Put|Patch|Delete|Request)Mapping\(\s*(?:(?:value|path)\s*=\s*)?"([^"]*)"[^)]*\)\s*(?:@\w+(?:\([^)]*\))?\s*)*(?:public\s+)?[\w<>,\s?]+?\s(\w+)\s*\(/g,
    name: (m, text) => {
      const prefix =
        /@RequestMapping\(\s*(?:(?:value|path)\s*=\s*)?"([^"]*)"[^)]*\)\s*(?:@\w+\s*)*(?:public\s+)?class/.exec(
          text,
        )?.[1] ?? '';
      return `${m[1] === 'Request' ? 'ANY' : upper(m[1] ?? '')} ${prefix}${m[2]}`;
    },
    symbol: (m) => m[3],
  },
  {
    category: 'http-route',
    via: 'Laravel',
    applies: isPhp,
    pattern: /Route::(get|post|put|patch|delete|any)\(\s*['"]([^'"]+)['"]/g,
    name: (m) => `${upper(m[1] ?? '')} ${m[2]}`,
  },
  // —— UI routes
  {
    category: 'ui-route',
    via: 'React Router',
    applies: isJs,
    pattern: /<Route\b[^>]*\bpath=["'{`]+([^"'}`]+)/g,
    name: (m) => m[1] ?? null,
  },
  {
    category: 'ui-route',
    via: 'router config',
    applies: (p) => isJs(p),
    pattern:
      /\{\s*path:\s*['"`]([^'"`]*)['"`]\s*,[^}]*?\b(?:element|component|Component|lazy|loader|children)\s*:/g,
    name: (m, text) => (/react-router|vue-router|@tanstack\/react-router/.test(text) ? m[1] || '/' : null),
  },
  // —— authentication
  {
    category: 'auth',
    via: 'library',
    applies: anyCode,
    pattern:
      /\b(passport|jsonwebtoken|jwt\.(?:sign|verify|decode)|jose|bcrypt|argon2|next-auth|@auth\/\w+|express-session|cookie-session|lucia|OAuth2PasswordBearer|HTTPBearer|HTTPBasic|flask_login|login_required|LoginRequiredMixin|IsAuthenticated|django\.contrib\.auth|golang-jwt|jwt-go|BasicAuth|devise|has_secure_password|authenticate_user!|@PreAuthorize|SecurityFilterChain|@UseGuards|AuthGuard|\[Authorize\]|AddAuthentication)\b/g,
    name: (m) => m[1] ?? null,
  },
  {
    category: 'auth',
    via: 'middleware',
    applies: anyCode,
    pattern:
      /\b(?:function|def|func|const|let)\s+((?:require|ensure|check|verify|authenticate|authorize)\w*(?:Auth|User|Token|Session|Login|Admin)\w*|\w*[Aa]uth(?:enticate|orize)?(?:Middleware|Guard|Required)\w*)/g,
    name: (m) => m[1] ?? null,
  },
  // —— background jobs
  {
    category: 'job',
    via: 'queue or scheduler',
    applies: anyCode,
    pattern:
      /\b(bullmq|new Queue\(|new Worker\(|agenda|node-cron|cron\.schedule|@shared_task|@\w+\.task\b|celery|apscheduler|BackgroundTasks|rq\.Queue|time\.NewTicker|cron\.New\(\)|asynq|Sidekiq::Worker|ActiveJob|perform_later|@Scheduled|@Async|IHostedService|BackgroundService)/g,
    name: (m) => m[1]?.replace(/\($/, '') ?? null,
  },
  // —— configuration
  {
    category: 'config',
    via: 'environment',
    applies: anyCode,
    pattern:
      /process\.env\.([A-Z][A-Z0-9_]+)|process\.env\[['"]([A-Z][A-Z0-9_]+)['"]\]|os\.environ(?:\.get)?[[(]\s*['"]([A-Z][A-Z0-9_]+)['"]|os\.getenv\(\s*['"]([A-Z][A-Z0-9_]+)['"]|os\.(?:Getenv|LookupEnv)\(\s*"([A-Z][A-Z0-9_]+)"|ENV(?:\.fetch\(|\[)\s*['"]([A-Z][A-Z0-9_]+)['"]|System\.getenv\(\s*"([A-Z][A-Z0-9_]+)"|Environment\.GetEnvironmentVariable\(\s*"([A-Z][A-Z0-9_]+)"|\benv\(\s*['"]([A-Z][A-Z0-9_]+)['"]/g,
    name: (m) => m.slice(1).find((group) => group !== undefined) ?? null,
  },
  {
    category: 'config',
    via: 'env example',
    applies: (p) => /^\.env\.(example|sample|template|dist)$|^\.env\.defaults$/.test(fileNameOf(p)),
    pattern: /^([A-Z][A-Z0-9_]+)=/gm,
    name: (m) => m[1] ?? null,
  },
];

/** The 1-based line of each character offset, by binary search over line starts. */
function lineLocator(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

/** At most this many facts of one kind per file (a 500-variable config module is one fact's worth). */
const MAX_FACTS_PER_DETECTOR = 50;

/** Facts stated by one file's text. */
export function factsOfFile(path: string, text: string): Fact[] {
  const facts: Fact[] = [];
  let lineOf: ((offset: number) => number) | undefined;
  for (const detector of DETECTORS) {
    if (!detector.applies(path)) continue;
    detector.pattern.lastIndex = 0;
    let found = 0;
    for (let match = detector.pattern.exec(text); match; match = detector.pattern.exec(text)) {
      if (match[0].length === 0) detector.pattern.lastIndex++;
      const name = detector.name(match, text);
      if (!name) continue;
      lineOf ??= lineLocator(text);
      const symbol = detector.symbol?.(match);
      const detail = detector.detail?.(match, text);
      facts.push({
        category: detector.category,
        name,
        via: detector.via,
        path,
        line: lineOf(match.index),
        ...(symbol ? { symbol } : {}),
        ...(detail ? { detail } : {}),
      });
      if (++found >= MAX_FACTS_PER_DETECTOR) break;
    }
  }
  facts.push(...fileRouteFacts(path));
  const testTool = TEST_SETUP_FILES.find(([pattern]) => pattern.test(fileNameOf(path)))?.[1];
  if (testTool)
    facts.push({ category: 'test-setup', name: testTool, via: 'configuration file', path, line: 1 });
  return facts;
}

const TEST_SETUP_FILES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^vitest\.(config|workspace)\.[cm]?[jt]s$/, 'Vitest'],
  [/^jest\.config\.([cm]?[jt]s|json)$/, 'Jest'],
  [/^playwright\.config\.[cm]?[jt]s$/, 'Playwright'],
  [/^cypress\.config\.[cm]?[jt]s$/, 'Cypress'],
  [/^(pytest\.ini|conftest\.py|tox\.ini)$/, 'pytest'],
  [/^phpunit\.xml(\.dist)?$/, 'PHPUnit'],
  [/^(\.rspec|spec_helper\.rb|rails_helper\.rb)$/, 'RSpec'],
  [/^test_helper\.rb$/, 'Minitest'],
  [/^main_test\.go$|^testmain_test\.go$/, 'go test (TestMain)'],
];

/** Routes that are files: Next.js pages and route handlers. */
function fileRouteFacts(path: string): Fact[] {
  const page = /^(?:src\/)?(?:apps\/[^/]+\/)?(?:src\/)?app\/(.*?)\/?page\.(?:tsx|jsx|ts|js)$/.exec(path);
  if (page)
    return [
      { category: 'ui-route', name: nextRoute(page[1] ?? ''), via: 'Next.js app router', path, line: 1 },
    ];
  const handler = /^(?:src\/)?(?:apps\/[^/]+\/)?(?:src\/)?app\/(.*?)\/?route\.(?:ts|js)$/.exec(path);
  if (handler)
    return [
      {
        category: 'http-route',
        name: `ANY ${nextRoute(handler[1] ?? '')}`,
        via: 'Next.js route handler',
        path,
        line: 1,
      },
    ];
  const api = /^(?:src\/)?(?:apps\/[^/]+\/)?(?:src\/)?pages\/(api\/.*)\.(?:tsx|jsx|ts|js)$/.exec(path);
  if (api)
    return [
      {
        category: 'http-route',
        name: `ANY ${nextRoute(api[1] ?? '')}`,
        via: 'Next.js API route',
        path,
        line: 1,
      },
    ];
  // Next.js page files are named after their URL (`orders.tsx`, `[id].tsx`); a PascalCase
  // `OrdersPage.tsx` under `pages/` is a React component, not a route.
  const pagesRoute =
    /^(?:src\/)?(?:apps\/[^/]+\/)?(?:src\/)?pages\/((?:[^/]+\/)*[a-z0-9[\]._-]+)\.(?:tsx|jsx)$/.exec(path);
  if (pagesRoute && !/(^|\/)_(app|document|error)$/.test(pagesRoute[1] ?? ''))
    return [
      { category: 'ui-route', name: nextRoute(pagesRoute[1] ?? ''), via: 'Next.js pages', path, line: 1 },
    ];
  return [];
}

function nextRoute(segments: string): string {
  const parts = segments
    .split('/')
    .filter((part) => part !== '' && part !== 'index' && !/^\(.*\)$/.test(part));
  return `/${parts.join('/')}`;
}
