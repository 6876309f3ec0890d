import { freeTextTopic, type PlanContext, type Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, gwt, hasUi, testedBy } from './wording.ts';

const SERVICES: Array<[RegExp, string]> = [
  [/\bslack\b/, 'Slack'],
  [/\bjira\b/, 'Jira'],
  [/\bgithub\b/, 'GitHub'],
  [/\bgitlab\b/, 'GitLab'],
  [/\bsalesforce\b/, 'Salesforce'],
  [/\bhubspot\b/, 'HubSpot'],
  [/\bzapier\b/, 'Zapier'],
  [/\b(ms |microsoft )?teams\b/, 'Microsoft Teams'],
  [/\bdiscord\b/, 'Discord'],
  [/\bgoogle (calendar|sheets|drive)\b/, 'Google Workspace'],
  [/\b(s3|minio)\b/, 'S3'],
  [/\bshopify\b/, 'Shopify'],
  [/\bquickbooks\b/, 'QuickBooks'],
  [/\bmailchimp\b/, 'Mailchimp'],
];

/** The external service named in the issue, e.g. "Slack"; null when none is recognisable. */
export function serviceName(ctx: Pick<PlanContext, 'text'>): string | null {
  return SERVICES.find(([pattern]) => pattern.test(ctx.text))?.[1] ?? null;
}

function appName(ctx: PlanContext): string {
  const name = ctx.stack.appName;
  return name.length > 0 ? name[0]!.toUpperCase() + name.slice(1) : name;
}

/** "Post new orders to Slack" → "new orders". */
function eventsInTitle(ctx: PlanContext): string | null {
  return (
    /\b(?:post|send|push|publish|forward|notify about|sync)\s+(.{3,60}?)\s+(?:to|into|with)\s+/i.exec(
      ctx.issue.title,
    )?.[1] ?? null
  );
}

function eventsText(ctx: SpecContext): string {
  const decision = ctx.d.get('events');
  if (decision?.source.kind === 'answer' && decision.custom) return decision.custom;
  return eventsInTitle(ctx) ?? decision?.custom ?? 'the events named in the issue';
}

function service(ctx: PlanContext): string {
  return serviceName(ctx) ?? 'the external service';
}

const direction: Topic = {
  id: 'direction',
  label: 'Direction',
  key: true,
  choices: [
    {
      value: 'both',
      short: 'Both directions',
      option: () => 'Both ways (two-way sync)',
      match:
        /\btwo[- ]way\b|\bbidirectional\b|\bboth (ways|directions)\b|\bsync(hroni[sz]e)? (with|between)\b/,
    },
    {
      value: 'outbound',
      short: 'We send to it',
      option: (ctx) => `We send events/data to ${service(ctx)}`,
      match: /\b(post|send|push|notify|publish)\w* (?:[a-z]+ ){0,4}(to|into|in) \w+/,
    },
    {
      value: 'inbound',
      short: 'It sends to us',
      option: (ctx) => `${service(ctx)} sends events/data to us (webhooks or polling)`,
      match: /\b(receive|import|pull|fetch|listen)\w* (from|events from)\b|\bincoming\b|\bslash commands?\b/,
    },
  ],
  fallback: () => ['outbound'],
  question: (ctx) =>
    `Which way does data flow: we send to ${service(ctx)}, ${service(ctx)} sends to us, or both?`,
  why: () =>
    'Outbound needs a client, retries and rate-limit handling; inbound needs a public, signature-checked endpoint; two-way sync also needs conflict rules and loop prevention.',
  assumption: (ctx) => `one way: the app sends events to ${service(ctx)}; nothing is read back`,
};

const credentials: Topic = {
  id: 'credentials',
  label: 'Connection',
  key: true,
  choices: [
    {
      value: 'global',
      short: 'One instance-wide credential',
      option: () => 'One credential for the whole installation (environment variable)',
      match:
        /\b(api key|token|webhook url)\b[^.]{0,30}\b(env|environment|config)\b|\bone (account|workspace)\b|\binstance[- ]wide\b/,
    },
    {
      value: 'per-tenant',
      short: 'Each organisation connects its own account',
      option: () => 'Each user/organisation connects its own account (OAuth)',
      match:
        /\beach (user|team|customer|organi[sz]ation|workspace)\b|\bper[- ](user|team|tenant|workspace)\b|\boauth\b/,
    },
  ],
  fallback: () => ['global'],
  question: (ctx) =>
    `Is there one ${service(ctx)} connection for the whole installation, or does each organisation connect its own account?`,
  why: () =>
    'Per-organisation connections need an OAuth app, encrypted token storage and a settings screen; one global credential is an environment variable.',
  assumption: (ctx) => `one instance-wide ${service(ctx)} credential from an environment variable`,
};

