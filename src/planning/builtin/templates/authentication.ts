import { namesFor } from '../layout.ts';
import { listSentence } from '../text.ts';
import type { PlanContext, Topic } from '../topics.ts';
import type { FeatureTemplate, SpecContext, Step } from './types.ts';
import { code, dataLines, gwt, hasUi, schemaChange, testedBy, uiTestTool } from './wording.ts';

const METHODS: Record<string, string> = {
  password: 'email + password',
  oauth: 'Google/GitHub sign-in (OAuth)',
  sso: 'enterprise SSO (OIDC/SAML)',
  magic: 'magic links by email',
};

/** The framework's own auth building blocks, so the spec extends them instead of reinventing them. */
function builtinAuth(ctx: PlanContext): string | null {
  switch (ctx.stack.backend) {
    case 'django':
      return '`django.contrib.auth` (User model, password hashers, sessions)';
    case 'rails':
      return '`has_secure_password` and the Rails session (or the Rails authentication generator)';
    case 'spring':
      return 'Spring Security (`SecurityFilterChain`, `BCryptPasswordEncoder`)';
    case 'nestjs':
      return '`@nestjs/passport` guards';
    case 'laravel':
      return 'Laravel’s auth scaffolding';
    default:
      return null;
  }
}

function hasher(ctx: PlanContext): string {
  switch (ctx.stack.language) {
    case 'go':
      return 'golang.org/x/crypto/argon2id';
    case 'python':
      return ctx.stack.backend === 'django' ? 'Django’s Argon2 hasher' : 'argon2-cffi';
    case 'rust':
      return 'the argon2 crate';
    case 'java':
    case 'kotlin':
      return 'Spring Security’s Argon2/BCrypt encoder';
    case 'ruby':
      return 'bcrypt (has_secure_password)';
    default:
      return 'argon2 (argon2id)';
  }
}

const method: Topic = {
  id: 'method',
  label: 'Sign-in methods',
  multi: true,
  key: true,
  choices: [
    {
      value: 'password',
      short: 'Email + password',
      match: /\bpasswords?\b|\bemail and password\b|\bcredentials\b/,
    },
    {
      value: 'oauth',
      short: 'Google/GitHub sign-in',
      option: () => 'Sign in with Google/GitHub (OAuth)',
      match: /\boauth\b|\bgoogle\b|\bgithub (login|sign[- ]?in)\b|\bsocial login\b/,
    },
    {
      value: 'sso',
      short: 'Enterprise SSO',
      option: () => 'Enterprise SSO (OIDC/SAML, e.g. Keycloak, Okta)',
      match: /\bsso\b|\bsaml\b|\boidc\b|\bopenid\b|\bkeycloak\b|\bokta\b|\bazure ad\b/,
    },
    {
      value: 'magic',
      short: 'Magic links',
      option: () => 'Passwordless magic links by email',
      match: /\bmagic[- ]links?\b|\bpasswordless\b/,
    },
  ],
  fallback: () => ['password'],
  question: () => 'How should people sign in?',
  why: () =>
    'Each method is its own flow and failure mode: passwords need hashing, reset and lockout; OAuth/SSO need provider apps, callback URLs and account linking.',
  assumption: () =>
    'email + password only; social/SSO sign-in can be added later behind the same session layer',
};

