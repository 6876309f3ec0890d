import { normalize } from '../text.ts';
import { freeTextTopic, type Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, gwt, testedBy } from './wording.ts';

const change = freeTextTopic({
  id: 'change',
  label: 'The change',
  key: true,
  given:
    /\b(rename|split|merge|move|convert|change|normali[sz]e)\b[^.]{0,60}\b(column|field|table|collection|type|format)\b|\bfrom \w+ to \w+\b/,
  question: () => 'What exactly changes in the data: which tables/fields, from what shape to what shape?',
  why: () =>
    'The before/after shape decides whether old and new code can run side by side, which is what makes a migration safe.',
  assumption: (ctx) =>
    `the ${ctx.names.one} data changes as described in the issue title; every existing row must be converted`,
  examples: () => [
    'Split `name` into `first_name` and `last_name`',
    'Move prices from float to integer cents',
  ],
});

const downtime: Topic = {
  id: 'downtime',
  label: 'Downtime',
  key: true,
  choices: [
    {
      value: 'zero',
      short: 'No downtime (expand/contract)',
      option: () => 'No downtime: expand, backfill, switch, contract',
      match: /\bzero[- ]downtime\b|\bno downtime\b|\bonline\b|\bexpand[/ -]contract\b/,
    },
    {
      value: 'window',
      short: 'Maintenance window',
      option: () => 'A short maintenance window is acceptable',
      match: /\bmaintenance window\b|\bdowntime (is )?(ok|fine|acceptable)\b|\boffline\b/,
    },
  ],
  fallback: () => ['zero'],
  question: () => 'Must the migration run without downtime, or is a maintenance window acceptable?',
  why: () =>
    'Without downtime the change is split into several releases (expand, dual-write, backfill, switch reads, contract); a window allows one step.',
  assumption: () =>
    'no downtime: expand/contract over several deploys, old and new code compatible at every step',
};

const volume: Topic = {
  id: 'volume',
  label: 'Data volume',
  choices: [
    {
      value: 'small',
      short: 'Small (one transaction)',
      option: () => 'Small: under ~1 million rows, one transaction is fine',
      match: /\bsmall\b|\bfew (hundred|thousand)\b/,
    },
    {
      value: 'large',
      short: 'Large (batched backfill)',
      option: () => 'Large: millions of rows, batched and resumable',
      match: /\blarge\b|\bmillions?\b|\bbillions?\b|\bhuge\b|\bbatch(ed|es)?\b/,
    },
  ],
  fallback: () => ['large'],
  question: () => 'Roughly how many rows are affected?',
  why: () =>
    'Large tables need a batched, resumable backfill that does not lock the table or flood replication.',
  assumption: () => 'large enough to need a batched, resumable backfill (1,000 rows per batch, throttled)',
};

const rollback: Topic = {
  id: 'rollback',
  label: 'Rollback',
  choices: [
    {
      value: 'reversible',
      short: 'Reversible',
      option: () => 'Reversible: keep the old data until the new shape is verified',
      match: /\breversible\b|\broll ?back\b|\bdown migration\b/,
    },
    {
      value: 'forward',
      short: 'Forward-only with a backup',
      option: () => 'Forward-only, with a backup taken first',
      match: /\bforward[- ]only\b|\bno rollback\b/,
    },
  ],
  fallback: () => ['reversible'],
  question: () => 'Must the migration be reversible, or is forward-only with a backup acceptable?',
  why: () =>
    'Reversibility means keeping the old columns/tables until verification and writing down migrations; forward-only is simpler but depends on a tested restore.',
  assumption: () =>
    'reversible until the contract step: old data is kept and the new shape is verified before anything is dropped',
};

const verification: Topic = {
  id: 'verification',
  label: 'Verification',
  choices: [
    {
      value: 'checks',
      short: 'Counts and checksums',
      option: () => 'Row counts and per-row checks of every converted value',
      match: /\bchecksums?\b|\bcounts?\b|\bverify every\b/,
    },
    {
      value: 'sample',
      short: 'Spot checks',
      option: () => 'Spot checks on a sample',
      match: /\bsample\b|\bspot[- ]checks?\b/,
    },
  ],
  fallback: () => ['checks'],
  question: () => 'How will we know the migration is correct before the old data is removed?',
  why: () =>
    'A verification query turns “looks fine” into a number that must be zero before the contract step.',
  assumption: () =>
    'a verification script compares row counts and checks every converted value; it must report zero mismatches',
};

