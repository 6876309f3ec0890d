import { createHmac } from 'node:crypto';
import type { GiteaHook } from './types.ts';
import { giteaAtLeast } from './version.ts';

/**
 * What AiWorker's webhook must look like, and what to do with the hooks a repository has. Pure.
 *
 * Gitea never returns a hook's secret, and its hook edit ignores `config.secret`
 * (routers/api/v1/utils/hook.go `editHook`, 1.24–1.26): a secret can only be set by creating a
 * hook. So the hook carries a short keyed fingerprint of its secret (an HMAC keyed by the
 * secret: it reveals nothing usable about it) in a query parameter of its URL, which every
 * Gitea version keeps and shows. A hook with the current fingerprint is kept (or edited when
 * only its events or flags differ); any other hook to the endpoint is replaced — the new hook
 * first, so no event goes undelivered — never edited. Hooks named `aiworker <fingerprint>` (the
 * name field exists from Gitea 1.26) by earlier versions of AiWorker count as fingerprinted too.
 */

/** The events AiWorker subscribes to (docs/architecture.md §2), named as Gitea's CreateHookOption takes them. */
export const WEBHOOK_EVENTS = [
  'issues',
  'issue_comment',
  'pull_request',
  'push',
  'status',
  'workflow_run',
] as const;

/**
 * The events to ask a Gitea of `version` for: `workflow_run` exists from 1.25 on, and an older
 * Gitea drops event names it does not know when it stores a hook
 * (routers/api/v1/utils/hook.go `updateHookEvents`), so asking for it there would make the hook
 * look different from what was asked on every run.
 */
export function webhookEventsFor(version: string): readonly string[] {
  return giteaAtLeast(version, 1, 25) ? WEBHOOK_EVENTS : WEBHOOK_EVENTS.filter((e) => e !== 'workflow_run');
}

export interface DesiredWebhook {
  url: string;
  secret: string;
  events: readonly string[];
  contentType: 'json' | 'form';
}

const FINGERPRINT_PARAM = 'fingerprint';
const FINGERPRINT = /^[0-9a-f]{12}$/;
const NAME_PREFIX = 'aiworker ';

/** 12 hex digits of an HMAC keyed by the secret. */
export function secretFingerprint(secret: string): string {
  return createHmac('sha256', secret).update('aiworker webhook secret').digest('hex').slice(0, 12);
}

/** The hook's name on a Gitea that names hooks (1.26+): informative only. */
export function webhookName(secret: string): string {
  return `${NAME_PREFIX}${secretFingerprint(secret)}`;
}

/** The URL the hook is created with: the endpoint plus the secret's fingerprint. */
export function hookUrlFor(endpoint: string, secret: string): string {
  const url = new URL(endpoint);
  url.searchParams.set(FINGERPRINT_PARAM, secretFingerprint(secret));
  return url.toString();
}

/** The endpoint a hook URL points at (without the fingerprint), for matching. */
function endpointOf(hookUrl: string): string | null {
  if (!URL.canParse(hookUrl)) return null;
  const url = new URL(hookUrl);
  url.searchParams.delete(FINGERPRINT_PARAM);
  return url.toString();
}

/** The fingerprint a hook carries (in its URL, or in the name of an older AiWorker hook). */
function fingerprintOf(hook: GiteaHook): string | null {
  const inUrl = URL.canParse(hook.url) ? new URL(hook.url).searchParams.get(FINGERPRINT_PARAM) : null;
  if (inUrl && FINGERPRINT.test(inUrl)) return inUrl;
  const name = hook.name ?? '';
  const inName = name.startsWith(NAME_PREFIX) ? name.slice(NAME_PREFIX.length) : '';
  return FINGERPRINT.test(inName) ? inName : null;
}

/**
 * Whether `hook` delivers what `desired` asks for at the fingerprinted URL. Gitea answers with
 * the expanded event list (`issues` comes back with `issue_assign`, `issue_label`…), so
 * asked-for events need only be contained in it.
 */
export function webhookSettingsMatch(hook: GiteaHook, desired: DesiredWebhook): boolean {
  const events = new Set(hook.events);
  return (
    hook.active &&
    hook.url === hookUrlFor(desired.url, desired.secret) &&
    hook.contentType === desired.contentType &&
    desired.events.every((event) => events.has(event))
  );
}

/** Why a hook is replaced rather than kept or edited. */
export type ReplaceReason =
  /** The hook carries the fingerprint of another secret. */
  | 'secret-changed'
  /** The hook carries no fingerprint (made by hand, or by a much older AiWorker). */
  | 'secret-unknown';

export type WebhookPlan =
  | { action: 'create' }
  /** `hook` has the current secret; `stale` are other hooks to the same endpoint, to delete. */
  | { action: 'keep' | 'edit'; hook: GiteaHook; stale: GiteaHook[] }
  /** Create a new hook, then delete `old` (every hook to the endpoint). */
  | { action: 'replace'; reason: ReplaceReason; old: GiteaHook[] };

/**
 * What to do so the repository has exactly one hook to `desired.url` (the endpoint), with the
 * current secret.
 */
export function planWebhook(hooks: readonly GiteaHook[], desired: DesiredWebhook): WebhookPlan {
  const endpoint = endpointOf(desired.url);
  const forUrl = hooks.filter((hook) => endpointOf(hook.url) === endpoint);
  if (forUrl.length === 0) return { action: 'create' };
  const fingerprint = secretFingerprint(desired.secret);
  const current = forUrl.find((hook) => fingerprintOf(hook) === fingerprint);
  if (current) {
    const stale = forUrl.filter((hook) => hook !== current);
    return { action: webhookSettingsMatch(current, desired) ? 'keep' : 'edit', hook: current, stale };
  }
  const fingerprinted = forUrl.some((hook) => fingerprintOf(hook) !== null);
  return { action: 'replace', reason: fingerprinted ? 'secret-changed' : 'secret-unknown', old: forUrl };
}
