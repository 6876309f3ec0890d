import { capitalize, listSentence } from '../text.ts';
import { decodeText, freeTextTopic, type PlanContext, type Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, dataLines, gwt, hasUi, relevantPaths, schemaChange, testedBy } from './wording.ts';

const CHANNELS: Record<string, string> = {
  email: 'email',
  sms: 'SMS',
  push: 'push notifications',
  inapp: 'in-app notifications',
};

function mailer(ctx: PlanContext): string {
  switch (ctx.stack.backend) {
    case 'spring':
      return 'Spring’s `JavaMailSender` (spring-boot-starter-mail)';
    case 'django':
      return 'Django’s `send_mail` with the SMTP backend';
    case 'rails':
      return 'Action Mailer';
    case 'laravel':
      return 'Laravel Mail';
    default:
      return ctx.stack.language === 'go'
        ? 'net/smtp (or the provider’s HTTP API)'
        : ctx.stack.language === 'python'
          ? 'smtplib / the provider’s SDK'
          : ctx.repo.dependencies.some((d) => /nodemailer/.test(d))
            ? 'nodemailer (already a dependency)'
            : 'nodemailer';
  }
}

function templateEngine(ctx: PlanContext): string {
  switch (ctx.stack.backend) {
    case 'spring':
      return 'Thymeleaf templates in `src/main/resources/templates/mail/`';
    case 'django':
      return 'Django templates in `templates/emails/`';
    case 'rails':
      return 'mailer views in `app/views/*_mailer/`';
    default:
      return `templates in ${code(`${ctx.stack.serverRoot}templates/emails/`)}`;
  }
}

const channels: Topic = {
  id: 'channels',
  label: 'Channels',
  multi: true,
  key: true,
  choices: [
    { value: 'email', short: 'Email', match: /\be-?mails?\b/ },
    {
      value: 'inapp',
      short: 'In-app',
      option: () => 'In-app (bell icon / inbox)',
      match: /\bin[- ]app\b|\bbell\b|\binbox\b/,
    },
    { value: 'sms', short: 'SMS', match: /\bsms\b|\btext messages?\b|\btwilio\b/ },
    {
      value: 'push',
      short: 'Push',
      option: () => 'Mobile/web push',
      match: /\bpush notifications?\b|\bweb push\b|\bfcm\b|\bapns\b/,
    },
  ],
  fallback: () => ['email'],
  question: () => 'Which channels should notifications use?',
  why: () =>
    'Each channel is its own provider, templates, opt-out rules and costs (SMS is paid per message).',
  assumption: () => 'email only',
};

const triggers = freeTextTopic({
  id: 'triggers',
  label: 'Triggers',
  key: true,
  given:
    /\bwhen (a|an|the|someone|my|their|new|it)\b|\bafter (a|an|the)\b|\bon (every|each|new)\b|\b(ships?|shipped|is created|is updated|expires?|fails?)\b/,
  question: () => 'Which events send a notification, and to whom?',
  why: () =>
    'Every trigger is a hook in existing code and a template to write; the recipients decide which data the notification may contain.',
  assumption: () => 'only the events named in the issue, sent to the user the event concerns',
  examples: () => ['Order shipped → customer', 'New comment → record owner', 'Daily digest → admins'],
});

