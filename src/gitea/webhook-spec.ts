import { createHmac } from 'node:crypto';
import type { GiteaHook } from './types.ts';

/**
 * What AiWorker's webhook must look like, and what to do with the hooks a repository has. Pure.
 *
 * Gitea never returns a hook's secret, and its hook edit ignores `config.secret`: a secret can
 * only be set by creating a hook. So a hook whose secret is not known to be the current one is
 * replaced (the new hook first, so no event goes undelivered), never edited. From Gitea 1.26 on
 * hooks have a name, and the name carries a short keyed fingerprint of the secret (an HMAC keyed
 * by the secret: it reveals nothing usable about it), so an unchanged secret leaves the hook
 * alone. Gitea 1.24 and 1.25 do not name hooks: there the secret can never be known to match.
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

const FINGERPRINT_NAME = /^aiworker [0-9a-f]{12}$/;

export function webhookName(secret: string): string {
  const fingerprint = createHmac('sha256', secret)
    .update('aiworker webhook secret')
    .digest('hex')
    .slice(0, 12);
  return `aiworker ${fingerprint}`;
}

/**
 * Whether `hook` delivers what `desired` asks for, the secret aside. Gitea answers with the
 * expanded event list (`issues` comes back with `issue_assign`, `issue_label`…), so asked-for
 * events need only be contained in it.
 */
export function webhookSettingsMatch(hook: GiteaHook, desired: DesiredWebhook): boolean {
  const events = new Set(hook.events);
  return (
    hook.active &&
    hook.url === desired.url &&
    hook.contentType === desired.contentType &&
    desired.events.every((event) => events.has(event))
  );
}

/** Why a hook is replaced rather than kept or edited. */
export type ReplaceReason =
  /** The hook's name carries the fingerprint of another secret. */
  | 'secret-changed'
  /** The hook has no fingerprint (Gitea before 1.26, or a hook made by hand). */
  | 'secret-unknown';

export type WebhookPlan =
  | { action: 'create' }
  /** `hook` has the current secret; `stale` are other hooks to the same URL, to delete. */
  | { action: 'keep' | 'edit'; hook: GiteaHook; stale: GiteaHook[] }
  /** Create a new hook, then delete `old` (every hook to the URL). */
  | { action: 'replace'; reason: ReplaceReason; old: GiteaHook[] };

/** What to do so the repository has exactly one hook to `desired.url`, with the current secret. */
export function planWebhook(hooks: readonly GiteaHook[], desired: DesiredWebhook): WebhookPlan {
  const forUrl = hooks.filter((hook) => hook.url === desired.url);
  if (forUrl.length === 0) return { action: 'create' };
  const name = webhookName(desired.secret);
  const current = forUrl.find((hook) => hook.name === name);
  if (current) {
    const stale = forUrl.filter((hook) => hook !== current);
    return { action: webhookSettingsMatch(current, desired) ? 'keep' : 'edit', hook: current, stale };
  }
  const fingerprinted = forUrl.some((hook) => FINGERPRINT_NAME.test(hook.name ?? ''));
  return { action: 'replace', reason: fingerprinted ? 'secret-changed' : 'secret-unknown', old: forUrl };
}
