import {
  applyFeatureEvent,
  createFeatureTask,
  findTask,
  updateTaskFields,
  withLockedTask,
} from '../db/tasks.ts';
import type { EventContext, HandlerRegistrar } from '../domain/events.ts';
import { DEFAULT_TRIGGER_LABEL } from '../domain/labels.ts';
import type { RepoRef, WebhookPayload } from '../domain/payloads.ts';
import type { WorkScheduler } from '../domain/work.ts';
import type { GiteaPick } from '../gitea/client.ts';
import { ensureWorkScheduled } from '../jobs/work-for-state.ts';
import { withIssueLock } from '../publish/issue-lock.ts';
import type { IssueWriters } from '../publish/issue-writers.ts';
import type { Publisher } from '../publish/publisher.ts';
import type { SettingsGate } from '../publish/settings-gate.ts';

export interface TriggerDeps extends IssueWriters {
  gitea: GiteaPick<{ issues: 'get' | 'react'; pulls: 'get' }>;
  gate: Pick<SettingsGate, 'settingsFor'>;
  publisher: Pick<Publisher, 'feature'>;
  work: WorkScheduler;
}

/**
 * The trigger label starts, stops and resumes a conversation. Gitea reports label changes as
 * `label_updated`/`label_cleared` without saying which label changed, so the label's presence
 * is compared with what the task row remembers: the (issue, label state) pair is the cause, and
 * a replay of the same state changes nothing.
 *
 * Deliveries arrive in any order (docs/architecture.md, Event rules), so a payload's labels may
 * be older than the issue. They only hint: when they differ from what the row remembers, the
 * issue is read from Gitea (one call) and its labels decide — under the issue's lock, so the
 * newest read is the last one applied. A snapshot that agrees with the row costs nothing.
 */
export function registerTriggerHandlers(app: HandlerRegistrar, deps: TriggerDeps): void {
  app.on(
    ['issues.opened', 'issues.reopened', 'issue_label.label_updated', 'issue_label.label_cleared'],
    (ctx) => onIssueLabels(deps, ctx),
  );
  // `label_cleared` leaves a pull request without the trigger label: nothing to say about it.
  app.on(['pull_request.opened', 'pull_request_label.label_updated'], (ctx) =>
    onPullRequestLabels(deps, ctx),
  );
}

interface IssueView {
  number: number;
  id: number | null;
  title: string;
  author: string;
  labels: string[];
}

function issueOf(payload: WebhookPayload, key: 'issue' | 'pull_request'): IssueView | null {
  const raw = (payload as Record<string, unknown>)[key] as
    | {
        number?: number;
        id?: number;
        title?: string;
        user?: { login?: string };
        labels?: Array<{ name?: string }> | null;
      }
    | undefined;
  if (!raw || typeof raw.number !== 'number') return null;
  return {
    number: raw.number,
    id: typeof raw.id === 'number' ? raw.id : null,
    title: raw.title ?? '',
    author: raw.user?.login ?? '',
    labels: (raw.labels ?? []).map((l) => l.name ?? '').filter(Boolean),
  };
}

async function onIssueLabels(deps: TriggerDeps, ctx: EventContext): Promise<void> {
  const issue = issueOf(ctx.payload, 'issue');
  if (!ctx.repo || !issue) return;
  const repoRef: RepoRef = ctx.repo;
  const ref = { owner: repoRef.owner, repo: repoRef.name, number: issue.number };
  // Only an issue that asks for the bot hears about a broken config file; with the file broken
  // the configured trigger is unknown, so the default one is what counts.
  const gate = await deps.gate.settingsFor(
    repoRef,
    issue.labels.includes(DEFAULT_TRIGGER_LABEL) ? ref : null,
  );
  if (!gate) return;
  const { repo, config } = gate;
  const hinted = issue.labels.includes(config.triggerLabel);
  const outcome = await withIssueLock(deps.locks, repo, issue.number, async () => {
    const existing = await findTask(deps.db, repo.id, issue.number);
    if (existing && existing.kind !== 'feature') return null;
    const remembered = existing?.triggerLabelPresent ?? false;
    if (hinted === remembered) return { task: existing ?? null, started: false, changed: null };
    const current = await deps.gitea.issues.get(ref.owner, ref.repo, ref.number);
    const present = current.labels.some((label) => label.name === config.triggerLabel);
    if (present === remembered) {
      ctx.log.info({ present }, "the payload's labels are older than the issue; nothing changed");
      return { task: existing ?? null, started: false, changed: null };
    }
    if (!existing) {
      const { task, created } = await createFeatureTask(deps.db, {
        repoId: repo.id,
        issueNumber: issue.number,
        issueId: current.id,
        title: current.title,
        author: current.author,
      });
      ctx.log.info(
        { taskId: task.id, created },
        created ? 'conversation started' : 'conversation already started',
      );
      return { task, started: true, changed: null };
    }
    const changed = await withLockedTask(deps.db, existing.id, async (tx, task) => {
      if (task.triggerLabelPresent === present) return null;
      await updateTaskFields(tx, task.id, { triggerLabelPresent: present });
      const result = await applyFeatureEvent(
        tx,
        { ...task, triggerLabelPresent: present },
        present
          ? { type: 'trigger_restored', pausedState: (task.pausedState as never) ?? null }
          : { type: 'trigger_removed' },
      );
      return result.ok ? result.task : null;
    });
    ctx.log.info(
      { present, state: changed?.state },
      present ? 'trigger label restored' : 'trigger label removed',
    );
    return { task: existing, started: false, changed };
  });
  if (!outcome?.task) return;
  if (outcome.started) {
    await withIssueLock(deps.locks, repo, issue.number, () =>
      deps.gitea.issues.react(ref.owner, ref.repo, ref.number, 'eyes'),
    );
    await ensureWorkScheduled(deps.work, outcome.task, ctx.deliveryId);
  }
  if (outcome.changed) await ensureWorkScheduled(deps.work, outcome.changed, ctx.deliveryId);
  await deps.publisher.feature(outcome.task.id);
}

async function onPullRequestLabels(deps: TriggerDeps, ctx: EventContext): Promise<void> {
  const pr = issueOf(ctx.payload, 'pull_request');
  if (!ctx.repo || !pr) return;
  const gate = await deps.gate.settingsFor(ctx.repo, null);
  if (!gate || !pr.labels.includes(gate.config.triggerLabel)) return;
  const ref = { owner: ctx.repo.owner, repo: ctx.repo.name, number: pr.number };
  // A late `label_updated` may carry a label removed since: the pull request says.
  const current = await deps.gitea.pulls.get(ref.owner, ref.repo, ref.number);
  if (!current.labels.some((label) => label.name === gate.config.triggerLabel)) return;
  await withIssueLock(deps.locks, gate.repo, pr.number, () =>
    deps.comments.ensure(
      ref,
      { kind: 'notice', attrs: { pr: pr.number, event: 'pr-ignored' } },
      `AiWorker works from issues, not pull requests: the \`${gate.config.triggerLabel}\` label is ignored here. Open an issue describing the feature and label it \`${gate.config.triggerLabel}\`.`,
    ),
  );
}
