import { redactSecrets } from '../../config/redact.ts';
import type { StructuredPrompt } from '../providers/types.ts';

/**
 * Secrets never enter a prompt: a prompt leaves the machine (see config/redact.ts for what
 * is removed).
 */

/** The whole prompt, every part of it, through {@link redactSecrets}. */
export function redactPrompt(prompt: StructuredPrompt, secrets: readonly string[]): StructuredPrompt {
  const clean = (text: string) => redactSecrets(text, secrets);
  return {
    system: clean(prompt.system),
    cacheableContext: clean(prompt.cacheableContext),
    instructions: clean(prompt.instructions),
    untrusted: prompt.untrusted.map((item) => ({ label: item.label, text: clean(item.text) })),
  };
}
