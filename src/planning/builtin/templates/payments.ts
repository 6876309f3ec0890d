import { namesFor } from '../layout.ts';
import { listSentence } from '../text.ts';
import type { PlanContext, Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, dataLines, existingDir, existingUiFile, gwt, hasUi, testedBy, uiTestTool } from './wording.ts';

const PROVIDERS: Record<string, string> = {
  stripe: 'Stripe',
  paypal: 'PayPal',
  adyen: 'Adyen',
  mollie: 'Mollie',
  braintree: 'Braintree',
};

function dependsOnProvider(ctx: PlanContext, id: string): boolean {
  return ctx.repo.dependencies.some((dep) => dep.toLowerCase().includes(id));
}

function ordersDir(ctx: PlanContext): string | null {
  return existingDir(ctx, /order/) ?? existingDir(ctx, /cart|checkout|basket/);
}

const provider: Topic = {
  id: 'provider',
  label: 'Payment providers',
  multi: true,
  key: true,
  choices: [
    { value: 'stripe', short: 'Stripe', match: /\bstripe\b/ },
    { value: 'paypal', short: 'PayPal', match: /\bpay ?pal\b/ },
    {
      value: 'both',
      short: 'Both',
      option: () => 'Both Stripe and PayPal',
      match: /\bboth\b|\ball of them\b/,
      expands: ['stripe', 'paypal'],
    },
    { value: 'adyen', short: 'Adyen', match: /\badyen\b/, hidden: true },
    { value: 'mollie', short: 'Mollie', match: /\bmollie\b/, hidden: true },
    { value: 'braintree', short: 'Braintree', match: /\bbraintree\b/, hidden: true },
  ],
  fallback: (ctx) =>
    dependsOnProvider(ctx, 'paypal') && !dependsOnProvider(ctx, 'stripe') ? ['paypal'] : ['stripe'],
  question: (ctx) =>
    dependsOnProvider(ctx, 'stripe')
      ? 'The repository already depends on the Stripe SDK. Should checkout use Stripe only, or also offer PayPal?'
      : 'Which payment providers should checkout support?',
  why: () =>
    'Each provider is its own adapter, webhook format, sandbox account and set of failure modes; supporting two roughly doubles the integration and test work.',
  assumption: (ctx) =>
    `${PROVIDERS[provider.fallback(ctx)[0]!]} only, behind a provider interface so a second provider can be added later`,
};

const currency: Topic = {
  id: 'currency',
  label: 'Currency',
  choices: [
    {
      value: 'single',
      short: 'One currency',
      option: () => 'One currency (the one prices use today)',
      match: /\b(single|one|same) currency\b/,
    },
    { value: 'eur', short: 'EUR', match: /\beur(os?)?\b|€/ },
    { value: 'usd', short: 'USD', match: /\busd\b|\bus dollars?\b|\$\d/ },
    { value: 'gbp', short: 'GBP', match: /\bgbp\b|£|\bpounds? sterling\b/ },
    {
      value: 'multi',
      short: 'Several currencies',
      option: () => 'Several currencies, chosen per order',
      match: /\bmulti[- ]?currenc(y|ies)\b|\b(several|multiple|many) currencies\b/,
    },
  ],
  fallback: () => ['single'],
  question: (ctx) =>
    `Which currency do ${ordersDir(ctx) ? `orders in ${code(ordersDir(ctx)!)}` : 'prices'} use — one fixed currency, or several chosen per order?`,
  why: () =>
    'Amounts are stored as integer minor units with their currency; several currencies add a currency column, zero-decimal handling (JPY) and per-currency display.',
  assumption: () => 'one currency, the one prices are stored in today; amounts kept in integer minor units',
};

const refunds: Topic = {
  id: 'refunds',
  label: 'Refunds',
  key: true,
  subject: /\brefund(s|ing|ed)?\b/,
  choices: [
    {
      value: 'partial',
      short: 'Full and partial refunds',
      option: () => 'Full and partial refunds from the admin side',
      match: /\bpartial(ly)?\b[^.;]{0,20}\brefund|\brefunds? [^.;]{0,20}\bpartial/,
    },
    {
      value: 'full',
      short: 'Full refunds only',
      option: () => 'Full refunds only',
      match: /\bfull refunds?\b|\brefunds?\b/,
    },
    {
      value: 'none',
      short: 'No refunds in the app',
      option: () => 'No refunds in the app (done in the provider dashboard)',
      match: /\brefunds? (in|via|from) the (provider )?dashboard\b/,
      off: true,
    },
  ],
  fallback: () => ['full'],
  question: () => 'Should staff be able to refund payments from the app, and can a refund be partial?',
  why: () =>
    'Partial refunds need a refunded-amount ledger per payment and new order states (partially refunded); without in-app refunds staff use the provider dashboard and the app must still notice them.',
  assumption: () =>
    'full refunds only, triggered by staff in the app; partial refunds are done in the provider dashboard',
};

