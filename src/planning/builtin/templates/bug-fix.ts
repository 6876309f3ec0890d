import { quoteInline } from '../text.ts';
import { freeTextTopic, type Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, gwt, relevantPaths, relevantStem, testedBy } from './wording.ts';

const reproduction = freeTextTopic({
  id: 'reproduction',
  label: 'Steps to reproduce',
  key: true,
  given:
    /\bsteps to reproduce\b|\bto reproduce\b|\brepro(duction)?( steps)?:|\n?\s*1[.)] .{3,}\b2[.)] |\bwhen i (click|open|run|call|submit|upload|send|go to)\b|\b(get|post|put|patch|delete) \/[a-z0-9/_-]+/,
  question: () => 'What are the exact steps (or request/input) that trigger the problem?',
  why: () =>
    'The fix starts with a failing test that reproduces it; without exact steps the test may reproduce a different bug.',
  assumption: () =>
    'the problem reproduces from the description in the issue; the first step of the work is to confirm that with a failing test',
  examples: () => [
    '1. Open /cart 2. Apply coupon SAVE10 3. Total becomes negative',
    '`POST /api/orders` with an empty items list',
  ],
});

const expected = freeTextTopic({
  id: 'expected',
  label: 'Expected behaviour',
  key: true,
  given: /\bexpected( behaviou?r| result)?\b|\bshould (be|return|show|not)\b|\binstead of\b/,
  question: () => 'What should happen instead?',
  why: () =>
    'The expected behaviour becomes the assertion of the regression test; “it should not crash” can have several right answers.',
  assumption: () => 'the operation completes as it does for ordinary input, with no error shown to the user',
});

const environment = freeTextTopic({
  id: 'environment',
  label: 'Where it happens',
  given:
    /\bv?\d+\.\d+(\.\d+)?\b|\bversion\b|\bproduction\b|\bstaging\b|\bbrowser\b|\bchrome\b|\bfirefox\b|\bsafari\b|\bwindows\b|\bmacos\b|\blinux\b|\bcommit [0-9a-f]{7,}/,
  question: () =>
    'Where does it happen: which version or commit, and which environment (production, staging, a browser or OS)?',
  why: () =>
    'A version pins the code to read; an environment-specific bug (one browser, one OS, one locale) needs that environment in the test.',
  assumption: (ctx) => `it happens on the current \`${ctx.repo.defaultBranch}\` in every environment`,
});

const regression: Topic = {
  id: 'regression',
  label: 'Regression',
  yesNo: true,
  choices: [
    {
      value: 'regression',
      short: 'A regression',
      option: () => 'It used to work (a regression — since which version?)',
      match:
        /\bregress(ion|ed)\b|\bused to work\b|\bworked (before|in v?\d)\b|\bsince (v?\d|the last|upgrading)\b|\bafter (upgrading|the (last )?(release|deploy))\b/,
    },
    {
      value: 'always',
      short: 'Always broken',
      option: () => 'It never worked for this case',
      match: /\bnever worked\b|\balways (been )?broken\b/,
    },
  ],
  fallback: () => ['always'],
  question: () => 'Did this work before? If so, since which version or change is it broken?',
  why: () =>
    'A regression can be bisected to one commit, which usually names the cause and the smallest fix.',
  assumption: () => 'unknown whether it is a regression; the fix is found by debugging rather than bisecting',
};

const dataRepair: Topic = {
  id: 'data-repair',
  label: 'Damaged data',
  key: true,
  subject: /\b(corrupt(ed|ion)?|bad data|wrong data|data repair)\b/,
  choices: [
    {
      value: 'repair',
      short: 'Repair the stored data',
      option: () => 'Yes: bad data was stored and must be repaired',
      match:
        /\bcorrupt(ed|ion)?\b|\b(saved|stored|persisted) (wrong|incorrect|bad)\b|\bwrong (totals|amounts|data) (were )?saved\b|\brepair\b/,
    },
    {
      value: 'none',
      short: 'No stored data affected',
      option: () => 'No: nothing wrong was stored',
      match: /\bno (data|stored data) (affected|damage)\b|\bdisplay only\b/,
      off: true,
    },
  ],
  fallback: () => ['none'],
  question: () => 'Has the bug already written wrong data that must be repaired?',
  why: () =>
    'Fixing the code does not fix rows that are already wrong; a repair script needs its own review and a dry run.',
  assumption: () => 'no stored data needs repair; if the investigation finds any, a repair step is added',
};

/** The issue's own "Expected: …" sentence, if it has one. */
function expectedInIssue(ctx: SpecContext): string | null {
  const match = /\bexpected(?: behaviou?r| result)?\s*[:\-–]\s*([^\n]{5,300})/i.exec(ctx.issue.body);
  return match ? match[1]!.trim().replace(/\.$/, '') : null;
}

function expectedText(ctx: SpecContext): string | null {
  return ctx.d.get('expected')?.custom ?? expectedInIssue(ctx);
}

function symptom(ctx: SpecContext): string {
  return quoteInline(ctx.issue.title, 120);
}

