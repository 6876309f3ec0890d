import { quoteInline } from '../text.ts';
import { freeTextTopic, type PlanContext, type Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, entryPoint, gwt, hasHttp, hasUi, relevantPaths, testedBy, uiTestTool } from './wording.ts';

const users = freeTextTopic({
  id: 'users',
  label: 'Who it is for',
  key: true,
  given:
    /\bas an? [a-z]+\b|\bso that\b|\bour (users|customers|admins|team)\b|\bfor (admins|customers|users|operators|developers)\b/,
  question: () => 'Who needs this, and what problem does it solve for them?',
  why: () => 'The user and their problem decide the smallest version worth shipping and what “done” means.',
  assumption: () =>
    'the people named in the issue; the first version solves the problem described there and nothing more',
  examples: () => ['Admins who need to …', 'Customers who cannot …'],
});

function entryChoices(ctx: PlanContext): string[] {
  const options: string[] = [];
  if (hasUi(ctx)) options.push('ui');
  if (hasHttp(ctx)) options.push('api');
  if (ctx.stack.cli) options.push('cli');
  return options.length > 0 ? options : ['library'];
}

const entry: Topic = {
  id: 'entry',
  label: 'Entry point',
  choices: [
    {
      value: 'ui',
      short: 'In the UI',
      option: (ctx) => `In the ${ctx.stack.frontendName ?? ''} UI`.replace('  ', ' '),
      match: /\b(ui|page|screen|button|frontend)\b/,
    },
    { value: 'api', short: 'Through the API', match: /\bapi\b|\bendpoint\b/ },
    { value: 'cli', short: 'As a command', match: /\bcommand\b|\bcli\b|\bflag\b|\bsubcommand\b/ },
    {
      value: 'library',
      short: 'As a library function',
      match: /\blibrary\b|\bfunction\b|\bmodule\b/,
      hidden: true,
    },
  ],
  fallback: (ctx) => [entryChoices(ctx)[0]!],
  applies: (ctx) => entryChoices(ctx).length > 1,
  question: () => 'Where do people reach this: in the UI, through the API, or as a command?',
  why: () =>
    'Each entry point is its own code, validation and tests; starting with one keeps the first version small.',
  assumption: (ctx) =>
    `reached through ${entryChoices(ctx)[0] === 'ui' ? 'the UI' : entryChoices(ctx)[0] === 'api' ? 'the API' : entryChoices(ctx)[0] === 'cli' ? 'a command' : 'a library function'} only`,
};

const done = freeTextTopic({
  id: 'done',
  label: 'Done when',
  key: true,
  given: /\bacceptance criteria\b|\bdone when\b|\bshould be able to\b|\bmust\b[^.]{10,}/,
  question: () => 'How will we know it is done — what can someone do afterwards that they cannot do today?',
  why: () =>
    'A concrete, observable outcome becomes the acceptance test; without it the work has no clear end.',
  assumption: () => 'done when the behaviour described in the issue works end to end and is covered by tests',
});

const scope: Topic = {
  id: 'scope',
  label: 'First version',
  choices: [
    {
      value: 'minimal',
      short: 'Smallest useful version',
      option: () => 'The smallest useful version first, extras later',
      match: /\bmvp\b|\bminimal\b|\bfirst version\b|\bsimple\b/,
    },
    {
      value: 'complete',
      short: 'Complete in one go',
      option: () => 'Everything described, in one go',
      match: /\bcomplete\b|\bfull(y)?\b|\bin one go\b/,
    },
  ],
  fallback: () => ['minimal'],
  question: () => 'Should we ship the smallest useful version first, or everything described in one go?',
  why: () => 'A smaller first version reaches users sooner and lets feedback shape the rest.',
  assumption: () => 'the smallest useful version first; extras become follow-up issues',
};

/** "in the React UI", "through the API", "as a command". */
function entryPhrase(ctx: SpecContext): string {
  switch (ctx.d.value('entry') ?? entryChoices(ctx)[0]) {
    case 'ui':
      return `in the ${ctx.stack.frontendName ?? ''} UI`.replace('  ', ' ');
    case 'api':
      return 'through the API';
    case 'cli':
      return 'as a command';
    default:
      return 'as a library function';
  }
}

