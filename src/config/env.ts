import { z } from 'zod';

/**
 * The process environment of docs/architecture.md §2, validated once at start. Every problem is collected
 * so that a misconfigured deployment is fixed in one go, not one restart per variable.
 */

const url = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => URL.canParse(v), { message: `must be a URL (${what})` });

const protocolUrl = (protocols: string[], example: string) =>
  z
    .string()
    .trim()
    .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), {
      message: `must look like ${example}`,
    });

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 (any free port) and 65535')
  .max(65535, 'must be between 0 (any free port) and 65535');

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** Each variable on its own; `envSchema` adds the rules between them. */
export const envVariables = z.object({
  PORT: optional(port).default(8080),
  PUBLIC_URL: optional(url('e.g. https://aiworker.example.com')),
  GITEA_URL: url('e.g. https://gitea.example.com'),
  GITEA_TOKEN: z.string().trim().min(1, 'is required (the bot account token)'),
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters'),
  GITEA_BOT_PASSWORD: optional(z.string().min(1)),
  DATABASE_URL: protocolUrl(['mysql:', 'mariadb:'], 'mysql://user:pass@host:3306/db'),
  REDIS_URL: protocolUrl(['redis:', 'rediss:'], 'redis://127.0.0.1:6379/0'),
  LLM_PROVIDER: optional(z.enum(['builtin', 'anthropic', 'openai'])).default('builtin'),
  ANTHROPIC_API_KEY: optional(z.string().min(1)),
  ANTHROPIC_BASE_URL: optional(url('Anthropic API base URL')),
  LLM_MODEL: optional(z.string().min(1)),
  OPENAI_BASE_URL: optional(url('e.g. http://127.0.0.1:11434/v1')),
  OPENAI_API_KEY: optional(z.string().min(1)),
  /** Per HTTP attempt of an LLM call (ms); provider defaults when unset (5 min Anthropic, 10 min OpenAI-compatible). */
  LLM_TIMEOUT_MS: optional(z.coerce.number({ message: 'must be a number of milliseconds' }).int().positive()),
  AGENT_RUNNER: optional(z.enum(['none', 'local', 'kubernetes'])).default('none'),
  AGENT_COMMAND: optional(z.string().min(1)),
  AGENT_IMAGE: optional(z.string().min(1)),
  AGENT_NAMESPACE: optional(z.string().min(1)),
  AGENT_GIT_TOKEN: optional(z.string().min(1)),
  /** Agent runs at once across every repository (each repository also has `agents.maxConcurrent`). */
  AGENT_MAX_CONCURRENT: optional(
    z.coerce.number({ message: 'must be a number' }).int().min(1).max(1000),
  ).default(4),
  PREVIEW_MODE: optional(z.enum(['off', 'kubernetes', 'argocd'])).default('off'),
  PREVIEW_DOMAIN: optional(z.string().min(1)),
  GITOPS_REPO: optional(z.string().min(1)),
  LOG_LEVEL: optional(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])).default('info'),
  WEBHOOK_MAX_BYTES: optional(z.coerce.number().int().positive()).default(5 * 1024 * 1024),
  /** Bot comments created on one issue within an hour before the loop breaker trips. */
  COMMENT_BREAKER_PER_HOUR: optional(z.coerce.number().int().min(3).max(1000)).default(30),
  WORKER_CONCURRENCY: optional(z.coerce.number().int().min(1).max(256)).default(8),
});

export const envSchema = envVariables
  .superRefine((env, ctx) => {
    const need = (cond: boolean, path: string, message: string) => {
      if (cond) ctx.addIssue({ code: 'custom', path: [path], message });
    };
    need(
      env.LLM_PROVIDER === 'anthropic' && !env.ANTHROPIC_API_KEY,
      'ANTHROPIC_API_KEY',
      'is required when LLM_PROVIDER=anthropic',
    );
    need(
      env.LLM_PROVIDER === 'openai' && !env.OPENAI_BASE_URL,
      'OPENAI_BASE_URL',
      'is required when LLM_PROVIDER=openai (e.g. http://127.0.0.1:11434/v1 for Ollama)',
    );
    need(
      env.AGENT_RUNNER === 'local' && !env.AGENT_COMMAND,
      'AGENT_COMMAND',
      'is required when AGENT_RUNNER=local',
    );
    need(
      env.AGENT_RUNNER === 'kubernetes' && !env.AGENT_IMAGE,
      'AGENT_IMAGE',
      'is required when AGENT_RUNNER=kubernetes',
    );
    need(
      env.AGENT_RUNNER === 'kubernetes' && !env.AGENT_NAMESPACE,
      'AGENT_NAMESPACE',
      'is required when AGENT_RUNNER=kubernetes',
    );
    need(
      env.PREVIEW_MODE !== 'off' && !env.PREVIEW_DOMAIN,
      'PREVIEW_DOMAIN',
      `is required when PREVIEW_MODE=${env.PREVIEW_MODE}`,
    );
    need(
      env.PREVIEW_MODE === 'argocd' && !env.GITOPS_REPO,
      'GITOPS_REPO',
      'is required when PREVIEW_MODE=argocd',
    );
  })
  .transform((env) => ({
    ...env,
    PUBLIC_URL: (env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/+$/, ''),
    GITEA_URL: env.GITEA_URL.replace(/\/+$/, ''),
  }));

export type Env = z.output<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `AiWorker cannot start: the environment has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError listing every problem at once. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  throw new ConfigError(problemsOf(result.error, source));
}

type VariableName = keyof typeof envVariables.shape;

/**
 * Only some variables, for commands that need no more (`migrate` needs the database alone,
 * `setup` needs Gitea and the webhook secret): the same rules, every problem listed.
 */
export function loadEnvSubset<K extends VariableName>(
  names: readonly K[],
  source: NodeJS.ProcessEnv = process.env,
): Pick<z.output<typeof envVariables>, K> {
  const mask = Object.fromEntries(names.map((name) => [name, true])) as Record<K, true>;
  const result = envVariables.pick(mask as never).safeParse(source);
  if (result.success) return result.data as Pick<z.output<typeof envVariables>, K>;
  throw new ConfigError(problemsOf(result.error, source));
}

function problemsOf(error: z.ZodError, source: NodeJS.ProcessEnv): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const message =
      issue.code === 'invalid_type' && source[name] === undefined ? 'is required' : issue.message;
    return `${name} ${message}`;
  });
}

/** Values that must never appear in a log line or a tool result. */
export function secretValues(env: Env): string[] {
  return [
    env.GITEA_TOKEN,
    env.WEBHOOK_SECRET,
    env.GITEA_BOT_PASSWORD,
    env.ANTHROPIC_API_KEY,
    env.OPENAI_API_KEY,
    env.AGENT_GIT_TOKEN,
    new URL(env.DATABASE_URL).password || undefined,
    new URL(env.REDIS_URL).password || undefined,
  ].filter((v): v is string => typeof v === 'string' && v.length >= 4);
}
