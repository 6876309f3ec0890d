import { DEFAULT_TRIGGER_LABEL, managedLabelSpecs } from '../domain/labels.ts';
import type { GiteaPick } from './client.ts';
import type { EnsureWebhookResult } from './hooks.ts';
import type { EnsureOutcome } from './types.ts';
import { type ReplaceReason, webhookEventsFor } from './webhook-spec.ts';

/**
 * The Gitea side of `aiworker setup --repo OWNER/NAME`: the labels and the webhook. Running it
 * again changes nothing that is already right, and the report says so.
 */

export type SetupClient = GiteaPick<{ labels: 'ensure'; hooks: 'ensure'; instance: 'version' }>;

export interface SetupOptions {
  owner: string;
  repo: string;
  /** How Gitea reaches AiWorker, e.g. `https://aiworker.example.com`. */
  publicUrl: string;
  webhookSecret: string;
  triggerLabel?: string;
}

export interface SetupReport {
  repo: string;
  labels: Array<{ name: string; id: number; outcome: EnsureOutcome }>;
  webhook: {
    id: number;
    url: string;
    events: string[];
    outcome: EnsureWebhookResult['outcome'];
    /** Set when the hook was replaced. */
    reason?: ReplaceReason;
  };
}

/** `${publicUrl}/webhooks/gitea`, for an http(s) public URL (a trailing slash is fine). */
export function webhookUrlFor(publicUrl: string): string {
  if (!URL.canParse(publicUrl) || !['http:', 'https:'].includes(new URL(publicUrl).protocol)) {
    throw new Error(`PUBLIC_URL "${publicUrl}" must be an http(s) URL that Gitea can reach`);
  }
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/gitea`;
}

export async function setupRepo(client: SetupClient, options: SetupOptions): Promise<SetupReport> {
  const url = webhookUrlFor(options.publicUrl);
  if (options.webhookSecret.length < 16) throw new Error('the webhook secret must be at least 16 characters');
  const specs = managedLabelSpecs(options.triggerLabel ?? DEFAULT_TRIGGER_LABEL);
  const labels = await client.labels.ensure(options.owner, options.repo, specs);
  const events = webhookEventsFor(await client.instance.version());
  const webhook = await client.hooks.ensure(options.owner, options.repo, {
    url,
    secret: options.webhookSecret,
    events,
    contentType: 'json',
  });
  return {
    repo: `${options.owner}/${options.repo}`,
    labels: labels.outcomes.map(({ name, outcome }) => ({ name, id: labels.ids[name] ?? 0, outcome })),
    webhook: {
      id: webhook.hook.id,
      url,
      events: [...events],
      outcome: webhook.outcome,
      ...(webhook.outcome === 'replaced' ? { reason: webhook.reason } : {}),
    },
  };
}

const REPLACED_BECAUSE: Record<ReplaceReason, string> = {
  'secret-changed': 'the secret changed',
  'secret-unknown':
    "the secret may have changed (Gitea never shows a hook's secret, and this hook's URL carries no fingerprint of it)",
};

function describeWebhookOutcome(webhook: SetupReport['webhook']): string {
  if (webhook.outcome !== 'replaced') return webhook.outcome;
  const why = REPLACED_BECAUSE[webhook.reason ?? 'secret-unknown'];
  return `replaced: ${why}; Gitea cannot change a hook's secret in place`;
}

/** Plain-text summary: what was created, updated, replaced, or already right. */
export function formatSetupReport(report: SetupReport): string {
  const lines = [`Setup of ${report.repo}:`];
  for (const label of report.labels) lines.push(`  label ${label.name}: ${label.outcome}`);
  lines.push(
    `  webhook ${report.webhook.url} (${report.webhook.events.join(', ')}): ${describeWebhookOutcome(report.webhook)}`,
  );
  const changed = [...report.labels.map((l) => l.outcome), report.webhook.outcome].filter(
    (o) => o !== 'unchanged',
  );
  lines.push(
    changed.length === 0
      ? 'Nothing to change: everything was already set up.'
      : `${changed.length} change(s) made.`,
  );
  return lines.join('\n');
}
