import { subjectFromTitle } from '../subject.ts';
import { freeTextTopic, type Topic } from '../topics.ts';
import type { FeatureTemplate, Step } from './types.ts';
import { code, gwt, hasHttp, testedBy, uiTestTool } from './wording.ts';

const content = freeTextTopic({
  id: 'content',
  label: 'What the page shows',
  key: true,
  given: /\b(shows?|displays?|lists?|contains?|with (a|the) (table|chart|list|form))\b[^.]{0,80}\b(and|,)\b/,
  question: (ctx) => `What must the ${ctx.names.one} page show, and what can people do there?`,
  why: () =>
    'The content decides which data the page loads, which components it needs and whether it only reads or also writes.',
  assumption: (ctx) =>
    `the page lists ${ctx.names.many} with their main fields and links to details; it is read-only`,
  examples: () => [
    'A table with filters and a detail link',
    'Summary cards and a chart',
    'A form that edits settings',
  ],
});

const data: Topic = {
  id: 'data',
  label: 'Data source',
  key: true,
  choices: [
    {
      value: 'existing',
      short: 'Existing endpoints',
      option: () => 'Existing API endpoints are enough',
      match: /\bexisting (api|endpoints?)\b|\balready (exposed|available)\b/,
    },
    {
      value: 'new',
      short: 'A new endpoint',
      option: () => 'A new endpoint shaped for this page',
      match: /\bnew (api|endpoint)\b|\bneeds? an? (api|endpoint)\b/,
    },
  ],
  fallback: (ctx) => (hasHttp(ctx) ? ['new'] : ['existing']),
  applies: (ctx) => hasHttp(ctx),
  question: () => 'Can the page use existing endpoints, or does it need a new one shaped for it?',
  why: () =>
    'Composing several existing endpoints in the browser is quick but slow to load; one endpoint per page is faster and easier to secure.',
  assumption: () => 'one new read endpoint returns exactly what the page needs',
};

const access: Topic = {
  id: 'access',
  label: 'Who sees the page',
  choices: [
    {
      value: 'public',
      short: 'Everyone',
      option: () => 'Everyone, no sign-in',
      match: /\bpublic(ly)?\b|\banonymous\b|\bno (login|sign[- ]in)\b/,
    },
    {
      value: 'signed-in',
      short: 'Signed-in users',
      match: /\bsigned[- ]in\b|\blogged[- ]in\b|\busers only\b/,
    },
    {
      value: 'admin',
      short: 'Admins only',
      match: /\badmins? only\b|\bonly admins\b|\badmin (page|panel|dashboard)\b|\bback[- ]?office\b/,
    },
  ],
  fallback: () => ['signed-in'],
  question: () => 'Who may see the page?',
  why: () => 'Access decides the route guard and which fields the endpoint may return.',
  assumption: () => 'signed-in users only; anonymous visitors are sent to sign in',
};

const design: Topic = {
  id: 'design',
  label: 'Design',
  choices: [
    {
      value: 'mockup',
      short: 'Designer mock-up',
      option: () => 'There is a mock-up (Figma or screenshot) to follow',
      match: /\bfigma\b|\bmock[- ]?ups?\b|\bwireframes?\b|\bdesigns? (attached|linked)\b/,
    },
    {
      value: 'existing',
      short: 'Existing components',
      option: () => 'Reuse existing components and layout',
      match: /\bexisting (components|design system|styles?)\b|\blike the other pages\b/,
    },
  ],
  fallback: () => ['existing'],
  question: (ctx) =>
    `Is there a design to follow, or should the page reuse the ${ctx.stack.frontendName} app’s existing components?`,
  why: () =>
    'A mock-up fixes layout and states up front; without one the page copies the closest existing page and is reviewed in the preview.',
  assumption: () => 'no mock-up: reuse existing components and the layout of the closest existing page',
};

const devices: Topic = {
  id: 'devices',
  label: 'Devices',
  choices: [
    {
      value: 'responsive',
      short: 'Desktop and mobile',
      option: () => 'Desktop and mobile (responsive)',
      match: /\bresponsive\b|\bmobile\b|\bphones?\b/,
    },
    { value: 'desktop', short: 'Desktop only', match: /\bdesktop only\b|\bno mobile\b/ },
  ],
  fallback: () => ['responsive'],
  question: () => 'Must the page work on phones, or is desktop enough?',
  why: () =>
    'Tables and charts need a different layout on narrow screens; desktop-only halves the layout work.',
  assumption: () => 'responsive down to 360 px wide',
};