const checkout: Topic = {
  id: 'checkout',
  label: 'Checkout integration',
  key: true,
  choices: [
    {
      value: 'hosted',
      short: 'Hosted checkout',
      option: () => 'Hosted checkout page (redirect; card data never touches our servers, PCI SAQ A)',
      match: /\bhosted\b|\bredirect\b|\bstripe checkout\b|\bpayment links?\b/,
    },
    {
      value: 'embedded',
      short: 'Embedded payment form',
      option: (ctx) =>
        `Embedded fields in our own ${ctx.stack.frontendName ?? ''} checkout page (Stripe Elements / PayPal buttons, PCI SAQ A-EP)`.replace(
          '  ',
          ' ',
        ),
      match: /\bembedded\b|\belements\b|\bcustom (checkout|form)\b|\bin[- ]page\b|\bpaypal buttons\b/,
    },
  ],
  fallback: () => ['hosted'],
  question: (ctx) =>
    hasUi(ctx)
      ? `Hosted checkout (redirect to the provider) or card fields embedded in our ${ctx.stack.frontendName} checkout page?`
      : 'Hosted checkout (redirect to the provider) or an embedded payment form?',
  why: () =>
    'This sets the PCI scope: hosted checkout keeps card data off our servers (SAQ A); embedded fields widen the scope (SAQ A-EP) and add UI and 3-D Secure handling.',
  assumption: () => 'hosted checkout with a redirect back to the shop (smallest PCI scope)',
};

const webhooks: Topic = {
  id: 'webhooks',
  label: 'Payment confirmation',
  key: true,
  subject: /\bwebhooks?\b/,
  choices: [
    {
      value: 'webhooks',
      short: 'Provider webhooks',
      option: () => 'Provider webhooks (reliable; needs a public endpoint)',
      match: /\bwebhooks?\b/,
    },
    {
      value: 'redirect',
      short: 'Redirect only',
      option: () => 'Only the redirect back to the shop (simpler; misses closed tabs)',
      match: /\bredirect only\b|\bonly (the )?redirect\b|\bpolling\b/,
      off: true,
    },
  ],
  fallback: () => ['webhooks'],
  question: () =>
    'Should payment status come from provider webhooks, or only from the customer being redirected back?',
  why: () =>
    'Customers close tabs before the redirect; webhooks are the reliable source of truth but need a publicly reachable endpoint, signature verification and idempotent processing.',
  assumption: () =>
    'payment status is confirmed by signed provider webhooks; the redirect only shows a pending/succeeded page',
};

const billing: Topic = {
  id: 'billing',
  label: 'Billing model',
  choices: [
    { value: 'one-off', short: 'One-off payments', match: /\bone[- ](off|time)\b|\bsingle payment\b/ },
    {
      value: 'subscription',
      short: 'Subscriptions',
      match: /\bsubscri(be|ption|ptions)\b|\brecurring\b|\bmonthly plan\b/,
    },
  ],
  fallback: () => ['one-off'],
  question: () => 'Are these one-off payments for orders, or recurring subscriptions?',
  why: () =>
    'Subscriptions add plans, renewals, failed-renewal dunning and proration; one-off payments are a single charge per order.',
  assumption: () => 'one-off payments, one per order; no subscriptions',
};

function providerIds(ctx: SpecContext): string[] {
  return ctx.d.values('provider').filter((p) => p in PROVIDERS);
}

function providerNames(ctx: SpecContext): string {
  const ids = providerIds(ctx);
  return ids.length > 0 ? listSentence(ids.map((id) => PROVIDERS[id]!)) : ctx.d.text('provider');
}

function ordersPhrase(ctx: PlanContext): string {
  const dir = ordersDir(ctx);
  return dir ? `the existing ${/order/.test(dir) ? 'orders' : 'cart'} code in ${code(dir)}` : 'the order';
}

