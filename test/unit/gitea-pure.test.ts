import { describe, expect, it } from 'vitest';
import {
  AI_STATUSES,
  managedLabelSpecs,
  parseStatusLabel,
  STATUS_LABEL_SCOPE,
  SUBTASK_LABEL,
  statusLabel,
} from '../../src/domain/labels.ts';
import { versionCheck } from '../../src/gitea/doctor.ts';
import { type CheckResult, formatCheckResults, hasBlockingFailure } from '../../src/gitea/doctor-report.ts';
import { collectPages, type Page } from '../../src/gitea/pagination.ts';
import { parseRepoSlug } from '../../src/gitea/repo-slug.ts';
import { backoffDelayMs, parseRetryAfterMs } from '../../src/gitea/retry-policy.ts';
import { formatSetupReport, type SetupReport, webhookUrlFor } from '../../src/gitea/setup.ts';
import type { GiteaHook } from '../../src/gitea/types.ts';
import {
  hookUrlFor,
  planWebhook,
  WEBHOOK_EVENTS,
  webhookEventsFor,
  webhookName,
  webhookSettingsMatch,
} from '../../src/gitea/webhook-spec.ts';

describe('backoff', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1000 };

  it('doubles the ceiling per attempt, jittered, and caps it', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, options, () => 0.999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelayMs(3, options, () => 0)).toBe(0);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(200);
  });

  it('uses Retry-After when Gitea sent one', () => {
    expect(backoffDelayMs(1, options, () => 0.5, 4000)).toBe(4000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(parseRetryAfterMs('5', now)).toBe(5000);
    expect(parseRetryAfterMs('0.5', now)).toBe(500);
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});

describe('collectPages', () => {
  function source(total: number, options: { cap?: number; sendTotal?: boolean } = {}) {
    const asked: number[] = [];
    const fetchPage = async (page: number, limit: number): Promise<Page<number>> => {
      asked.push(page);
      const size = Math.min(limit, options.cap ?? limit);
      const items = Array.from({ length: total }, (_, i) => i).slice((page - 1) * size, page * size);
      return { items, totalCount: options.sendTotal ? total : undefined };
    };
    return { asked, fetchPage };
  }

  it('stops on a short page without a total', async () => {
    const { asked, fetchPage } = source(101);
    const result = await collectPages(fetchPage, { limit: 50 });
    expect(result.items).toHaveLength(101);
    expect(result.complete).toBe(true);
    expect(asked).toEqual([1, 2, 3]);
  });

  it('asks one empty page when the total is an exact multiple and unknown', async () => {
    const { asked, fetchPage } = source(100);
    expect((await collectPages(fetchPage, { limit: 50 })).items).toHaveLength(100);
    expect(asked).toEqual([1, 2, 3]);
  });

  it('trusts the total over a short page (server-side cap)', async () => {
    const { asked, fetchPage } = source(95, { cap: 20, sendTotal: true });
    expect((await collectPages(fetchPage, { limit: 50 })).items).toHaveLength(95);
    expect(asked).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops at maxItems and says the list is incomplete', async () => {
    const { fetchPage } = source(500);
    const result = await collectPages(fetchPage, { limit: 50, maxItems: 120 });
    expect(result.items).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(result.complete).toBe(false);
  });
});

describe('labels', () => {
  it('defines the trigger, the ten exclusive status labels and ai-subtask, all distinct', () => {
    const specs = managedLabelSpecs();
    expect(specs.map((s) => s.name)).toEqual([
      'ai',
      'ai-status/clarifying',
      'ai-status/spec-review',
      'ai-status/approved',
      'ai-status/in-progress',
      'ai-status/blocked',
      'ai-status/ready',
      'ai-status/running',
      'ai-status/review',
      'ai-status/done',
      'ai-status/failed',
      'ai-subtask',
    ]);
    expect(specs.filter((s) => s.exclusive).map((s) => s.name)).toEqual(AI_STATUSES.map(statusLabel));
    expect(new Set(specs.map((s) => s.color)).size).toBe(specs.length);
    for (const spec of specs) {
      expect(spec.color).toMatch(/^[0-9a-f]{6}$/);
      expect(spec.description.length).toBeGreaterThan(10);
    }
  });

  it('uses a configured trigger label and refuses one that collides', () => {
    expect(managedLabelSpecs('ai-please')[0]?.name).toBe('ai-please');
    expect(() => managedLabelSpecs(SUBTASK_LABEL)).toThrow(/collides/);
    expect(() => managedLabelSpecs(`${STATUS_LABEL_SCOPE}/done`)).toThrow(/collides/);
    expect(() => managedLabelSpecs('  ')).toThrow(/must not be empty/);
  });

  it('reads a status back from a label name', () => {
    expect(parseStatusLabel('ai-status/spec-review')).toBe('spec-review');
    expect(parseStatusLabel('ai-status/unknown')).toBeNull();
    expect(parseStatusLabel('ai')).toBeNull();
  });
});

describe('webhook spec', () => {
  it('asks for workflow_run only from Gitea 1.25 on, which is when it exists', () => {
    expect(webhookEventsFor('1.24.7')).not.toContain('workflow_run');
    expect(webhookEventsFor('1.24.7')).toContain('status');
    expect(webhookEventsFor('1.25.0')).toContain('workflow_run');
    expect(webhookEventsFor('1.26.3+dev-4-gabc')).toContain('workflow_run');
    expect(webhookEventsFor('not a version')).toContain('workflow_run');
  });

  const desired = {
    url: 'https://bot.example.com/webhooks/gitea',
    secret: 'a-very-long-secret-value',
    events: WEBHOOK_EVENTS,
    contentType: 'json' as const,
  };
  const hook: GiteaHook = {
    id: 1,
    type: 'gitea',
    url: hookUrlFor(desired.url, desired.secret),
    contentType: 'json',
    active: true,
    // Gitea 1.24 and 1.25 have no hook names: the fingerprint in the URL is what counts.
    name: null,
    // Gitea answers with the expanded list.
    events: [
      'issues',
      'issue_assign',
      'issue_label',
      'issue_comment',
      'pull_request',
      'pull_request_sync',
      'push',
      'status',
      'workflow_run',
    ],
  };

  const rotated = { ...desired, secret: 'another-long-secret-value' };

  it('keeps a hook that delivers every asked-for event and carries the fingerprint of the secret', () => {
    expect(webhookSettingsMatch(hook, desired)).toBe(true);
    expect(planWebhook([hook], desired)).toEqual({ action: 'keep', hook, stale: [] });
  });

  it('edits a hook with the current secret whose events, active flag or content type differ', () => {
    const narrowed = { ...hook, events: hook.events.filter((e) => e !== 'workflow_run') };
    for (const wrong of [narrowed, { ...hook, active: false }, { ...hook, contentType: 'form' }]) {
      expect(webhookSettingsMatch(wrong, desired)).toBe(false);
      expect(planWebhook([wrong], desired)).toMatchObject({ action: 'edit', hook: wrong });
    }
  });

  it('replaces, never edits, a hook whose secret changed or cannot be known', () => {
    expect(planWebhook([hook], rotated)).toEqual({
      action: 'replace',
      reason: 'secret-changed',
      old: [hook],
    });
    // A hook made by hand: no fingerprint in its URL, and no name or another name.
    for (const unnamed of [
      { ...hook, url: desired.url, name: null },
      { ...hook, url: desired.url, name: '' },
      { ...hook, url: desired.url, name: 'ci' },
    ]) {
      expect(planWebhook([unnamed], desired)).toEqual({
        action: 'replace',
        reason: 'secret-unknown',
        old: [unnamed],
      });
    }
  });

  it('creates a missing hook, ignores hooks to other URLs and deletes extra hooks to ours', () => {
    const other = { ...hook, id: 2, url: 'https://ci.example.com/hook', name: '' };
    expect(planWebhook([other], desired)).toEqual({ action: 'create' });
    const leftover = { ...hook, id: 3, url: desired.url };
    expect(planWebhook([leftover, other, hook], desired)).toEqual({
      action: 'keep',
      hook,
      stale: [leftover],
    });
  });

  it('moves the fingerprint of a hook named by an earlier AiWorker into its URL', () => {
    const named = { ...hook, url: desired.url, name: webhookName(desired.secret) };
    expect(planWebhook([named], desired)).toEqual({ action: 'edit', hook: named, stale: [] });
    expect(planWebhook([named], rotated)).toMatchObject({ action: 'replace', reason: 'secret-changed' });
  });

  it('puts a fingerprint that does not contain the secret into the hook URL and name', () => {
    expect(hookUrlFor(desired.url, desired.secret)).toMatch(
      /^https:\/\/bot\.example\.com\/webhooks\/gitea\?fingerprint=[0-9a-f]{12}$/,
    );
    expect(hookUrlFor(desired.url, desired.secret)).not.toContain(desired.secret);
    expect(hookUrlFor(desired.url, rotated.secret)).not.toBe(hookUrlFor(desired.url, desired.secret));
    const name = webhookName(desired.secret);
    expect(name).toMatch(/^aiworker [0-9a-f]{12}$/);
    expect(name).not.toContain(desired.secret);
    expect(webhookName(desired.secret)).toBe(name);
  });

  it('builds the webhook URL from PUBLIC_URL', () => {
    expect(webhookUrlFor('https://bot.example.com/')).toBe('https://bot.example.com/webhooks/gitea');
    expect(webhookUrlFor('http://10.0.0.5:8080/aiworker')).toBe(
      'http://10.0.0.5:8080/aiworker/webhooks/gitea',
    );
    expect(() => webhookUrlFor('bot.example.com')).toThrow(/PUBLIC_URL/);
  });
});

describe('doctor and setup reports', () => {
  it('warns below Gitea 1.22 and passes from it on', () => {
    expect(versionCheck('1.26.3')).toMatchObject({ ok: true, detail: 'Gitea 1.26.3' });
    expect(versionCheck('1.22.0+dev-12-gabc')).toMatchObject({ ok: true });
    expect(versionCheck('1.27.0-rc0')).toMatchObject({ ok: true });
    expect(versionCheck('1.21.11')).toMatchObject({ ok: false, severity: 'warning' });
    expect(versionCheck('1.21.11').fix).toMatch(/Upgrade Gitea to 1\.22/);
    expect(versionCheck('garbage')).toMatchObject({ ok: false, severity: 'warning' });
  });

  it('formats checks with their fixes and tells blocking failures from warnings', () => {
    const results: CheckResult[] = [
      { name: 'Gitea token', ok: true, detail: 'authenticated as bot' },
      { name: 'Gitea version', ok: false, severity: 'warning', detail: 'old', fix: 'upgrade' },
    ];
    expect(formatCheckResults(results)).toBe(
      '[ok  ] Gitea token: authenticated as bot\n[warn] Gitea version: old\n       fix: upgrade',
    );
    expect(hasBlockingFailure(results)).toBe(false);
    expect(
      hasBlockingFailure([...results, { name: 'repo', ok: false, detail: 'no access', fix: 'grant' }]),
    ).toBe(true);
  });

  it('says when setup changed nothing', () => {
    const report: SetupReport = {
      repo: 'acme/shop',
      labels: [{ name: 'ai', id: 1, outcome: 'unchanged' }],
      webhook: { id: 3, url: 'https://b/webhooks/gitea', events: ['issues'], outcome: 'unchanged' },
    };
    expect(formatSetupReport(report)).toContain('Nothing to change');
    const changed = formatSetupReport({ ...report, webhook: { ...report.webhook, outcome: 'created' } });
    expect(changed).toContain('webhook https://b/webhooks/gitea (issues): created');
    expect(changed).toContain('1 change(s) made.');
    const replaced = formatSetupReport({
      ...report,
      webhook: { ...report.webhook, outcome: 'replaced', reason: 'secret-changed' },
    });
    expect(replaced).toContain(
      "webhook https://b/webhooks/gitea (issues): replaced: the secret changed; Gitea cannot change a hook's secret in place",
    );
    expect(replaced).toContain('1 change(s) made.');
  });

  it('parses OWNER/NAME and explains a bad one', () => {
    expect(parseRepoSlug('acme/shop')).toEqual({ owner: 'acme', repo: 'shop' });
    expect(() => parseRepoSlug('acme')).toThrow(/expected OWNER\/NAME/);
    expect(() => parseRepoSlug('acme/shop/x')).toThrow(/expected OWNER\/NAME/);
  });
});