/** A UI entry in a repository with a backend needs an endpoint first, then the screen. */
function entrySteps(ctx: SpecContext): Step[] {
  const n = ctx.names;
  const viaUi = (ctx.d.value('entry') ?? entryChoices(ctx)[0]) === 'ui';
  const steps: Step[] = [];
  if (!viaUi || hasHttp(ctx)) {
    steps.push({
      key: 'feature-entry',
      title: viaUi ? 'Endpoint for the UI' : `Expose it ${entryPhrase(ctx)}`,
      description: `Wire the core logic into ${entryPoint(ctx)} with input validation and permission checks.`,
      acceptance: [
        gwt('invalid input', 'it is submitted', 'a clear error is returned'),
        testedBy(ctx, 'the entry point end to end'),
      ],
      size: 'M',
      dependsOn: ['feature-core'],
      priority: 1,
    });
  }
  if (viaUi) {
    const page = ctx.layout.uiComponent(n, 'panel') ?? ctx.layout.uiPage(n);
    steps.push({
      key: 'feature-ui',
      title: `Use it ${entryPhrase(ctx)}`,
      description: `${page ? `${code(page)}: ` : ''}the controls for the new behaviour, with loading, error and empty states.`,
      acceptance: [
        gwt('a user', 'they use the new control', 'the result is visible without a reload'),
        `${uiTestTool(ctx)} covers the flow.`,
      ],
      size: 'M',
      dependsOn: ['feature-entry', 'feature-core'],
      priority: 2,
    });
  }
  return steps;
}

export const generalTemplate: FeatureTemplate = {
  id: 'general',
  featureType: 'general',
  label: 'Feature',
  defaultSubject: 'feature',
  topics: [users, done, entry, scope],
  coreStep: 'feature-core',
  docsStep: 'feature-docs',
  complexity: (ctx) => {
    let level = 1;
    if (ctx.d.has('scope', 'complete')) level += 1;
    if (ctx.stack.fileCount > 2000) level += 1;
    return level;
  },
  goals: (ctx: SpecContext) => {
    const goals = [
      `Deliver ${quoteInline(ctx.issue.title, 120)}${ctx.d.get('users')?.custom ? ` for ${ctx.d.get('users')!.custom}` : ''}.`,
    ];
    goals.push(
      ctx.d.get('done')?.custom
        ? `Done when: ${ctx.d.get('done')!.custom}.`
        : 'Done when the behaviour described in the issue works end to end and is covered by tests.',
    );
    goals.push(`Reached ${entryPhrase(ctx)}.`);
    return goals;
  },
  architecture: (ctx) => {
    const n = ctx.names;
    const lines = [
      `Core logic in ${code(ctx.layout.service(n))}, kept free of framework code so it can be unit-tested.`,
    ];
    lines.push(`Entry point: ${entryPoint(ctx)}.`);
    const paths = relevantPaths(ctx, 4);
    if (paths.length > 0) lines.push(`Existing code to read and extend: ${paths.join(', ')}.`);
    lines.push(`Tests in ${code(ctx.layout.test(n))} with ${ctx.stack.testTool}.`);
    return lines;
  },
  edgeCases: () => [
    'Empty, missing and very large inputs.',
    'The operation is repeated (double submit, retry): the result is the same as doing it once.',
    'Failures half-way leave no partial state.',
    'Users without permission get a clear refusal and nothing changes.',
  ],
  acceptance: (ctx) => [
    gwt(
      'the situation described in the issue',
      'the new behaviour is used',
      ctx.d.get('done')?.custom
        ? quoteInline(ctx.d.get('done')!.custom!, 160)
        : 'it produces the described outcome',
    ),
    gwt('invalid input', 'it is submitted', 'a clear error is returned and nothing changes'),
    testedBy(ctx, 'the core logic and the entry point', ctx.layout.test(ctx.names)),
  ],
  steps: (ctx) => {
    const n = ctx.names;
    const steps: Step[] = [
      {
        key: 'feature-core',
        title: `Core logic for ${n.one}`,
        description: `${code(ctx.layout.service(n))}: the behaviour itself, independent of how it is reached.`,
        acceptance: [testedBy(ctx, 'the core behaviour and its edge cases')],
        size: 'L',
        dependsOn: [],
        priority: 1,
      },
      ...entrySteps(ctx),
      {
        key: 'feature-docs',
        title: 'Document the new behaviour',
        description: `Describe the feature and how to use it in ${code(ctx.layout.docs)}.`,
        acceptance: ['The docs contain a working example.'],
        size: 'S',
        dependsOn: ['feature-entry', 'feature-ui'],
        priority: 3,
      },
    ];
    return steps;
  },
};
