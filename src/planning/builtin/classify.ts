import type { RepoContext } from '../../context/types.ts';
import type { FeatureType } from '../schemas.ts';
import type { TemplateId } from './templates/types.ts';
import { normalize } from './text.ts';

/**
 * Decides what kind of work an issue asks for by weighted keywords: the title counts more than
 * the body, negative hints subtract ("integration tests" is not an integration), and the
 * repository's stack nudges close calls. Bug fixes and performance work are intents that win
 * over the area they touch ("checkout crashes" is a bug in payments, not a payments feature).
 */

export interface Signal {
  template: TemplateId;
  term: string;
  where: 'title' | 'body' | 'stack';
  weight: number;
}

export interface Classification {
  featureType: FeatureType;
  /** The finer template (e.g. `configuration` for config-file work classified as `general`). */
  template: TemplateId;
  /** 0..1: how clearly the winner beat the runner-up. */
  confidence: number;
  /** Signals that counted for the winner, strongest first. */
  signals: Signal[];
  /** For bug fixes and performance work: the best-scoring feature area, if any (e.g. "payments"). */
  area: TemplateId | null;
  /** Scores per template, for explanations and tests. */
  scores: Record<string, number>;
}

interface Rule {
  term: string;
  pattern: RegExp;
  weight: number;
}

const TITLE_WEIGHT = 2.5;
const THRESHOLD = 3;
const INTENT_THRESHOLD = 5;
const AREA_THRESHOLD = 4;

function r(term: string, weight: number, pattern?: RegExp): Rule {
  return {
    term,
    weight,
    pattern: pattern ?? new RegExp(`\\b${term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`),
  };
}

