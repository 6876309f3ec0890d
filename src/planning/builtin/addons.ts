import type { SpecContext, Step } from './templates/types.ts';
import { code, gwt, loggerName, testedBy } from './templates/wording.ts';

/**
 * Cross-cutting requirements that any feature can gain, recognised in the issue or in review
 * feedback ("add rate limiting", "needs an audit log"). Each contributes a goal, an edge case,
 * an acceptance criterion and a subtask.
 */
export interface Addon {
  id: string;
  /** Also the prefix of its goal line, which is how a revision recognises it in a previous spec. */
  label: string;
  match: RegExp;
  goal: (ctx: SpecContext) => string;
  edgeCase: (ctx: SpecContext) => string;
  acceptance: (ctx: SpecContext) => string;
  step: (ctx: SpecContext, core: string) => Step;
}

export const ADDONS: Addon[] = [
  {
    id: 'rate-limit',
    label: 'Rate limiting',
    match: /\brate[- ]?limit(s|ing|ed)?\b|\bthrottl(e|ing)\b/,
    goal: (ctx) =>
      `Rate limiting: limit requests per client on the new ${ctx.names.one} endpoints${ctx.stack.cache ? ` (counters in ${ctx.stack.cache})` : ''}.`,
    edgeCase: () =>
      'Clients behind one proxy share an IP: key the limit by authenticated user when there is one, by IP otherwise.',
    acceptance: () =>
      gwt(
        'a client over the limit',
        'it sends another request',
        'it gets 429 with a Retry-After header and nothing is changed',
      ),
    step: (ctx, core) => ({
      key: 'rate-limit',
      title: `Rate-limit the ${ctx.names.one} endpoints`,
      description: `Add a per-client limit in front of the ${ctx.names.one} endpoints${ctx.stack.cache ? `, with counters in ${ctx.stack.cache} so every instance shares them` : ''}. Return 429 with Retry-After.`,
      acceptance: [
        gwt('a client over the limit', 'it sends another request', 'it gets 429 with Retry-After'),
        testedBy(ctx, 'the limit, the reset window and the per-user key'),
      ],
      size: 'S',
      dependsOn: [core],
      priority: 2,
    }),
  },
  {
    id: 'audit-log',
    label: 'Audit log',
    match: /\baudit(ing|[- ]?(log|trail))?\b/,
    goal: (ctx) => `Audit log: record who changed which ${ctx.names.one}, when, and what changed.`,
    edgeCase: () =>
      'Audit entries must never contain secrets or full card/PII values; store field names and ids.',
    acceptance: (ctx) =>
      gwt(
        `a user changes a ${ctx.names.one}`,
        'the change is saved',
        'an audit entry with actor, time and changed fields exists',
      ),
    step: (ctx, core) => ({
      key: 'audit-log',
      title: `Audit log for ${ctx.names.many}`,
      description: `Record actor, timestamp, action and changed fields for every ${ctx.names.one} change, written in the same transaction as the change.`,
      acceptance: [
        gwt(`a ${ctx.names.one} is changed`, 'the audit log is read', 'the change is listed with its actor'),
        testedBy(ctx, 'that a failed change leaves no audit entry'),
      ],
      size: 'M',
      dependsOn: [core],
      priority: 2,
    }),
  },
  {
    id: 'caching',
    label: 'Caching',
    match: /\bcach(e|es|ing|ed)\b/,
    goal: (ctx) =>
      `Caching: cache ${ctx.names.one} reads${ctx.stack.cache ? ` in ${ctx.stack.cache}` : ''} and invalidate on every write.`,
    edgeCase: () =>
      'A write and a concurrent read must not leave a stale entry: invalidate after commit, with a short TTL as a backstop.',
    acceptance: (ctx) =>
      gwt(`a cached ${ctx.names.one}`, 'it is updated', 'the next read returns the new value'),
    step: (ctx, core) => ({
      key: 'caching',
      title: `Cache ${ctx.names.one} reads`,
      description: `Read-through cache${ctx.stack.cache ? ` in ${ctx.stack.cache}` : ''} with invalidation after each committed write and a TTL backstop.`,
      acceptance: [
        gwt(`a ${ctx.names.one} was just updated`, 'it is read', 'the new value is returned'),
        testedBy(ctx, 'hit, miss and invalidation'),
      ],
      size: 'M',
      dependsOn: [core],
      priority: 3,
    }),
  },
  {
    id: 'feature-flag',
    label: 'Feature flag',
    match: /\bfeature[- ]?(flag|toggle)s?\b|\bbehind a (flag|toggle)\b/,
    goal: (ctx) => `Feature flag: ship the ${ctx.names.one} work behind a flag that is off by default.`,
    edgeCase: () => 'Turning the flag off after data was written must not break reads of that data.',
    acceptance: () =>
      gwt('the flag is off', 'a user uses the app', 'nothing of the new feature is visible or reachable'),
    step: (ctx, core) => ({
      key: 'feature-flag',
      title: 'Put the feature behind a flag',
      description: `Gate every new entry point with one flag (default off) read from ${code(ctx.layout.configModule)}.`,
      acceptance: [
        gwt(
          'the flag is off',
          'the new entry points are called',
          'they answer as if the feature did not exist',
        ),
        testedBy(ctx, 'both flag states'),
      ],
      size: 'S',
      dependsOn: [core],
      priority: 2,
    }),
  },
  {
    id: 'metrics',
    label: 'Observability',
    match: /\b(metrics?|observability|monitoring|dashboards? in grafana|prometheus|tracing)\b/,
    goal: (ctx) =>
      `Observability: metrics and structured logs for the ${ctx.names.one} flow (counts, errors, latency).`,
    edgeCase: () => 'Metric labels must have bounded cardinality: no user ids or free text as labels.',
    acceptance: () =>
      gwt(
        'the feature is used',
        'metrics are scraped',
        'request count, error count and latency are exported',
      ),
    step: (ctx, core) => ({
      key: 'metrics',
      title: `Metrics and logs for ${ctx.names.many}`,
      description: `Count successes and failures, record latency, and log failures with ${loggerName(ctx)} (ids only, no personal data).`,
      acceptance: [
        gwt('an operation fails', 'the metrics are read', 'the error counter went up by one'),
        testedBy(ctx, 'the exported metric names'),
      ],
      size: 'S',
      dependsOn: [core],
      priority: 3,
    }),
  },
  {
    id: 'i18n',
    label: 'Localisation',
    match: /\b(i18n|l10n|locali[sz](e|ation)|translat(e|ion|ions)|multi[- ]?language)\b/,
    goal: (ctx) =>
      `Localisation: every new user-facing ${ctx.names.one} text goes through the translation catalogue.`,
    edgeCase: () => 'Missing translations fall back to the default language, never to a raw message key.',
    acceptance: () =>
      gwt('a user with another locale', 'they use the feature', 'all new texts appear in their language'),
    step: (ctx, core) => ({
      key: 'i18n',
      title: 'Translate the new texts',
      description:
        'Move every new user-facing string into the translation catalogue and add the existing locales.',
      acceptance: [
        gwt('a missing translation', 'the text is shown', 'the default language is used'),
        testedBy(ctx, 'that no new string is hard-coded'),
      ],
      size: 'S',
      dependsOn: [core],
      priority: 3,
    }),
  },
];

export function addonById(id: string): Addon | undefined {
  return ADDONS.find((a) => a.id === id);
}