const events = freeTextTopic({
  id: 'events',
  label: 'What is exchanged',
  key: true,
  given:
    /\bwhen (a|an|the|someone|new)\b|\bevents?:|\bon (every|each|new)\b|\b(post|send|push|publish|forward)\w* [a-z ]{3,40} (to|into) /,
  question: (ctx) => `Exactly which events or records go to/from ${service(ctx)}?`,
  why: () => 'Each event is a mapping to maintain and a volume to budget against the service’s rate limits.',
  assumption: (ctx) =>
    `only the events named in the issue are sent; each carries a link back to the ${ctx.stack.appName} record`,
  examples: () => ['New orders and status changes', 'Every new comment', 'A daily summary'],
});

const failures: Topic = {
  id: 'failures',
  label: 'When the service is down',
  choices: [
    {
      value: 'retry',
      short: 'Queue and retry',
      option: (ctx) =>
        `Queue and retry with backoff${ctx.stack.jobRunner ? ` (${ctx.stack.jobRunner})` : ''}; never block the user`,
      match: /\bretr(y|ies)\b|\bqueue\b|\bbackoff\b/,
    },
    {
      value: 'best-effort',
      short: 'Best effort',
      option: () => 'Best effort: log and drop',
      match: /\bbest[- ]effort\b|\bfire and forget\b/,
    },
  ],
  fallback: () => ['retry'],
  question: (ctx) =>
    `If ${service(ctx)} is down or rate-limits us, should calls be queued and retried, or dropped?`,
  why: () =>
    'Calling the service inside a user request makes our app as slow and unreliable as theirs; a queue decouples them.',
  assumption: (ctx) =>
    `calls run in the background${ctx.stack.jobRunner ? ` on ${ctx.stack.jobRunner}` : ''} with exponential backoff for up to 24 hours; user actions never wait for ${service(ctx)}`,
};