export const bugFixTemplate: FeatureTemplate = {
  id: 'bug_fix',
  featureType: 'bug_fix',
  label: 'Bug fix',
  defaultSubject: 'fix',
  subject: (ctx) => relevantStem(ctx) ?? ctx.area,
  topics: [reproduction, expected, environment, regression, dataRepair],
  coreStep: 'bug-fix',
  docsStep: 'bug-release-note',
  complexity: (ctx) => {
    let level = 0;
    if (ctx.d.on('data-repair')) level += 1;
    if (ctx.d.has('reproduction', 'unknown') && ctx.d.has('expected', 'unknown')) level += 1;
    if (ctx.stack.fileCount > 3000) level += 1;
    return level;
  },
  goals: (ctx) => {
    const goals = [
      `Fix ${symptom(ctx)}: ${expectedText(ctx) ?? 'the operation behaves as it does for ordinary input'}.`,
      'A regression test reproduces the bug and passes after the fix.',
      'Nothing else changes behaviour: the fix is the smallest change that addresses the root cause.',
    ];
    if (ctx.d.on('data-repair')) goals.push('Data already damaged by the bug is found and repaired.');
    return goals;
  },
  architecture: (ctx) => {
    const lines: string[] = [];
    const paths = relevantPaths(ctx, 5);
    lines.push(
      paths.length > 0
        ? `Start reading at ${paths.join(', ')} — the files the issue’s words point to.`
        : 'Start from the stack trace or the entry point of the failing operation.',
    );
    if (ctx.d.get('reproduction')?.custom)
      lines.push(`Reproduction (from the answer): ${quoteInline(ctx.d.get('reproduction')!.custom!, 300)}.`);
    if (ctx.d.has('regression', 'regression'))
      lines.push(
        'It is a regression: `git bisect` between the last good version and the current head names the change to examine first.',
      );
    lines.push(
      `Regression test next to the code it covers, with ${ctx.stack.testTool}, written before the fix and failing for the reported reason.`,
    );
    if (ctx.d.on('data-repair'))
      lines.push(
        `Repair script in ${code(ctx.layout.part(ctx.names, 'repair'))}: finds affected rows, has a dry-run mode, logs every change.`,
      );
    return lines;
  },
  edgeCases: (ctx) => [
    'Inputs next to the reported one (empty, zero, maximum, Unicode, concurrent requests) behave correctly too.',
    'The fix does not only hide the symptom (e.g. catching the exception) while the wrong state persists.',
    'Callers that relied on the buggy behaviour are found and checked.',
    ...(ctx.d.on('data-repair')
      ? ['The repair script is idempotent and its dry run lists exactly what it will change.']
      : []),
  ],
  acceptance: (ctx) => [
    gwt(
      'the reported steps',
      'they are repeated on the fixed code',
      ctx.d.get('expected')?.custom
        ? `the result is: ${quoteInline(ctx.d.get('expected')!.custom!, 160)}`
        : 'the operation succeeds with the correct result',
    ),
    testedBy(ctx, 'the reported case (failing before the fix, passing after) and its neighbouring inputs'),
    'The existing test suite passes unchanged.',
    ...(ctx.d.on('data-repair')
      ? [
          gwt(
            'the repair script in dry-run mode',
            'it runs on a copy of production',
            'it lists the affected rows and changes nothing',
          ),
        ]
      : []),
  ],
  steps: (ctx) => {
    const steps: Step[] = [
      {
        key: 'bug-reproduce',
        title: 'Reproduce with a failing test',
        description: `Add a failing ${ctx.stack.testTool} test that reproduces ${symptom(ctx)}${relevantPaths(ctx, 3).length > 0 ? `; start from ${relevantPaths(ctx, 3).join(', ')}` : ''}.`,
        acceptance: ['The test fails on the current code for the reported reason (not a setup error).'],
        size: 'M',
        dependsOn: [],
        priority: 1,
      },
      {
        key: 'bug-fix',
        title: 'Fix the root cause',
        description: `Smallest change that makes the test pass${ctx.d.has('regression', 'regression') ? '; bisect first to find the change that introduced it' : ''}. Note the root cause in the PR.`,
        acceptance: [
          'The reproduction test passes and the rest of the suite is unchanged.',
          testedBy(ctx, 'the neighbouring inputs (empty, boundary, concurrent)'),
        ],
        size: 'M',
        dependsOn: ['bug-reproduce'],
        priority: 1,
      },
    ];
    if (ctx.d.on('data-repair')) {
      steps.push({
        key: 'bug-data-repair',
        title: 'Repair data damaged by the bug',
        description: `${code(ctx.layout.part(ctx.names, 'repair'))}: find affected rows, dry run, then repair idempotently with a log of every change.`,
        acceptance: [
          gwt('the repair ran once', 'it runs again', 'it changes nothing'),
          testedBy(ctx, 'the detection query with fixture rows'),
        ],
        size: 'M',
        dependsOn: ['bug-fix'],
        priority: 1,
      });
    }
    steps.push({
      key: 'bug-release-note',
      title: 'Release note',
      description: 'One line in the changelog describing the fixed behaviour for users.',
      acceptance: ['The changelog entry names the symptom users saw.'],
      size: 'S',
      dependsOn: ['bug-fix'],
      priority: 3,
    });
    return steps;
  },
};
