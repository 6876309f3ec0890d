import { type DestinationStream, type Logger, pino } from 'pino';
import { escapeForRegExp } from './redact.ts';

export type { Logger } from 'pino';

/** Field names whose values are never logged, wherever they appear. */
const REDACTED_PATHS = [
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'headers["x-gitea-signature"]',
  'headers["x-hub-signature-256"]',
  'headers.cookie',
  'GITEA_TOKEN',
  'WEBHOOK_SECRET',
  'GITEA_BOT_PASSWORD',
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'AGENT_GIT_TOKEN',
];

export interface LoggerOptions {
  level?: string;
  /** Secret values (tokens, the webhook secret, passwords) scrubbed from every line. */
  secrets?: string[];
  destination?: DestinationStream;
}

/**
 * The process logger. Secrets are removed twice: by field name (pino redact) and by value
 * on the serialised line, so a token that leaks into an error message is scrubbed as well.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = [...new Set(options.secrets ?? [])].filter((s) => s.length >= 4);
  // JSON-escaped forms too: a secret containing a quote or backslash is escaped in the line.
  const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  const scrub =
    forms.length === 0
      ? null
      : new RegExp(
          [...new Set(forms)]
            .sort((a, b) => b.length - a.length)
            .map(escapeForRegExp)
            .join('|'),
          'g',
        );
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'aiworker' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(scrub ? { hooks: { streamWrite: (line: string) => line.replace(scrub, '[redacted]') } } : {}),
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