const sessions: Topic = {
  id: 'sessions',
  label: 'Sessions',
  key: true,
  choices: [
    {
      value: 'cookie',
      short: 'Server-side sessions in an httpOnly cookie',
      option: () => 'Server-side sessions in an httpOnly cookie',
      match: /\bcookies?\b|\bserver[- ]side sessions?\b|\bsession cookies?\b/,
    },
    {
      value: 'jwt',
      short: 'Bearer tokens (JWT)',
      option: () => 'Bearer tokens (short-lived JWT + refresh token)',
      match: /\bjwts?\b|\bbearer\b|\baccess tokens?\b|\brefresh tokens?\b/,
    },
  ],
  fallback: (ctx) => (hasUi(ctx) || !ctx.stack.backend ? ['cookie'] : ['jwt']),
  question: (ctx) =>
    hasUi(ctx)
      ? `Should the ${ctx.stack.frontendName} app use cookie sessions (server-side, httpOnly) or bearer tokens (JWT)?`
      : 'Should API clients authenticate with server-side sessions or bearer tokens (JWT)?',
  why: () =>
    'Cookie sessions can be revoked instantly and are safe from XSS token theft but need CSRF protection; JWTs suit API clients but are hard to revoke.',
  assumption: (ctx) =>
    sessions.fallback(ctx)[0] === 'cookie'
      ? 'server-side sessions in an httpOnly, Secure, SameSite=Lax cookie, with CSRF protection on state-changing requests'
      : 'short-lived JWT access tokens (15 min) with rotating refresh tokens',
};

const signup: Topic = {
  id: 'signup',
  label: 'Who can create an account',
  key: true,
  choices: [
    {
      value: 'open',
      short: 'Open sign-up with email verification',
      option: () => 'Anyone can sign up (email verification required)',
      match: /\b(self[- ]?)?sign[- ]?ups?\b|\bregist(er|ration)\b|\bopen registration\b/,
    },
    {
      value: 'invite',
      short: 'Invite only',
      option: () => 'Invite only (an admin or member sends an invite)',
      match: /\binvite[sd]?\b|\binvitation\b/,
    },
    {
      value: 'admin',
      short: 'Accounts created by admins',
      option: () => 'Admins create accounts',
      match: /\badmins? create\b|\bno (self[- ]?)?sign[- ]?up\b/,
    },
  ],
  fallback: () => ['open'],
  question: () => 'Who can create an account?',
  why: () =>
    'Open sign-up needs email verification and abuse protection; invite-only needs invite tokens and expiry; admin-created accounts need a first-password flow.',
  assumption: () => 'open sign-up with a required email verification link',
};

const mfa: Topic = {
  id: 'mfa',
  label: 'Two-factor authentication',
  subject: /\b(2fa|mfa|two[- ]factor|multi[- ]factor)\b/,
  choices: [
    {
      value: 'totp',
      short: 'Optional TOTP',
      option: () => 'Optional authenticator-app codes (TOTP) + recovery codes',
      match: /\btotp\b|\bauthenticator\b|\b2fa\b|\bmfa\b|\btwo[- ]factor\b/,
    },
    {
      value: 'none',
      short: 'No 2FA for now',
      option: () => 'Not now',
      match: /\bno 2fa\b|\bwithout (2fa|mfa)\b/,
      off: true,
    },
  ],
  fallback: () => ['none'],
  question: () => 'Is two-factor authentication (authenticator app) part of this work?',
  why: () =>
    '2FA adds enrolment, recovery codes and a second login step; it is much cheaper to design the session layer for it now than to retrofit.',
  assumption: () => 'no 2FA in this work; the login flow leaves room for a second step',
};

const reset: Topic = {
  id: 'reset',
  label: 'Password reset',
  subject: /\b(password )?reset\b|\bforgot(ten)? password\b/,
  choices: [
    {
      value: 'email',
      short: 'Reset by email link',
      option: () => 'Yes, a single-use emailed link (expires in 1 hour)',
      match: /\breset (link|by email|via email)\b|\bforgot(ten)? password\b|\bpassword reset\b/,
    },
    {
      value: 'none',
      short: 'No self-service reset',
      option: () => 'No, admins reset passwords',
      match: /\bno (password )?reset\b/,
      off: true,
    },
  ],
  fallback: () => ['email'],
  applies: () => true,
  question: () => 'Should users reset a forgotten password themselves by email?',
  why: () =>
    'Self-service reset needs outgoing email, single-use expiring tokens and must not reveal which emails have accounts.',
  assumption: () => 'a single-use reset link by email that expires after one hour',
};

