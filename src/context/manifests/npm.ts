import { type LabelRule, labelDependencies } from './dependency-labels.ts';
import type { DeclaredDependency, ManifestFindings, ManifestInput } from './types.ts';

const NPM_RULES: readonly LabelRule[] = [
  ['@nestjs/core', 'NestJS', 'framework'],
  ['next', 'Next.js', 'framework'],
  ['nuxt', 'Nuxt', 'framework'],
  ['@remix-run/*', 'Remix', 'framework'],
  ['@sveltejs/kit', 'SvelteKit', 'framework'],
  ['astro', 'Astro', 'framework'],
  ['express', 'Express', 'framework'],
  ['fastify', 'Fastify', 'framework'],
  ['koa', 'Koa', 'framework'],
  ['@hapi/hapi', 'hapi', 'framework'],
  ['hono', 'Hono', 'framework'],
  ['@trpc/server', 'tRPC', 'framework'],
  ['graphql', 'GraphQL', 'framework'],
  ['@apollo/server', 'Apollo Server', 'framework'],
  ['apollo-server*', 'Apollo Server', 'framework'],
  ['react', 'React', 'framework'],
  ['react-native', 'React Native', 'framework'],
  ['expo', 'Expo', 'framework'],
  ['vue', 'Vue', 'framework'],
  ['svelte', 'Svelte', 'framework'],
  ['@angular/core', 'Angular', 'framework'],
  ['solid-js', 'Solid', 'framework'],
  ['preact', 'Preact', 'framework'],
  ['electron', 'Electron', 'framework'],
  ['tailwindcss', 'Tailwind CSS', 'framework'],
  ['prisma', 'Prisma', 'framework'],
  ['@prisma/client', 'Prisma', 'framework'],
  ['typeorm', 'TypeORM', 'framework'],
  ['drizzle-orm', 'Drizzle', 'framework'],
  ['sequelize', 'Sequelize', 'framework'],
  ['mongoose', 'Mongoose', 'framework'],
  ['@mikro-orm/core', 'MikroORM', 'framework'],
  ['knex', 'Knex', 'framework'],
  ['bullmq', 'BullMQ', 'framework'],
  ['socket.io', 'Socket.IO', 'framework'],
  ['stripe', 'Stripe SDK', 'framework'],
  ['@stripe/*', 'Stripe SDK', 'framework'],
  ['next-auth', 'NextAuth.js', 'framework'],
  ['passport', 'Passport', 'framework'],
  ['@supabase/supabase-js', 'Supabase', 'framework'],
  ['firebase', 'Firebase', 'framework'],
  ['@aws-sdk/*', 'AWS SDK', 'framework'],
  ['zod', 'Zod', 'framework'],
  ['vite', 'Vite', 'framework'],
  ['vitest', 'Vitest', 'test'],
  ['jest', 'Jest', 'test'],
  ['mocha', 'Mocha', 'test'],
  ['ava', 'AVA', 'test'],
  ['jasmine', 'Jasmine', 'test'],
  ['karma', 'Karma', 'test'],
  ['@playwright/test', 'Playwright', 'test'],
  ['playwright', 'Playwright', 'test'],
  ['cypress', 'Cypress', 'test'],
  ['@testing-library/*', 'Testing Library', 'test'],
  ['supertest', 'Supertest', 'test'],
];

/** Lock files, most specific first: a repo that has two keeps the one listed earlier. */
const LOCK_FILE_MANAGERS: ReadonlyArray<readonly [string, string]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dependencyTable(value: unknown, dev: boolean): DeclaredDependency[] {
  if (!isRecord(value)) return [];
  return Object.entries(value)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, version]) => ({ name, version, dev }));
}

function packageManagerOf(pkg: Record<string, unknown>, input: ManifestInput): string {
  // `"packageManager": "pnpm@9.1.0"` (Corepack) states it outright.
  if (typeof pkg.packageManager === 'string') {
    const name = /^(npm|pnpm|yarn|bun)@/.exec(pkg.packageManager)?.[1];
    if (name) return name;
  }
  for (const [file, manager] of LOCK_FILE_MANAGERS) if (input.hasNearby(file)) return manager;
  return 'npm';
}

function scriptTestTools(pkg: Record<string, unknown>): string[] {
  if (!isRecord(pkg.scripts)) return [];
  const commands = Object.values(pkg.scripts).filter((value) => typeof value === 'string');
  return commands.some((command) => /\bnode\b[^&|;]*\s--test\b/.test(command)) ? ['node:test'] : [];
}

export function parsePackageJson(input: ManifestInput): ManifestFindings {
  const pkg: unknown = JSON.parse(input.text);
  if (!isRecord(pkg)) throw new Error('package.json is not a JSON object');
  const dependencies = [
    ...dependencyTable(pkg.dependencies, false),
    ...dependencyTable(pkg.peerDependencies, false),
    ...dependencyTable(pkg.optionalDependencies, false),
    ...dependencyTable(pkg.devDependencies, true),
  ];
  const { frameworks, testTools } = labelDependencies(dependencies, NPM_RULES);
  for (const tool of scriptTestTools(pkg)) if (!testTools.includes(tool)) testTools.push(tool);
  return { frameworks, testTools, dependencies, packageManager: packageManagerOf(pkg, input) };
}