export const integrationTemplate: FeatureTemplate = {
  id: 'integration',
  featureType: 'integration',
  label: 'Integration',
  defaultSubject: 'integration',
  subject: (ctx) =>
    serviceName(ctx)
      ?.toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ') ?? null,
  topics: [direction, credentials, events, failures],
  coreStep: 'integration-sync',
  docsStep: 'integration-docs',
  complexity: (ctx) => {
    let level = 1;
    if (ctx.d.has('direction', 'both')) level += 2;
    else if (ctx.d.has('direction', 'inbound')) level += 1;
    if (ctx.d.has('credentials', 'per-tenant')) level += 1;
    return level;
  },
  goals: (ctx) => {
    const svc = service(ctx);
    const goals = [
      ctx.d.has('direction', 'inbound')
        ? `${svc} events reach ${appName(ctx)} and update the matching records.`
        : ctx.d.has('direction', 'both')
          ? `${appName(ctx)} and ${svc} stay in sync in both directions without loops or lost updates.`
          : `${appName(ctx)} sends ${eventsText(ctx)} to ${svc}.`,
      ctx.d.has('credentials', 'per-tenant')
        ? `Each organisation connects and disconnects its own ${svc} account.`
        : `The ${svc} connection is configured once per installation.`,
      `An outage of ${svc} never breaks or slows ${appName(ctx)}; failed deliveries are visible and retried.`,
    ];
    return goals;
  },
  architecture: (ctx) => {
    const n = ctx.names;
    const svc = service(ctx);
    const lines = [
      `Client in ${code(ctx.layout.part(n, 'client'))}: the only code that talks to ${svc}; timeouts, rate-limit (429/Retry-After) handling and typed errors.`,
      `Mapping in ${code(ctx.layout.part(n, 'mapping'))}: our records ↔ ${svc} payloads, pure and unit-tested.`,
      ctx.d.has('failures', 'retry')
        ? `Delivery as background jobs in ${code(ctx.layout.job(n))}${ctx.stack.jobRunner ? ` (${ctx.stack.jobRunner})` : ''}, with idempotency keys so retries do not duplicate.`
        : `Delivery after the transaction commits, logged on failure.`,
    ];
    if (!ctx.d.has('direction', 'outbound') && ctx.layout.httpEntry(n)) {
      lines.push(
        `Inbound: \`POST /webhooks/${n.slug}\` in ${code(ctx.layout.httpEntry(n)!)} verifies ${svc}’s signature on the raw body and enqueues the event.`,
      );
    }
    lines.push(
      ctx.d.has('credentials', 'per-tenant')
        ? `Connections: OAuth flow and encrypted token storage per organisation${hasUi(ctx) ? ', with a settings screen to connect/disconnect' : ''}.`
        : `Configuration: \`${n.snake.toUpperCase()}_TOKEN\` (and URL if needed) read in ${code(ctx.layout.configModule)}; the feature is off when it is unset.`,
    );
    return lines;
  },
  edgeCases: (ctx) => {
    const svc = service(ctx);
    const cases = [
      `${svc} rate limits (429): respect Retry-After and slow the queue instead of failing jobs.`,
      `${svc} is down for hours: jobs retry with backoff and alert after the last attempt; nothing is lost.`,
      'The credential is revoked or expired: stop retrying, surface “reconnect needed”, do not spam logs.',
      'The same event is delivered twice (our retry or theirs): processing is idempotent.',
      `Payload limits and formatting on the ${svc} side (message length, markdown dialect, attachment size).`,
    ];
    if (!ctx.d.has('direction', 'outbound'))
      cases.push('Inbound requests with a bad signature or a replayed timestamp are refused.');
    if (ctx.d.has('direction', 'both'))
      cases.push(
        'Changes that came from the sync must not be sent back (loop prevention), and concurrent edits need a “last writer wins” or merge rule.',
      );
    return cases;
  },
  acceptance: (ctx) => {
    const svc = service(ctx);
    const criteria = [
      gwt(
        `a configured ${svc} connection`,
        'a matching event happens',
        `exactly one delivery reaches ${svc} (checked against a fake ${svc} server)`,
      ),
      gwt(
        `${svc} answering 503 twice`,
        'an event is delivered',
        'it succeeds on the third attempt and is not duplicated',
      ),
      gwt('no credential configured', 'the app runs', 'nothing is sent and nothing fails'),
    ];
    if (!ctx.d.has('direction', 'outbound'))
      criteria.push(
        gwt(
          'an inbound request with a bad signature',
          'it arrives',
          'it is rejected with 401 and nothing changes',
        ),
      );
    criteria.push(testedBy(ctx, 'the mapping, the client against a fake server, and retries'));
    return criteria;
  },
  steps: (ctx) => {
    const n = ctx.names;
    const svc = service(ctx);
    const steps: Step[] = [
      {
        key: 'integration-client',
        title: `${svc} client with timeouts and rate-limit handling`,
        description: `${code(ctx.layout.part(n, 'client'))} and configuration in ${code(ctx.layout.configModule)}.`,
        acceptance: [
          gwt(
            `${svc} returning 429 with Retry-After`,
            'the client is called',
            'it reports a retryable error with the delay',
          ),
          testedBy(ctx, 'the client against a fake server'),
        ],
        size: 'M',
        dependsOn: [],
        priority: 1,
      },
      {
        key: 'integration-mapping',
        title: `Map our records to ${svc} payloads`,
        description: `${code(ctx.layout.part(n, 'mapping'))}: pure functions for ${eventsText(ctx)}.`,
        acceptance: [testedBy(ctx, 'every mapped event with fixture payloads')],
        size: 'S',
        dependsOn: [],
        priority: 2,
      },
      {
        key: 'integration-sync',
        title: ctx.d.has('direction', 'inbound') ? `Process ${svc} events` : `Deliver events to ${svc}`,
        description: ctx.d.has('failures', 'retry')
          ? `Background jobs in ${code(ctx.layout.job(n))} with backoff and idempotency keys.`
          : 'Send after commit; log failures.',
        acceptance: [
          gwt('a delivery that fails twice', 'it is retried', 'it is delivered once'),
          testedBy(ctx, 'retries and idempotency'),
        ],
        size: 'L',
        dependsOn: ['integration-client', 'integration-mapping'],
        priority: 1,
      },
    ];
    if (!ctx.d.has('direction', 'outbound')) {
      steps.push({
        key: 'integration-webhook',
        title: `Inbound ${svc} webhook endpoint`,
        description: `\`POST /webhooks/${n.slug}\`: verify the signature on the raw body, enqueue, answer fast.`,
        acceptance: [
          gwt('a bad signature', 'a request arrives', 'the response is 401'),
          testedBy(ctx, 'signature checks with recorded payloads'),
        ],
        size: 'M',
        dependsOn: ['integration-sync'],
        priority: 1,
      });
    }
    if (ctx.d.has('credentials', 'per-tenant')) {
      steps.push({
        key: 'integration-connect',
        title: `Connect/disconnect ${svc} per organisation`,
        description: `OAuth flow, encrypted token storage${hasUi(ctx) ? ', and a settings screen' : ''}.`,
        acceptance: [
          gwt('a disconnected organisation', 'an event happens', 'nothing is sent for it'),
          testedBy(ctx, 'token storage and the OAuth callback'),
        ],
        size: 'L',
        dependsOn: ['integration-client'],
        priority: 1,
      });
    }
    steps.push({
      key: 'integration-docs',
      title: `Document the ${svc} setup`,
      description: `In ${code(ctx.layout.docs)}: creating the ${svc} app/token, configuration, and what is sent.`,
      acceptance: ['An operator can enable the integration from the docs alone.'],
      size: 'S',
      dependsOn: ['integration-sync'],
      priority: 3,
    });
    return steps;
  },
};
