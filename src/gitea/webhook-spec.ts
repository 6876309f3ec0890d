import { createHmac } from 'node:crypto';
import type { GiteaHook } from './types.ts';

/**
 * What AiWorker's webhook must look like, and whether an existing hook already does. Pure.
 *
 * Gitea never returns a hook's secret, so "is the secret right?" cannot be read back. The hook's
 * name carries a short keyed fingerprint of the secret instead (an HMAC keyed by the secret:
 * it reveals nothing usable about it), so a changed WEBHOOK_SECRET is noticed and written, and
 * an unchanged one leaves the hook alone.
 */

/** Events DESIGN §3 subscribes to (names as Gitea's CreateHookOption accepts them). */
export const WEBHOOK_EVENTS = [
  'issues',
  'issue_comment',
  'pull_request',
  'push',
  'status',
  'workflow_run',
] as const;

export interface DesiredWebhook {
  url: string;
  secret: string;
  events: readonly string[];
  contentType: 'json' | 'form';
}

export function webhookName(secret: string): string {
  const fingerprint = createHmac('sha256', secret)
    .update('aiworker webhook secret')
    .digest('hex')
    .slice(0, 12);
  return `aiworker ${fingerprint}`;
}

/**
 * Whether `hook` delivers what `desired` asks for. Gitea answers with the expanded event list
 * (`issues` comes back with `issue_assign`, `issue_label`…), so asked-for events need only be
 * contained in it.
 */
export function webhookUpToDate(hook: GiteaHook, desired: DesiredWebhook): boolean {
  const events = new Set(hook.events);
  return (
    hook.active &&
    hook.url === desired.url &&
    hook.contentType === desired.contentType &&
    // A Gitea that does not name hooks cannot tell us anything about the secret.
    (hook.name === null || hook.name === webhookName(desired.secret)) &&
    desired.events.every((event) => events.has(event))
  );
}