const RULES: Record<Exclude<TemplateId, 'general'>, Rule[]> = {
  authentication: [
    r('login', 3, /\blog ?in(s)?\b|\blogging in\b/),
    r('sign in', 3, /\bsign[- ]?in\b/),
    r('sign up', 2, /\bsign[- ]?up\b/),
    r('register', 2, /\bregist(er|ration)\b/),
    r('password', 3, /\bpasswords?\b/),
    r('authentication', 4, /\bauth(entication|enticate|n)?\b/),
    r('oauth', 3),
    r('sso', 3),
    r('saml', 3),
    r('oidc', 3, /\boidc\b|\bopenid\b/),
    r('2fa', 3, /\b2fa\b|\bmfa\b|\btwo[- ]factor\b|\btotp\b/),
    r('session', 1, /\bsessions?\b/),
    r('jwt', 2, /\bjwts?\b/),
    r('logout', 2, /\blog ?out\b|\bsign[- ]?out\b/),
    r('magic link', 3, /\bmagic[- ]links?\b/),
    r('roles', 1, /\broles?\b|\brbac\b/),
  ],
  payments: [
    r('payment', 4, /\bpayments?\b/),
    r('pay', 2, /\bpay(ing)?\b/),
    r('checkout', 3),
    r('stripe', 4),
    r('paypal', 4, /\bpay ?pal\b/),
    r('billing', 3),
    r('subscription', 2, /\bsubscriptions?\b/),
    r('refund', 3, /\brefunds?\b/),
    r('credit card', 3, /\b(credit )?cards? payments?\b|\bcredit cards?\b/),
    r('invoice', 1, /\binvoic(e|es|ing)\b/),
    r('pci', 3),
    r('adyen/mollie/braintree', 4, /\b(adyen|mollie|braintree)\b/),
  ],
  crud_api: [
    r('crud', 5),
    r('endpoint', 2, /\bendpoints?\b/),
    r('rest api', 3, /\brest(ful)? api\b/),
    r('api', 1),
    r('resource', 2, /\bresources?\b/),
    r('create/update/delete', 3, /\bcreate\b[^.]{0,30}\b(update|edit)\b[^.]{0,30}\bdelete\b/),
    r('manage', 1.5, /\bmanag(e|ing)\b/),
    r('model', 1, /\bmodels?\b/),
    r('graphql', 2),
  ],
  ui_page: [
    r('page', 2, /\bpages?\b/),
    r('screen', 2, /\bscreens?\b/),
    r('dashboard', 3, /\bdashboards?\b/),
    r('ui', 2, /\bui\b|\buser interface\b/),
    r('frontend', 2, /\bfront[- ]?end\b/),
    r('component', 1.5, /\bcomponents?\b/),
    r('view', 1, /\bviews?\b/),
    r('layout', 1),
    r('modal', 2),
    r('dark mode', 3),
    r('responsive', 2),
    r('settings page', 3),
  ],
  integration: [
    r('integrate', 4, /\bintegrat(e|es|ion|ions|ing)\b/),
    r('slack', 3),
    r('jira', 3),
    r('github', 2),
    r('gitlab', 2),
    r('salesforce/hubspot', 3, /\b(salesforce|hubspot|zapier|shopify|quickbooks|mailchimp)\b/),
    r('teams/discord', 2, /\b(microsoft teams|discord)\b/),
    r('third-party', 2, /\bthird[- ]party\b|\bexternal (api|service)\b/),
    r('sync with', 2, /\bsync(hroni[sz]e)? (with|to|from)\b/),
    r('webhook', 1, /\bwebhooks?\b/),
  ],
  notifications: [
    r('notification', 4, /\bnotif(y|ies|ication|ications)\b/),
    r('email', 2, /\be-?mails?\b/),
    r('sms', 3),
    r('push notification', 3, /\bpush notifications?\b/),
    r('alert', 2, /\balerts?\b/),
    r('reminder', 2, /\breminders?\b/),
    r('digest', 2),
    r('newsletter', 2),
    r('smtp', 2),
    r('twilio', 3),
  ],
  search: [
    r('search', 4, /\bsearch(es|ing|able)?\b/),
    r('full-text', 3, /\bfull[- ]?text\b/),
    r('search engine', 3, /\b(elasticsearch|opensearch|meilisearch|typesense|algolia|solr)\b/),
    r('autocomplete', 3, /\bautocomplete\b|\btype-?ahead\b/),
    r('fuzzy', 2),
    r('facets', 3, /\bfacet(s|ed)?\b/),
    r('filter', 1, /\bfilter(s|ing)?\b/),
    r('find', 0.5),
  ],
  import_export: [
    r('import', 3, /\bimport(s|ing)?\b/),
    r('export', 3, /\bexport(s|ing)?\b/),
    r('csv', 3),
    r('excel', 3, /\bxlsx?\b|\bexcel\b/),
    r('spreadsheet', 2, /\bspreadsheets?\b/),
    r('bulk upload', 2, /\bbulk (upload|import|create)\b/),
    r('download', 1, /\bdownload(s|ing)?\b/),
  ],
  data_migration: [
    r('data migration', 5, /\bdata migrations?\b/),
    r('migrate', 3, /\bmigrat(e|es|ion|ing)\b/),
    r('backfill', 4),
    r('schema change', 2, /\bschema changes?\b/),
    r('rename column', 3, /\brename (a |the )?(column|field|table)\b/),
    r('split column', 3, /\bsplit (the )?[a-z_]+ (column|field)\b/),
    r('convert existing', 2, /\bconvert (all )?existing\b/),
    r('legacy data', 2, /\blegacy (data|table|schema)\b/),
  ],
  bug_fix: [
    r('bug', 3, /\bbugs?\b/),
    r('fix', 2, /\bfix(es|ed)?\b/),
    r('crash', 3, /\bcrash(es|ed|ing)?\b/),
    r('error', 2, /\berrors?\b/),
    r('broken', 3),
    r('fails', 2, /\bfail(s|ed|ing|ure)?\b/),
    r('exception', 3, /\bexceptions?\b|\btraceback\b|\bstack ?trace\b|\bpanic(s|ked)?\b/),
    r('regression', 3),
    r('not working', 3, /\b(doesn'?t|does not|isn'?t|is not|not) work(ing)?\b/),
    r('steps to reproduce', 4),
    r('expected behaviour', 3, /\bexpected (behaviou?r|result)\b/),
    r('500', 2, /\b500\b|\binternal server error\b/),
    r('wrong', 2, /\bwrong\b|\bincorrect(ly)?\b/),
    r('undefined/null', 2, /\bundefined is not\b|\bnull pointer\b|\bnil pointer\b|\bnullpointerexception\b/),
  ],
  performance: [
    r('slow', 3, /\bslow(ly|er|ness)?\b/),
    r('performance', 3),
    r('latency', 3),
    r('faster', 3, /\bfaster\b|\bspeed (up|improvements?)\b/),
    r('optimize', 2, /\boptimi[sz](e|es|ation|ing)\b/),
    r('timeout', 2, /\btim(e|es|ing) ?out\b|\btimeouts?\b/),
    r('memory', 2, /\bmemory( usage| leak)?\b|\boom\b/),
    r('cpu', 2),
    r('p95/p99', 3, /\bp(50|90|95|99)\b/),
    r('n+1', 4, /\bn\+1\b/),
    r('throughput', 3),
    r('benchmark', 2, /\bbenchmarks?\b/),
    r('seconds to load', 3, /\btakes? \d+(\.\d+)? ?(s|sec|seconds|minutes)\b|\bload time\b/),
  ],
  configuration: [
    r('config file', 5, /\bconfig(uration)? files?\b/),
    r('configuration', 3, /\bconfiguration\b/),
    r('config', 2, /\bconfig\b/),
    r('settings file', 4, /\bsettings files?\b/),
    r('yaml/toml', 2, /\b(yaml|yml|toml|ini)\b/),
    r('dotfile', 2, /\bdotfiles?\b|\brc file\b/),
    r('xdg', 3),
    r('environment variables', 1, /\benv(ironment)? var(iable)?s?\b/),
  ],
};