export const paymentsTemplate: FeatureTemplate = {
  id: 'payments',
  featureType: 'payments',
  label: 'Payments',
  defaultSubject: 'payment',
  subject: () => 'payment',
  topics: [provider, currency, refunds, checkout, webhooks, billing],
  coreStep: 'checkout-api',
  docsStep: 'payments-docs',
  complexity: (ctx) => {
    let level = 2;
    if (providerIds(ctx).length > 1) level += 1;
    if (ctx.d.has('billing', 'subscription')) level += 1;
    if (ctx.d.has('currency', 'multi')) level += 1;
    if (ctx.d.has('refunds', 'none') && ctx.d.has('checkout', 'hosted') && !ctx.d.on('webhooks')) level -= 1;
    return level;
  },
  goals: (ctx) => {
    const goals = [
      `Customers pay for an order with ${providerNames(ctx)}${ctx.d.has('checkout', 'embedded') ? ' in an embedded payment form' : ' on a hosted checkout page'}.`,
      `Every payment is recorded with provider, provider reference, amount in minor units, currency and status, linked to its order.`,
      ctx.d.on('webhooks')
        ? 'Order status follows the provider’s signed webhooks, so a payment is confirmed even if the customer never returns.'
        : 'Order status is updated when the customer returns from the provider and is re-checked against the provider’s API.',
    ];
    if (ctx.d.on('refunds')) {
      goals.push(
        ctx.d.has('refunds', 'partial')
          ? 'Staff can refund a payment in full or in part.'
          : 'Staff can refund a payment in full.',
      );
    }
    if (ctx.d.has('billing', 'subscription'))
      goals.push('Customers can subscribe to a plan that renews automatically.');
    return goals;
  },
  architecture: (ctx) => {
    const n = ctx.names;
    const lines = dataLines(
      ctx,
      `a \`${n.pascal}\` record (order id, provider, provider reference, amount in minor units, currency, status, idempotency key${ctx.d.has('refunds', 'partial') ? ', refunded amount' : ''})`,
    );
    lines.push(
      `Provider interface in ${code(ctx.layout.part(n, 'provider'))} (\`createCheckout\`, \`verifyWebhook\`, \`refund\`) with one adapter per provider: ${
        providerIds(ctx)
          .map((id) => code(ctx.layout.part(n, id)))
          .join(', ') || code(ctx.layout.part(n, 'adapter'))
      }.`,
    );
    lines.push(
      `Payment service in ${code(ctx.layout.service(n))}: computes the amount from ${ordersPhrase(ctx)} on the server (never from the client), creates the checkout with an idempotency key per order, and owns the status transitions.`,
    );
    const http = ctx.layout.httpEntry(n);
    if (http) {
      const routes = [
        `\`POST /api/payments/checkout\` (order id → provider checkout)`,
        `\`GET /api/payments/:id\``,
      ];
      if (ctx.d.on('webhooks'))
        routes.push(
          ...providerIds(ctx).map((id) => `\`POST /webhooks/${id}\` (raw body, signature checked)`),
        );
      if (ctx.d.on('refunds')) routes.push('`POST /api/payments/:id/refunds` (staff only)');
      lines.push(
        `HTTP in ${code(http)}${ctx.layout.routeRegistry ? `, mounted in ${code(ctx.layout.routeRegistry)}` : ''}: ${routes.join(', ')}.`,
      );
    }
    const page = existingUiFile(ctx, /checkout|cart|basket/i) ?? ctx.layout.uiPage(namesFor('checkout'));
    if (page) {
      lines.push(
        `UI: ${ctx.d.has('checkout', 'embedded') ? 'payment form' : 'a “Pay” button that redirects to the provider'} on the checkout page ${code(page)}, plus success/cancelled pages that show the payment status${ctx.layout.apiClient(n) ? ` via ${code(ctx.layout.apiClient(n)!)}` : ''}.`,
      );
    }
    lines.push(
      `Secrets: provider API keys and webhook signing secrets come from environment variables (${providerIds(
        ctx,
      )
        .map((id) => `\`${id.toUpperCase()}_SECRET_KEY\``)
        .join(', ')}), never from the repository.`,
    );
    return lines;
  },
  edgeCases: (ctx) => {
    const cases = [
      'Amounts are integer minor units end to end; rounding happens once, when the order total is computed, never in the provider adapter.',
      'Double-clicking “Pay” or retrying the request must not create two charges: one idempotency key per order and attempt.',
      'The order total changes (cart edited in another tab) after checkout started: the payment is checked against the order amount before the order is marked paid.',
      'Provider timeouts and 5xx while creating a checkout: the customer sees a retryable error and no orphan payment stays “pending” forever (expire it).',
    ];
    if (ctx.d.on('webhooks')) {
      cases.push(
        'Webhooks are delivered more than once and out of order: handling is idempotent by provider event id, and a late “pending” never overwrites “succeeded”.',
        'A webhook can arrive before the customer is redirected back, or never: the success page reads the stored status instead of trusting the redirect.',
        'Webhook signature verification needs the raw request body; a JSON body parser in front of the route breaks it.',
      );
    }
    if (ctx.d.has('refunds', 'partial')) {
      cases.push(
        'Partial refunds must never exceed the captured amount in total, including concurrent refund requests.',
      );
    } else if (ctx.d.on('refunds')) {
      cases.push(
        'Refunding an already refunded payment is rejected with a clear message instead of a provider error.',
      );
    } else {
      cases.push(
        'Refunds made in the provider dashboard must still move the order to “refunded” (via the refund webhook).',
      );
    }
    if (ctx.d.has('currency', 'multi'))
      cases.push(
        'Zero-decimal currencies (JPY) and three-decimal ones (KWD) convert to minor units differently.',
      );
    if (providerIds(ctx).length > 1)
      cases.push(
        'Provider statuses differ (PayPal “COMPLETED” vs Stripe “succeeded”): both map onto one internal status set.',
      );
    return cases;
  },
  acceptance: (ctx) => {
    const n = ctx.names;
    const criteria = [
      gwt(
        'an order with a total of 42.50',
        'the customer pays with a test card in the provider sandbox',
        'the order is marked paid and the payment stores 4250 minor units',
      ),
      gwt('a checkout request', 'it is sent twice with the same order', 'only one provider checkout exists'),
    ];
    if (ctx.d.on('webhooks')) {
      criteria.push(
        gwt(
          'a webhook with an invalid signature',
          'it is received',
          'it is rejected with 400 and nothing changes',
        ),
        gwt('the same webhook event', 'it is delivered three times', 'the payment is updated once'),
      );
    }
    if (ctx.d.on('refunds')) {
      criteria.push(
        gwt(
          'a paid order',
          `staff refund ${ctx.d.has('refunds', 'partial') ? 'part of it' : 'it'}`,
          `the payment shows the refunded amount and the order is ${ctx.d.has('refunds', 'partial') ? 'partially refunded' : 'refunded'}`,
        ),
      );
    }
    for (const id of providerIds(ctx))
      criteria.push(`${PROVIDERS[id]} sandbox checkout works end to end with test credentials.`);
    criteria.push(
      testedBy(
        ctx,
        'the payment service, each adapter (with recorded provider responses) and the status transitions',
        ctx.layout.test(n),
      ),
    );
    if (hasUi(ctx))
      criteria.push(`${uiTestTool(ctx)} covers the checkout happy path and the cancelled path.`);
    return criteria;
  },
  steps: (ctx) => {
    const n = ctx.names;
    const test = ctx.layout.test(n);
    const steps: Step[] = [];
    const migration = ctx.layout.migration(n);
    if (migration) {
      steps.push({
        key: 'payment-schema',
        title: `Payment records: model and migration`,
        description: `Add the \`${n.pascal}\` model in ${code(ctx.layout.model(n)!)} and ${migration}. Fields: order id, provider, provider reference, amount (minor units), currency, status, idempotency key${ctx.d.has('refunds', 'partial') ? ', refunded amount' : ''}. Unique index on (provider, provider reference).`,
        acceptance: [
          'The migration applies on an empty database and on a copy of production data, and rolls back.',
          testedBy(ctx, 'the unique (provider, reference) constraint'),
        ],
        size: 'M',
        dependsOn: [],
        priority: 1,
      });
    }
    steps.push({
      key: 'payment-service',
      title: 'Payment service and provider interface',
      description: `Create ${code(ctx.layout.part(n, 'provider'))} (provider interface) and ${code(ctx.layout.service(n))}: amount computed from ${ordersPhrase(ctx)}, idempotency key per order, status transitions pending → succeeded/failed${ctx.d.on('refunds') ? ' → refunded' : ''}.`,
      acceptance: [
        gwt(
          'an order',
          'a checkout is created twice',
          'the provider is called with the same idempotency key',
        ),
        testedBy(ctx, 'every allowed and refused status transition', test),
      ],
      size: 'M',
      dependsOn: ['payment-schema'],
      priority: 1,
    });
    for (const id of providerIds(ctx)) {
      steps.push({
        key: `${id}-adapter`,
        title: `${PROVIDERS[id]} adapter`,
        description: `Implement the provider interface for ${PROVIDERS[id]} in ${code(ctx.layout.part(n, id))}: create ${ctx.d.has('checkout', 'embedded') ? 'a payment intent/order for the embedded form' : 'a hosted checkout session'}, map its statuses, ${ctx.d.on('refunds') ? 'refund, ' : ''}and verify webhook signatures. Keys from the environment.`,
        acceptance: [
          `A sandbox ${PROVIDERS[id]} payment can be created and read back with test credentials.`,
          testedBy(ctx, `status mapping and signature verification with recorded ${PROVIDERS[id]} payloads`),
        ],
        size: 'L',
        dependsOn: ['payment-service'],
        priority: 1,
      });
    }
    steps.push({
      key: 'checkout-api',
      title: 'Checkout endpoints',
      description: `${ctx.layout.httpEntry(n) ? `In ${code(ctx.layout.httpEntry(n)!)}` : 'Expose'}: \`POST /api/payments/checkout\` (order id → provider checkout URL or client secret) and \`GET /api/payments/:id\`. Only the order’s owner may pay it.`,
      acceptance: [
        gwt(
          'another customer’s order id',
          'checkout is requested',
          'the response is 404 and no checkout is created',
        ),
        testedBy(ctx, 'the endpoints with the provider adapters faked'),
      ],
      size: 'M',
      dependsOn: providerIds(ctx)
        .map((id) => `${id}-adapter`)
        .concat('payment-service'),
      priority: 1,
    });
    if (ctx.d.on('webhooks')) {
      steps.push({
        key: 'payment-webhooks',
        title: 'Provider webhooks update payments and orders',
        description: `Webhook routes for ${providerNames(ctx)} (raw body, signature verified), deduplicated by provider event id, driving the payment and order status.`,
        acceptance: [
          gwt(
            'a duplicated or out-of-order webhook',
            'it is processed',
            'the final status is the same as with one in-order delivery',
          ),
          gwt('an invalid signature', 'the webhook is received', 'the response is 400 and nothing changes'),
          testedBy(ctx, 'signature failure, duplicates and ordering'),
        ],
        size: 'L',
        dependsOn: ['checkout-api'],
        priority: 1,
      });
    }
    if (ctx.d.on('refunds')) {
      steps.push({
        key: 'refunds',
        title: ctx.d.has('refunds', 'partial') ? 'Full and partial refunds' : 'Full refunds',
        description: `\`POST /api/payments/:id/refunds\` for staff${ctx.d.has('refunds', 'partial') ? ' with an amount; the total refunded never exceeds the captured amount' : ''}. Refund state also follows the provider’s refund events.`,
        acceptance: [
          gwt('a paid order', 'staff refund it', 'the provider refund exists and the order shows it'),
          gwt('a non-staff user', 'they call the refund endpoint', 'the response is 403'),
          testedBy(
            ctx,
            ctx.d.has('refunds', 'partial')
              ? 'over-refunding and concurrent partial refunds'
              : 'double refunds',
          ),
        ],
        size: 'M',
        dependsOn: ctx.d.on('webhooks') ? ['payment-webhooks'] : ['checkout-api'],
        priority: 2,
      });
    }
    const page = existingUiFile(ctx, /checkout|cart|basket/i) ?? ctx.layout.uiPage(namesFor('checkout'));
    if (page) {
      steps.push({
        key: 'checkout-ui',
        title: `Checkout UI in ${ctx.stack.frontendName}`,
        description: `${ctx.d.has('checkout', 'embedded') ? 'Embedded payment form' : '“Pay” button redirecting to the provider'} on ${code(page)}, plus success and cancelled pages that read the stored payment status.`,
        acceptance: [
          gwt(
            'a customer on the checkout page',
            'they pay with a test card',
            'they land on the success page showing “paid”',
          ),
          gwt(
            'a customer who cancels at the provider',
            'they come back',
            'the cart is intact and they can retry',
          ),
          `${uiTestTool(ctx)} covers both paths.`,
        ],
        size: 'M',
        dependsOn: ['checkout-api'],
        priority: 2,
      });
    }
    steps.push({
      key: 'payments-docs',
      title: 'Document payment setup and operations',
      description: `In ${code(ctx.layout.docs)}: environment variables, sandbox setup${ctx.d.on('webhooks') ? ', webhook URLs to register with each provider' : ''}, and how to find a payment for an order.`,
      acceptance: ['A new developer can run a sandbox payment locally by following the docs alone.'],
      size: 'S',
      dependsOn: ['checkout-api', 'payment-webhooks', 'refunds'],
      priority: 3,
    });
    return steps;
  },
};