export const uiPageTemplate: FeatureTemplate = {
  id: 'ui_page',
  featureType: 'ui_page',
  label: 'UI page',
  defaultSubject: 'dashboard',
  // "New dashboard page for sales figures" → "sales dashboard".
  subject: (ctx) => {
    const base = subjectFromTitle(ctx.issue.title);
    if (!/\bdashboard\b/i.test(ctx.issue.title) || !base || base.includes('dashboard')) return base;
    return `${base.split(' ')[0]} dashboard`;
  },
  topics: [content, data, access, design, devices],
  coreStep: 'page-view',
  docsStep: 'page-e2e',
  complexity: (ctx) => {
    let level = 1;
    if (ctx.d.has('data', 'new')) level += 1;
    if (ctx.d.has('design', 'mockup') && ctx.d.has('devices', 'responsive')) level += 1;
    return level;
  },
  goals: (ctx) => {
    const goals = [
      `A ${ctx.names.one} page at \`/${ctx.names.slug}\`${ctx.d.get('content')?.custom ? `: ${ctx.d.get('content')!.custom!.replace(/[.!]+$/, '')}` : ` that lists ${ctx.names.many} with their main fields`}.`,
      `Visible to ${ctx.d.text('access').toLowerCase()}; reachable from the main navigation.`,
      'Loading, empty and error states are designed, not left blank.',
    ];
    if (ctx.d.has('devices', 'responsive')) goals.push('Usable on a 360 px wide phone screen.');
    return goals;
  },
  architecture: (ctx) => {
    const n = ctx.names;
    const lines: string[] = [];
    const page = ctx.layout.uiPage(n);
    lines.push(
      page
        ? `Page: ${code(page)}${ctx.stack.frontend === 'nextjs' ? ' (a server component that fetches on the server; interactive parts as client components)' : ''}.`
        : `Page: a new ${ctx.stack.frontendName ?? ''} view for ${n.many}.`,
    );
    const table = ctx.layout.uiComponent(n, 'table');
    if (table)
      lines.push(
        `Components: ${code(table)} and ${code(ctx.layout.uiComponent(n, 'empty-state')!)}, reusing existing UI primitives.`,
      );
    if (ctx.d.has('data', 'new') && ctx.layout.httpEntry(n)) {
      lines.push(
        `Data: a read endpoint in ${code(ctx.layout.httpEntry(n)!)} returning only the fields the page shows${ctx.layout.apiClient(n) ? `, called through ${code(ctx.layout.apiClient(n)!)}` : ''}.`,
      );
    }
    lines.push(
      `Navigation: a link in the existing menu${ctx.d.has('access', 'admin') ? ', shown to admins only' : ''}; the route is guarded for ${ctx.d.text('access').toLowerCase()}.`,
    );
    return lines;
  },
  edgeCases: (ctx) => [
    `No ${ctx.names.many} yet: an empty state that says what to do next.`,
    'The request fails or is slow: a skeleton while loading, and an error message with a retry.',
    'Very long names and large numbers must not break the layout (truncate with a tooltip).',
    `Hundreds of ${ctx.names.many}: the page paginates instead of rendering everything.`,
    'Keyboard navigation and screen readers: headings, labels and focus order are correct.',
    ctx.d.has('access', 'public')
      ? 'Public page: no private fields leak in the page source or API response.'
      : 'Direct link while signed out: redirect to sign-in and back.',
  ],
  acceptance: (ctx) => [
    gwt(
      `a signed-in user with 3 ${ctx.names.many}`,
      `they open \`/${ctx.names.slug}\``,
      'all three are listed',
    ),
    gwt(`a user with no ${ctx.names.many}`, 'they open the page', 'the empty state is shown'),
    gwt('the data request fails', 'the page loads', 'an error with a retry button is shown'),
    ...(ctx.d.has('access', 'public')
      ? []
      : [gwt('an anonymous visitor', 'they open the page', 'they are sent to sign in')]),
    `${uiTestTool(ctx)} covers the loaded, empty and error states.`,
    ...(ctx.d.has('data', 'new')
      ? [testedBy(ctx, 'the new endpoint’s response shape and access check')]
      : []),
  ],
  steps: (ctx) => {
    const n = ctx.names;
    const steps: Step[] = [];
    if (ctx.d.has('data', 'new') && ctx.layout.httpEntry(n)) {
      steps.push({
        key: 'page-endpoint',
        title: `Read endpoint for the ${n.one} page`,
        description: `${code(ctx.layout.httpEntry(n)!)}: returns the fields the page shows, paginated, with the page’s access rule.`,
        acceptance: [
          gwt('a user without access', 'they call the endpoint', 'the response is 401/403'),
          testedBy(ctx, 'the response shape and pagination'),
        ],
        size: 'M',
        dependsOn: [],
        priority: 1,
      });
    }
    steps.push({
      key: 'page-view',
      title: `${n.one[0]!.toUpperCase()}${n.one.slice(1)} page with loading, empty and error states`,
      description: `${ctx.layout.uiPage(n) ? code(ctx.layout.uiPage(n)!) : 'The page'} and its components, following ${ctx.d.has('design', 'mockup') ? 'the mock-up' : 'the closest existing page'}.`,
      acceptance: [
        gwt('the data loads', 'the page renders', 'every item is shown'),
        gwt('no data', 'the page renders', 'the empty state is shown'),
        testedBy(ctx, 'the components with sample data'),
      ],
      size: 'L',
      dependsOn: ['page-endpoint'],
      priority: 1,
    });
    steps.push({
      key: 'page-navigation',
      title: 'Route guard and navigation link',
      description: `Register the route, guard it for ${ctx.d.text('access').toLowerCase()}, and add the menu link.`,
      acceptance: [gwt('a user who may not see the page', 'they look at the menu', 'there is no link')],
      size: 'S',
      dependsOn: ['page-view'],
      priority: 2,
    });
    steps.push({
      key: 'page-e2e',
      title: `Browser tests for the ${n.one} page`,
      description: `${uiTestTool(ctx)} scenarios for loaded, empty and error states${ctx.d.has('devices', 'responsive') ? ', at desktop and phone widths' : ''}.`,
      acceptance: ['The scenarios run in CI and fail if a state regresses.'],
      size: 'S',
      dependsOn: ['page-navigation'],
      priority: 3,
    });
    return steps;
  },
};