/** Phrases that look like a type's keywords but mean something else. */
const NEGATIVE: Partial<Record<TemplateId, Rule[]>> = {
  integration: [
    r('integration tests', -6, /\bintegration tests?\b|\bcontinuous integration\b|\bci integration\b/),
  ],
  import_export: [
    r(
      'code imports',
      -6,
      /\bimport (statements?|paths?|cycles?|order)\b|\bcircular imports?\b|\bes ?modules?\b|\bauto-?imports?\b/,
    ),
  ],
  data_migration: [
    r(
      'tooling migration',
      -4,
      /\bmigrat(e|ion) (to|from) (vite|webpack|typescript|esm|jest|vitest|react \d+|node \d+|python 3)\b/,
    ),
  ],
  search: [r('seo', -4, /\bsearch engine optimi[sz]ation\b|\bseo\b/)],
  performance: [r('performance review', -4, /\bperformance reviews?\b/)],
  bug_fix: [
    r('feature request', -4, /\bfeature request\b|\bnew feature\b/),
    r('error handling', -2, /\berror (handling|messages? for)\b/),
  ],
  notifications: [r('email field', -2, /\bemail (field|validation|address format)\b/)],
  ui_page: [r('api only', -4, /\bapi only\b|\bbackend only\b|\bno ui\b|\bheadless\b/)],
  authentication: [r('author', -1, /\bauthor(s|ed|ing)?\b/)],
};

const INTENTS: TemplateId[] = ['bug_fix', 'performance'];

function scoreText(
  rules: Rule[],
  text: string,
  where: 'title' | 'body',
  weight: number,
  template: TemplateId,
): Signal[] {
  const signals: Signal[] = [];
  for (const rule of rules) {
    if (rule.pattern.test(text))
      signals.push({ template, term: rule.term, where, weight: rule.weight * weight });
  }
  return signals;
}

function stackSignals(template: TemplateId, ctx: RepoContext, hasSignal: boolean): Signal[] {
  const deps = [...ctx.dependencies, ...ctx.frameworks].join(' ').toLowerCase();
  const hasFrontend = /\b(react|vue|svelte|angular|next)\b/.test(deps);
  const signals: Signal[] = [];
  const add = (term: string, weight: number) => signals.push({ template, term, where: 'stack', weight });
  if (!hasSignal) return signals;
  if (template === 'payments' && /\b(stripe|paypal|braintree|adyen|mollie)\b/.test(deps))
    add('payment SDK in dependencies', 1);
  if (template === 'search' && /\b(elasticsearch|meilisearch|opensearch|typesense|algolia)\b/.test(deps))
    add('search engine in dependencies', 1);
  if (template === 'notifications' && /\b(nodemailer|mail|twilio|sendgrid)\b/.test(deps))
    add('mailer in dependencies', 1);
  if (template === 'configuration' && /\b(cobra|clap|click|typer|commander|yargs|urfave)\b/.test(deps))
    add('CLI framework', 1.5);
  if (template === 'ui_page' && hasFrontend) add('frontend framework', 0.5);
  if (template === 'ui_page' && !hasFrontend) add('no frontend in the repository', -2);
  return signals;
}