const provider: Topic = {
  id: 'email-provider',
  label: 'Email delivery',
  choices: [
    {
      value: 'smtp',
      short: 'SMTP',
      option: (ctx) => `Plain SMTP via ${mailer(ctx)}`,
      match: /\bsmtp\b|\bmail server\b/,
    },
    { value: 'ses', short: 'Amazon SES', match: /\bses\b|\bamazon ses\b/ },
    { value: 'sendgrid', short: 'SendGrid', match: /\bsendgrid\b/ },
    { value: 'postmark', short: 'Postmark', match: /\bpostmark\b/ },
    { value: 'mailgun', short: 'Mailgun', match: /\bmailgun\b/, hidden: true },
  ],
  key: true,
  fallback: () => ['smtp'],
  // Only when email is (or may be) one of the channels.
  applies: (ctx) => {
    const named = decodeText(channels, `${ctx.issue.title}\n${ctx.issue.body}`).values;
    return named.length === 0 || named.includes('email');
  },
  question: () => 'How should emails be delivered: the company SMTP server or a provider API?',
  why: () =>
    'Provider APIs give bounce/complaint webhooks and better deliverability; SMTP works anywhere, including air-gapped installs.',
  assumption: (ctx) => `SMTP through ${mailer(ctx)}, configured by environment variables`,
};

const preferences: Topic = {
  id: 'preferences',
  label: 'Opt-out',
  key: true,
  subject: /\b(opt[- ]?out|unsubscribe|preferences)\b/,
  choices: [
    {
      value: 'per-type',
      short: 'Opt-out per notification type',
      option: () => 'Users can turn each type off (settings + unsubscribe link)',
      match: /\bopt[- ]?out\b|\bunsubscribe\b|\bpreferences?\b|\bturn (them )?off\b/,
    },
    {
      value: 'none',
      short: 'No opt-out (transactional only)',
      option: () => 'No opt-out: these are transactional messages',
      match: /\btransactional\b|\bno opt[- ]?out\b/,
      off: true,
    },
  ],
  fallback: () => ['per-type'],
  question: () => 'Can users turn these notifications off?',
  why: () =>
    'Non-essential email without an unsubscribe link hurts deliverability and may break anti-spam law; preferences need storage and a settings UI.',
  assumption: () => 'users can opt out per notification type; every email has a one-click unsubscribe link',
};

const delivery: Topic = {
  id: 'delivery',
  label: 'Delivery timing',
  choices: [
    {
      value: 'immediate',
      short: 'Immediately, in the background',
      match: /\bimmediate(ly)?\b|\breal[- ]?time\b|\binstantly\b/,
    },
    {
      value: 'digest',
      short: 'Batched digest',
      option: () => 'Batched into a daily digest',
      match: /\bdigest\b|\bbatch(ed)?\b|\bdaily summary\b/,
    },
  ],
  fallback: () => ['immediate'],
  question: () => 'Should notifications go out one by one as events happen, or batched into a digest?',
  why: () =>
    'Digests need a schedule, aggregation and “already sent” tracking; immediate sending needs de-duplication of bursts.',
  assumption: (ctx) =>
    `sent within a minute of the event, from a background job${ctx.stack.jobRunner ? ` (${ctx.stack.jobRunner})` : ''} after the triggering transaction commits`,
};

/** "when their order ships" — the trigger as the issue words it, title first. */
function triggerPhrase(ctx: PlanContext): string | null {
  for (const text of [ctx.issue.title, ctx.issue.body]) {
    const match = /\b(when|whenever|after|once|as soon as)\s+([^.,;:!?\n]{5,120})/i.exec(text);
    if (match) return `${match[1]!.toLowerCase()} ${match[2]!.trim()}`;
  }
  return null;
}

/** Who receives them, as the issue says ("customers"), else "users". */
function recipients(ctx: PlanContext): string {
  return (
    /\b(customers|users|admins|staff|owners|members|subscribers|clients|patients)\b/i
      .exec(ctx.issue.title)?.[1]
      ?.toLowerCase() ?? 'users'
  );
}

function triggersText(ctx: SpecContext): string {
  const answered = ctx.d.get('triggers')?.custom;
  if (answered) return `for: ${answered}`;
  return triggerPhrase(ctx) ?? 'for the events named in the issue';
}

function channelIds(ctx: SpecContext): string[] {
  return ctx.d.values('channels').filter((c) => c in CHANNELS);
}

