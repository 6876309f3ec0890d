import { REDACTED, redactSecrets } from '../config/redact.ts';

/**
 * Nothing a tool returns may carry a secret: repository files and issue text can contain
 * credentials, and a tool result goes straight into an LLM's context. Every string of every
 * result passes through here, with the process's secret values and the usual token formats.
 */

/** Run tokens of this bot (any run's, not only the caller's). */
const RUN_TOKEN = /\baiw_run_[A-Za-z0-9_-]{20,}/g;

export function redactText(text: string, secrets: readonly string[]): string {
  return redactSecrets(text, secrets).replace(RUN_TOKEN, REDACTED);
}

/** A copy of `value` with every string (keys excepted) redacted. */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  return redactValue(value, secrets) as T;
}

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, secrets)]));
  }
  return value;
}