export function classifyFeature(title: string, body: string, ctx: RepoContext): Classification {
  const t = normalize(title);
  const b = normalize(body);
  const all: Signal[] = [];
  for (const [template, rules] of Object.entries(RULES) as Array<[TemplateId, Rule[]]>) {
    const found = [
      ...scoreText(rules, t, 'title', TITLE_WEIGHT, template),
      ...scoreText(rules, b, 'body', 1, template),
    ];
    const negatives = NEGATIVE[template] ?? [];
    found.push(
      ...scoreText(negatives, t, 'title', TITLE_WEIGHT, template),
      ...scoreText(negatives, b, 'body', 1, template),
    );
    found.push(
      ...stackSignals(
        template,
        ctx,
        found.some((s) => s.weight > 0),
      ),
    );
    all.push(...found);
  }

  const scores: Record<string, number> = {};
  for (const signal of all) scores[signal.template] = (scores[signal.template] ?? 0) + signal.weight;
  const ranked = (Object.entries(scores) as Array<[TemplateId, number]>)
    .filter(([, score]) => score > 0)
    .sort((a, b2) => b2[1] - a[1] || templateOrder(a[0]) - templateOrder(b2[0]));

  const bestArea = ranked.find(([id]) => !INTENTS.includes(id)) ?? null;
  // Only a clear area is worth naming next to a bug fix or performance work.
  const area = bestArea && bestArea[1] >= AREA_THRESHOLD ? bestArea : null;
  const bestIntent = ranked.find(([id]) => INTENTS.includes(id)) ?? null;
  let winner: [TemplateId, number] | null = ranked[0] ?? null;
  // An intent clearly present decides the kind of work; the feature area becomes its context.
  if (bestIntent && bestIntent[1] >= INTENT_THRESHOLD) winner = bestIntent;
  else if (
    winner &&
    INTENTS.includes(winner[0]) &&
    winner[1] < INTENT_THRESHOLD &&
    bestArea &&
    bestArea[1] >= THRESHOLD
  )
    winner = bestArea;

  if (!winner || winner[1] < THRESHOLD) {
    return {
      featureType: 'general',
      template: 'general',
      confidence: winner ? round(Math.min(0.4, winner[1] / 10)) : 0.1,
      signals: winner ? all.filter((s) => s.template === winner![0]).sort(bySignal) : [],
      area: area?.[0] ?? null,
      scores,
    };
  }
  // An intent competes with the other intent, not with the area it touches.
  const isIntent = INTENTS.includes(winner[0]);
  const runnerUp = ranked.find(([id]) => id !== winner![0] && (!isIntent || INTENTS.includes(id)))?.[1] ?? 0;
  const confidence = round(Math.min(0.99, winner[1] / (winner[1] + runnerUp + 2)));
  const template = winner[0];
  return {
    featureType: template === 'configuration' ? 'general' : template,
    template,
    confidence,
    signals: all.filter((s) => s.template === template).sort(bySignal),
    area: INTENTS.includes(template) ? (area?.[0] ?? null) : null,
    scores,
  };
}

const ORDER: TemplateId[] = [
  'bug_fix',
  'performance',
  'payments',
  'authentication',
  'data_migration',
  'import_export',
  'search',
  'notifications',
  'integration',
  'configuration',
  'crud_api',
  'ui_page',
  'general',
];

/** Ties go to the more specific kind of work. */
function templateOrder(id: TemplateId): number {
  return ORDER.indexOf(id);
}

function bySignal(a: Signal, b: Signal): number {
  return b.weight - a.weight || a.term.localeCompare(b.term);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
