import { neutralize } from '../planning/render/markdown.ts';
import { redactText } from './redact.ts';

/**
 * Text an agent asks the bot to write into Gitea (progress, blocker questions, pull request
 * bodies). It is untrusted: it loses any secret, cannot open or close an HTML comment (so it
 * can never forge or break a hidden `aiworker:` marker) or a fenced block, and is cut to a bound.
 */
export function cleanAgentText(text: string, secrets: readonly string[], maxChars: number): string {
  const clean = neutralize(redactText(text, secrets).replace(/\r\n?/g, '\n')).trim();
  return clean.length > maxChars ? `${clean.slice(0, maxChars - 1)}…` : clean;
}

/** One line: newlines become spaces (titles, checklist items). */
export function cleanAgentLine(text: string, secrets: readonly string[], maxChars: number): string {
  return cleanAgentText(text.replace(/\s*\n+\s*/g, ' '), secrets, maxChars);
}
