/**
 * Secrets never leave the process in text it writes: prompts, comments, tool results, logs of
 * agents. Issue text and repository files can contain credentials (pasted logs, `.env`
 * excerpts). Known secret values are removed by value; well-known token formats and
 * `NAME=secret` assignments by pattern.
 */

export const REDACTED = '[redacted]';

interface SecretPattern {
  pattern: RegExp;
  /** Replacement; `$1`… keep the non-secret prefix of a match. */
  replace: string;
}

const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g,
    replace: REDACTED,
  },
  { pattern: /\bsk-ant-[A-Za-z0-9_-]{16,}/g, replace: REDACTED }, // Anthropic
  { pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, replace: REDACTED }, // OpenAI
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}/g, replace: REDACTED }, // GitHub
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g, replace: REDACTED },
  { pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g, replace: REDACTED }, // GitLab
  { pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, replace: REDACTED }, // Slack
  { pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: REDACTED }, // AWS access key id
  { pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: REDACTED }, // Google API key
  { pattern: /\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}/g, replace: REDACTED }, // Stripe
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: REDACTED }, // JWT
  // `Authorization: Bearer …`, `Authorization: token <gitea token>`
  {
    pattern: /(\bauthorization["']?\s*[:=]\s*["']?(?:bearer|token|basic)\s+)[^\s"',]+/gi,
    replace: `$1${REDACTED}`,
  },
  // credentials in URLs: scheme://user:password@host
  { pattern: /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, replace: `$1${REDACTED}@` },
  // ?token=…, &access_token=…, &api_key=…
  { pattern: /([?&](?:access_token|token|api_?key|password|secret)=)[^&\s#]+/gi, replace: `$1${REDACTED}` },
  // env/yaml lines: `DB_PASSWORD=…`, `export API_KEY="…"`, `gitea_token: …`
  {
    pattern:
      /^(\s*(?:export\s+)?[A-Za-z0-9_.-]*(?:password|passwd|secret|token|api_?key|access_?key|private_?key|credentials?)[A-Za-z0-9_.-]*["']?\s*[=:]\s*)(["']?)(?!\d+(?:\s|$))[^\s"'#]{6,}\2/gim,
    replace: `$1$2${REDACTED}$2`,
  },
  // quoted literals assigned to secret-named fields anywhere: `apiKey: "…"`, `"password": "…"`
  {
    pattern:
      /(\b[A-Za-z0-9_]*(?:password|passwd|secret|token|api_?key|access_?key)[A-Za-z0-9_]*["']?\s*[:=]\s*)(["'])[^"'\s]{8,}\2/gi,
    replace: `$1$2${REDACTED}$2`,
  },
];

/** A literal text as a regular expression that matches exactly it. */
export function escapeForRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Removes every known secret value and every recognisable credential from a text. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const values = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (values.length > 0) out = out.replace(new RegExp(values.map(escapeForRegExp).join('|'), 'g'), REDACTED);
  for (const { pattern, replace } of SECRET_PATTERNS) out = out.replace(pattern, replace);
  return out;
}