export const notificationsTemplate: FeatureTemplate = {
  id: 'notifications',
  featureType: 'notifications',
  label: 'Notifications',
  defaultSubject: 'notification',
  subject: () => 'notification',
  topics: [channels, triggers, provider, preferences, delivery],
  coreStep: 'notification-triggers',
  docsStep: 'notification-docs',
  complexity: (ctx) => {
    let level = 1;
    if (channelIds(ctx).length > 1) level += 1;
    if (ctx.d.has('delivery', 'digest')) level += 1;
    if (ctx.d.on('preferences') && hasUi(ctx)) level += 1;
    return level;
  },
  goals: (ctx) => {
    const goals = [
      `${capitalize(recipients(ctx))} receive ${listSentence(channelIds(ctx).map((c) => CHANNELS[c]!)) || ctx.d.text('channels')} ${triggersText(ctx)}.`,
      'A notification is sent once per event, never for a rolled-back change, and failures are retried.',
    ];
    if (ctx.d.on('preferences'))
      goals.push('Users can turn off each notification type; emails carry a one-click unsubscribe link.');
    if (ctx.d.has('delivery', 'digest')) goals.push('Notifications are collected into a daily digest.');
    return goals;
  },
  architecture: (ctx) => {
    const n = ctx.names;
    const lines = dataLines(
      ctx,
      `a notifications outbox (type, recipient, payload, status, attempts, sent_at, dedupe key)${ctx.d.on('preferences') ? ' and per-user preferences' : ''}`,
    );
    lines.push(
      `Notification service in ${code(ctx.layout.service(n))}: \`notify(type, recipient, data)\` writes to the outbox in the caller’s transaction (so rolled-back changes send nothing).`,
    );
    lines.push(
      `Sender job in ${code(ctx.layout.job(n))}${ctx.stack.jobRunner ? ` on ${ctx.stack.jobRunner}` : ''}: picks pending rows, renders, sends, retries with backoff.`,
    );
    if (channelIds(ctx).includes('email'))
      lines.push(
        `Email: ${ctx.d.has('email-provider', 'smtp') ? mailer(ctx) : `${ctx.d.text('email-provider')} API`}; HTML + plain-text ${templateEngine(ctx)}.`,
      );
    if (channelIds(ctx).includes('sms')) lines.push(`SMS adapter in ${code(ctx.layout.part(n, 'sms'))}.`);
    if (channelIds(ctx).includes('inapp'))
      lines.push(
        `In-app: stored notifications with read/unread, listed by an endpoint${hasUi(ctx) ? ' and a bell menu in the UI' : ''}.`,
      );
    return lines;
  },
  edgeCases: (ctx) => {
    const cases = [
      'The triggering transaction rolls back: no notification is sent (outbox row written in the same transaction).',
      'A burst of events for the same record (e.g. five status changes in a minute): de-duplicate by key or coalesce.',
      'Temporary provider failure: retry with backoff; permanent failure (invalid address, bounce): stop and mark the address.',
      'Recipient’s language and time zone in dates and amounts.',
      'Personal data in notifications is the minimum needed; links require sign-in to see details.',
    ];
    if (ctx.d.on('preferences'))
      cases.push(
        'An unsubscribe link works without signing in, is single-purpose and cannot be used to unsubscribe someone else.',
      );
    if (ctx.d.has('delivery', 'digest'))
      cases.push('Digest window boundaries: events at 23:59 and 00:01 land in exactly one digest.');
    return cases;
  },
  acceptance: (ctx) => {
    const criteria = [
      gwt(
        'a triggering event',
        'its transaction commits',
        `one ${channelIds(ctx).includes('email') ? 'email' : 'notification'} is sent to the right recipient (checked against a fake ${channelIds(ctx).includes('email') ? 'SMTP server' : 'provider'})`,
      ),
      gwt('a triggering event', 'its transaction rolls back', 'nothing is sent'),
      gwt(
        'the provider failing twice',
        'the sender runs',
        'the notification is sent once on the third attempt',
      ),
    ];
    if (ctx.d.on('preferences'))
      criteria.push(gwt('a user who turned this type off', 'the event happens', 'nothing is sent to them'));
    criteria.push(
      testedBy(ctx, 'rendering of each template, the outbox and retries', ctx.layout.test(ctx.names)),
    );
    return criteria;
  },
  steps: (ctx) => {
    const n = ctx.names;
    const steps: Step[] = [];
    if (ctx.layout.migration(n)) {
      steps.push({
        key: 'notification-outbox',
        title: 'Notification outbox: model and migration',
        description: `${schemaChange(ctx, 'the notifications outbox table')}.`,
        acceptance: ['The migration applies and rolls back.', testedBy(ctx, 'the dedupe key constraint')],
        size: 'M',
        dependsOn: [],
        priority: 1,
      });
    }
    steps.push({
      key: 'notification-sender',
      title: `Send ${listSentence(channelIds(ctx).map((c) => CHANNELS[c]!)) || 'notifications'} from the outbox`,
      description: `${code(ctx.layout.job(n))}: render and send pending notifications with retries${channelIds(ctx).includes('email') ? `, using ${ctx.d.has('email-provider', 'smtp') ? mailer(ctx) : ctx.d.text('email-provider')}` : ''}.`,
      acceptance: [
        gwt('a pending notification', 'the sender runs', 'it is sent once and marked sent'),
        testedBy(ctx, 'retries and permanent failures against a fake server'),
      ],
      size: 'L',
      dependsOn: ['notification-outbox'],
      priority: 1,
    });
    steps.push({
      key: 'notification-templates',
      title: 'Notification templates',
      description: `${templateEngine(ctx)} (HTML + plain text) for each notification type.`,
      acceptance: [testedBy(ctx, 'rendering every template with sample data (no missing variables)')],
      size: 'M',
      dependsOn: [],
      priority: 2,
    });
    steps.push({
      key: 'notification-triggers',
      title: 'Emit notifications from the triggering events',
      description: `Call \`notify\` inside the transaction of each trigger (${triggersText(ctx)})${relevantPaths(ctx, 2).length > 0 ? `, starting with ${relevantPaths(ctx, 2).join(' and ')}` : ''}.`,
      acceptance: [
        gwt('each trigger', 'it happens', 'one outbox row exists for the right recipient'),
        testedBy(ctx, 'that a rolled-back change leaves no row'),
      ],
      size: 'M',
      dependsOn: ['notification-sender', 'notification-templates'],
      priority: 1,
    });
    if (ctx.d.on('preferences')) {
      steps.push({
        key: 'notification-preferences',
        title: 'Per-type opt-out and unsubscribe link',
        description: `Preferences storage, a signed one-click unsubscribe link${hasUi(ctx) ? ', and a settings section in the UI' : ''}.`,
        acceptance: [
          gwt('an unsubscribe link', 'it is opened', 'that type is off for that user only'),
          testedBy(ctx, 'signature checks on the link'),
        ],
        size: 'M',
        dependsOn: ['notification-triggers'],
        priority: 2,
      });
    }
    if (ctx.d.has('delivery', 'digest')) {
      steps.push({
        key: 'notification-digest',
        title: 'Daily digest',
        description: 'A scheduled job that gathers unsent notifications per user into one message.',
        acceptance: [gwt('three events in a day', 'the digest runs', 'one message lists all three')],
        size: 'M',
        dependsOn: ['notification-triggers'],
        priority: 2,
      });
    }
    steps.push({
      key: 'notification-docs',
      title: 'Document notification settings',
      description: `In ${code(ctx.layout.docs)}: delivery configuration, how to add a notification type, and how to test locally.`,
      acceptance: ['The docs list every environment variable the sender needs.'],
      size: 'S',
      dependsOn: ['notification-triggers'],
      priority: 3,
    });
    return steps;
  },
};