function migrationTool(ctx: SpecContext): string {
  return ctx.stack.migrationTool ?? 'the project’s migration tool';
}

export const dataMigrationTemplate: FeatureTemplate = {
  id: 'data_migration',
  featureType: 'data_migration',
  label: 'Data migration',
  defaultSubject: 'record',
  subject: (ctx) => {
    // "… for existing orders" names the records; otherwise the object of the verb ("split the name column").
    const records = /\b(?:for|of|on|in) (?:all |every |existing |the |our )*([a-z]{3,})\b/.exec(
      normalize(ctx.issue.title),
    )?.[1];
    if (records) return records;
    const object =
      /\b(?:split|rename|migrate|convert|move|backfill|normali[sz]e|merge)\s+(?:(?:the|all|existing|old|new|legacy)\s+)*([a-z]{3,})/.exec(
        ctx.text,
      )?.[1];
    return object && !/^(data|column|field|table)$/.test(object) ? object : null;
  },
  topics: [change, downtime, volume, rollback, verification],
  coreStep: 'migration-backfill',
  docsStep: 'migration-runbook',
  complexity: (ctx) => {
    let level = 2;
    if (ctx.d.has('downtime', 'zero')) level += 1;
    if (ctx.d.has('volume', 'small') && ctx.d.has('downtime', 'window')) level -= 1;
    return level;
  },
  goals: (ctx) => [
    `Every existing ${ctx.names.one} is converted to the new shape${ctx.d.get('change')?.custom ? ` (${ctx.d.get('change')!.custom})` : ''} with no data lost.`,
    ctx.d.has('downtime', 'zero')
      ? 'The application keeps serving traffic throughout: every deploy is compatible with the previous one.'
      : 'The migration fits in a short, announced maintenance window.',
    'Correctness is proven by a verification step before any old data is removed.',
  ],
  architecture: (ctx) => {
    const n = ctx.names;
    const lines = [
      `Schema changes with ${migrationTool(ctx)}${ctx.layout.migration(n) ? ` (${ctx.layout.migration(n)})` : ''}.`,
    ];
    if (ctx.d.has('downtime', 'zero')) {
      lines.push(
        'Release 1 (expand): add the new columns/tables; code writes both shapes and still reads the old one.',
        `Backfill: ${ctx.d.has('volume', 'large') ? `a batched, resumable job in ${code(ctx.layout.job(n))} (keyset pagination by id, throttled, idempotent)` : 'one idempotent script'} converts existing rows.`,
        'Release 2 (switch): reads use the new shape after verification reports zero mismatches.',
        'Release 3 (contract): drop the old columns once nothing reads them.',
      );
    } else {
      lines.push(
        `One release inside the maintenance window: migrate, convert with ${ctx.d.has('volume', 'large') ? 'a batched script' : 'one transaction'}, verify, then deploy code that uses the new shape.`,
      );
    }
    lines.push(
      `Verification script in ${code(ctx.layout.part(n, 'verify-migration'))}: ${ctx.d.has('verification', 'sample') ? 'spot checks on a random sample' : 'row counts plus a check of every converted value'}.`,
    );
    return lines;
  },
  edgeCases: (ctx) => [
    'Rows written while the backfill runs (dual-write or a final catch-up pass must cover them).',
    'NULLs, empty strings and values that do not fit the new shape: decide per case, and count them in the verification.',
    'The backfill crashes half-way: re-running it continues where it stopped and never converts a row twice.',
    'Long locks: no `ALTER` that rewrites a large table while traffic runs; add columns nullable first.',
    ctx.d.has('rollback', 'forward')
      ? 'A restore from the pre-migration backup is rehearsed once on staging.'
      : 'Rolling back after the switch: the old columns are still written until the contract step.',
    `Replication lag and ${ctx.stack.cache ? `${ctx.stack.cache} ` : ''}caches serving old shapes right after the switch.`,
  ],
  acceptance: (ctx) => [
    gwt(
      'a copy of production data',
      'the migration and backfill run',
      'verification reports zero mismatches',
    ),
    gwt(
      'the backfill is killed half-way',
      'it is started again',
      'it finishes and verification still reports zero mismatches',
    ),
    ...(ctx.d.has('downtime', 'zero')
      ? [
          gwt(
            'the expand release is deployed',
            'the previous release still runs next to it',
            'both work against the same database',
          ),
        ]
      : []),
    testedBy(
      ctx,
      'the conversion of every edge-case value (NULL, empty, out of range) with fixtures',
      ctx.layout.test(ctx.names),
    ),
  ],
  steps: (ctx) => {
    const n = ctx.names;
    const zero = ctx.d.has('downtime', 'zero');
    const steps: Step[] = [
      {
        key: 'migration-expand',
        title: zero ? 'Expand: add the new schema next to the old one' : 'Schema migration',
        description: `${migrationTool(ctx)}: add the new columns/tables${zero ? ' (nullable, no table rewrite)' : ''}.`,
        acceptance: [
          'The migration applies and rolls back on a copy of production data.',
          testedBy(ctx, 'the migration up and down'),
        ],
        size: 'M',
        dependsOn: [],
        priority: 1,
      },
    ];
    if (zero) {
      steps.push({
        key: 'migration-dual-write',
        title: 'Write both shapes',
        description: `Every code path that writes ${n.many} writes the old and the new shape in the same transaction.`,
        acceptance: [
          gwt(`a ${n.one} created or updated`, 'it is read back', 'old and new shapes agree'),
          testedBy(ctx, 'every write path'),
        ],
        size: 'M',
        dependsOn: ['migration-expand'],
        priority: 1,
      });
    }
    steps.push({
      key: 'migration-backfill',
      title: ctx.d.has('volume', 'large') ? 'Batched, resumable backfill' : 'Convert existing rows',
      description: ctx.d.has('volume', 'large')
        ? `${code(ctx.layout.job(n))}: keyset-paginated batches, throttled, idempotent, with progress logging.`
        : 'One idempotent conversion script run inside a transaction.',
      acceptance: [
        gwt(
          'the backfill is interrupted',
          'it is restarted',
          'it completes without converting any row twice',
        ),
        testedBy(ctx, 'the conversion of edge-case values'),
      ],
      size: 'L',
      dependsOn: ['migration-dual-write', 'migration-expand'],
      priority: 1,
    });
    steps.push({
      key: 'migration-verify',
      title: 'Verification script',
      description: `${code(ctx.layout.part(n, 'verify-migration'))}: ${ctx.d.has('verification', 'sample') ? 'sample checks' : 'counts and per-row comparison'}; exits non-zero on any mismatch.`,
      acceptance: [
        'The script reports zero mismatches on staging after the backfill.',
        testedBy(ctx, 'that a corrupted row is detected'),
      ],
      size: 'M',
      dependsOn: ['migration-backfill'],
      priority: 1,
    });
    if (zero) {
      steps.push({
        key: 'migration-switch-reads',
        title: 'Switch reads to the new shape',
        description: 'All reads use the new shape; the old one is still written for rollback.',
        acceptance: [gwt('the switch release is rolled back', 'the app runs', 'data is still correct')],
        size: 'M',
        dependsOn: ['migration-verify'],
        priority: 1,
      });
      steps.push({
        key: 'migration-contract',
        title: 'Contract: remove the old shape',
        description: `Stop writing the old shape, then drop it with ${migrationTool(ctx)} one release later.`,
        acceptance: ['No code references the old columns (checked by search in CI).'],
        size: 'S',
        dependsOn: ['migration-switch-reads'],
        priority: 2,
      });
    }
    steps.push({
      key: 'migration-runbook',
      title: 'Runbook',
      description:
        'Order of deploys and commands, expected durations, verification, and how to roll back at each step.',
      acceptance: ['Someone who did not write the migration can run it on staging from the runbook.'],
      size: 'S',
      dependsOn: ['migration-verify'],
      priority: 3,
    });
    return steps;
  },
};