const roles: Topic = {
  id: 'roles',
  label: 'Roles',
  choices: [
    {
      value: 'none',
      short: 'Signed in or not',
      option: () => 'Only “signed in or not”',
      match: /\bno roles\b/,
    },
    {
      value: 'roles',
      short: 'User and admin roles',
      option: () => 'Roles (e.g. user / admin) checked per route',
      match: /\broles?\b|\brbac\b|\badmins?\b|\bpermissions?\b/,
    },
  ],
  fallback: () => ['none'],
  question: () => 'Do routes need roles (e.g. admin-only pages), or is “signed in” enough?',
  why: () => 'Roles add a column, a check on every protected route and an admin bootstrap story.',
  assumption: () => 'one role: a route is either public or requires a signed-in user',
};

function methods(ctx: SpecContext): string[] {
  return ctx.d.values('method').filter((m) => m in METHODS);
}

export const authenticationTemplate: FeatureTemplate = {
  id: 'authentication',
  featureType: 'authentication',
  label: 'Authentication',
  defaultSubject: 'user',
  subject: () => 'user',
  topics: [method, sessions, signup, mfa, reset, roles],
  coreStep: 'auth-endpoints',
  docsStep: 'auth-docs',
  complexity: (ctx) => {
    let level = 2;
    if (methods(ctx).length > 1) level += 1;
    if (ctx.d.on('mfa')) level += 1;
    if (ctx.d.has('method', 'sso')) level += 1;
    if (builtinAuth(ctx)) level -= 1;
    return level;
  },
  goals: (ctx) => {
    const goals = [
      `People sign in with ${listSentence(methods(ctx).map((m) => METHODS[m]!)) || ctx.d.text('method')} and stay signed in with ${ctx.d.has('sessions', 'jwt') ? 'short-lived bearer tokens' : 'a secure session cookie'}.`,
      `${ctx.d.has('signup', 'invite') ? 'Accounts are created from invitations' : ctx.d.has('signup', 'admin') ? 'Admins create accounts' : 'Anyone can create an account and must verify their email'}.`,
      'Protected routes refuse anonymous requests; signing out ends the session everywhere it is used.',
    ];
    if (ctx.d.on('reset')) goals.push('Users can reset a forgotten password with a single-use emailed link.');
    if (ctx.d.on('mfa'))
      goals.push('Users can enable authenticator-app 2FA and recover with one-time codes.');
    if (ctx.d.has('roles', 'roles')) goals.push('Routes can require a role (user/admin).');
    return goals;
  },
  architecture: (ctx) => {
    const lines: string[] = [];
    const framework = builtinAuth(ctx);
    if (framework) lines.push(`Build on ${framework} rather than custom code.`);
    lines.push(
      ...dataLines(
        ctx,
        `users (email unique, password hash, verified_at${ctx.d.has('roles', 'roles') ? ', role' : ''}${ctx.d.on('mfa') ? ', totp secret (encrypted), recovery codes (hashed)' : ''})${ctx.d.has('sessions', 'cookie') ? ' and sessions' : ' and refresh tokens'}`,
      ),
    );
    if (ctx.d.has('method', 'password'))
      lines.push(`Passwords hashed with ${hasher(ctx)}; never logged, never returned.`);
    lines.push(
      `Auth service in ${code(ctx.layout.service(namesFor('auth')))}: sign-up, sign-in, sign-out, verification${ctx.d.on('reset') ? ', reset' : ''}.`,
    );
    const http = ctx.layout.httpEntry(namesFor('auth'));
    if (http) {
      lines.push(
        `HTTP in ${code(http)}: \`POST /auth/signup\`, \`POST /auth/login\`, \`POST /auth/logout\`${ctx.d.on('reset') ? ', `POST /auth/password-reset`, `POST /auth/password-reset/confirm`' : ''}${ctx.d.has('method', 'oauth') ? ', `GET /auth/oauth/:provider/callback`' : ''}; a ${ctx.d.has('sessions', 'jwt') ? 'bearer-token' : 'session'} middleware in ${code(ctx.layout.part(namesFor('auth'), 'middleware'))} protects routes.`,
      );
    }
    const page = ctx.layout.uiPage(namesFor('login'));
    if (page)
      lines.push(
        `UI: ${code(page)} and sign-up${ctx.d.on('reset') ? '/reset' : ''} pages; the app shell shows the signed-in user and a sign-out action.`,
      );
    return lines;
  },
  edgeCases: (ctx) => {
    const cases = [
      'Sign-in errors never reveal whether an email has an account (“email or password is wrong”).',
      'Repeated failed sign-ins are rate-limited per account and per IP; lockout must not let attackers lock out real users forever.',
      'Emails are compared case-insensitively and trimmed; two accounts that differ only by case are impossible.',
      ctx.d.has('sessions', 'jwt')
        ? 'Refresh tokens rotate on use; reuse of an old refresh token revokes the whole token family.'
        : 'Session ids rotate on sign-in (session fixation); cookies are httpOnly, Secure and SameSite=Lax; state-changing requests need a CSRF token.',
      'Signing out, changing the password or disabling a user ends all their sessions.',
    ];
    if (ctx.d.on('reset'))
      cases.push(
        'Reset tokens are single-use, expire after an hour and are stored hashed; requesting one for an unknown email looks identical.',
      );
    if (ctx.d.has('method', 'oauth') || ctx.d.has('method', 'sso')) {
      cases.push(
        'An OAuth/SSO identity whose email matches an existing password account is linked only after the user proves they own that account.',
      );
    }
    if (ctx.d.on('mfa'))
      cases.push('Losing the authenticator device: recovery codes are single-use and shown once.');
    return cases;
  },
  acceptance: (ctx) => {
    const criteria = [
      gwt('a verified user', 'they sign in with the right password', 'they reach a protected page'),
      gwt('any email', 'sign-in fails', 'the message is the same whether or not the account exists'),
      gwt('a signed-in user', 'they sign out', 'their old session/token is refused with 401'),
      gwt(
        '10 failed sign-ins for one account within 15 minutes',
        'another attempt is made',
        'it is refused with 429',
      ),
    ];
    if (ctx.d.on('reset'))
      criteria.push(gwt('a reset link', 'it is used twice', 'the second use is refused'));
    if (ctx.d.on('mfa'))
      criteria.push(
        gwt('a user with 2FA', 'they enter the right password but no code', 'they are not signed in'),
      );
    criteria.push(
      testedBy(
        ctx,
        'hashing, every auth endpoint and the protection middleware',
        ctx.layout.test(namesFor('auth')),
      ),
    );
    if (hasUi(ctx)) criteria.push(`${uiTestTool(ctx)} covers sign-up, sign-in and sign-out in the browser.`);
    return criteria;
  },
  steps: (ctx) => {
    const auth = namesFor('auth');
    const steps: Step[] = [];
    const migration = ctx.layout.migration(namesFor('user'));
    if (migration) {
      steps.push({
        key: 'users-schema',
        title: 'Users and sessions: model and migration',
        description: `${schemaChange(ctx, 'users and sessions tables') ?? 'Users and sessions storage'}. Unique index on lower(email).`,
        acceptance: [
          'The migration applies and rolls back cleanly.',
          testedBy(ctx, 'the case-insensitive unique email constraint'),
        ],
        size: 'M',
        dependsOn: [],
        priority: 1,
      });
    }
    steps.push({
      key: 'auth-service',
      title: 'Auth service: hashing, sign-up, sign-in',
      description: `${code(ctx.layout.service(auth))} with ${ctx.d.has('method', 'password') ? `${hasher(ctx)} hashing, ` : ''}account creation (${ctx.d.text('signup')}), sign-in and ${ctx.d.has('sessions', 'jwt') ? 'token issuing/rotation' : 'session creation/rotation'}.`,
      acceptance: [
        gwt('a new account', 'its row is read', 'no plaintext password is stored'),
        testedBy(ctx, 'sign-up, sign-in success and failure, and verification'),
      ],
      size: 'L',
      dependsOn: ['users-schema'],
      priority: 1,
    });
    steps.push({
      key: 'auth-endpoints',
      title: 'Auth endpoints and route protection',
      description: `Sign-up/sign-in/sign-out endpoints and a middleware that protects routes${ctx.d.has('roles', 'roles') ? ' and checks roles' : ''}; rate limiting on sign-in.`,
      acceptance: [
        gwt('an anonymous request', 'it hits a protected route', 'the response is 401'),
        gwt('repeated failed sign-ins', 'the limit is reached', 'the response is 429'),
        testedBy(ctx, 'each endpoint over HTTP'),
      ],
      size: 'M',
      dependsOn: ['auth-service'],
      priority: 1,
    });
    if (ctx.d.on('reset') || ctx.d.has('signup', 'open')) {
      steps.push({
        key: 'auth-emails',
        title: `${ctx.d.on('reset') ? 'Password reset and ' : ''}email verification`,
        description:
          'Single-use, hashed, expiring tokens sent by email; identical responses for known and unknown emails.',
        acceptance: [
          gwt('a used or expired token', 'it is submitted', 'it is refused'),
          testedBy(ctx, 'token expiry and single use'),
        ],
        size: 'M',
        dependsOn: ['auth-endpoints'],
        priority: 2,
      });
    }
    if (ctx.d.has('method', 'oauth') || ctx.d.has('method', 'sso')) {
      steps.push({
        key: 'oauth-sign-in',
        title: ctx.d.has('method', 'sso') ? 'SSO (OIDC) sign-in' : 'Google/GitHub sign-in',
        description:
          'Authorization-code flow with PKCE and state, callback handling, and safe linking to existing accounts.',
        acceptance: [
          gwt('a callback with a wrong state', 'it is received', 'sign-in is refused'),
          testedBy(ctx, 'the callback with a fake identity provider'),
        ],
        size: 'L',
        dependsOn: ['auth-endpoints'],
        priority: 1,
      });
    }
    if (ctx.d.on('mfa')) {
      steps.push({
        key: 'totp-2fa',
        title: 'Authenticator-app 2FA',
        description: 'TOTP enrolment with QR code, verification at sign-in, single-use recovery codes.',
        acceptance: [
          gwt('2FA enabled', 'a user signs in without a code', 'they are not signed in'),
          testedBy(ctx, 'code windows and recovery codes'),
        ],
        size: 'L',
        dependsOn: ['auth-endpoints'],
        priority: 2,
      });
    }
    const page = ctx.layout.uiPage(namesFor('login'));
    if (page) {
      steps.push({
        key: 'auth-ui',
        title: `Sign-in and sign-up pages in ${ctx.stack.frontendName}`,
        description: `${code(page)} plus sign-up${ctx.d.on('reset') ? ' and reset' : ''} pages; redirect back to the page that required sign-in.`,
        acceptance: [
          gwt('an anonymous visitor on a protected page', 'they sign in', 'they land back on that page'),
          `${uiTestTool(ctx)} covers the sign-in flow.`,
        ],
        size: 'M',
        dependsOn: ['auth-endpoints'],
        priority: 2,
      });
    }
    steps.push({
      key: 'auth-docs',
      title: 'Document authentication',
      description: `In ${code(ctx.layout.docs)}: required secrets, how to create the first admin, and how sessions expire.`,
      acceptance: ['A fresh checkout can create a first user by following the docs.'],
      size: 'S',
      dependsOn: ['auth-endpoints'],
      priority: 3,
    });
    return steps;
  },
};
