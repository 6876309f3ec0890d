import type { AgentControl } from '../agents/control.ts';
import { findRepo, type RepoRow } from '../db/repos.ts';
import { listRunsWithPullRequests } from '../db/runs.ts';
import { listSubtasks, listSubtaskTasks, setSubtaskState } from '../db/subtasks.ts';
import { applyFeatureEvent, findTask, getTask, type TaskRow, withLockedTask } from '../db/tasks.ts';
import { costOfTask } from '../db/usage.ts';
import type { EventContext, HandlerRegistrar } from '../domain/events.ts';
import { nextSubtaskState, type SubtaskEvent, type SubtaskState } from '../domain/lifecycle.ts';
import type { GiteaPick } from '../gitea/client.ts';
import { readySet } from '../planning/dag.ts';
import { withIssueLock } from '../publish/issue-lock.ts';
import type { IssueWriters } from '../publish/issue-writers.ts';
import type { Publisher } from '../publish/publisher.ts';

export interface SubtaskEventDeps extends IssueWriters {
  gitea: GiteaPick<{ issues: 'get' | 'edit' }>;
  publisher: Pick<Publisher, 'feature' | 'subtask'>;
  /** The dispatcher, told when subtasks become ready; null without an agent runner. */
  agents: Pick<AgentControl, 'subtasksReady'> | null;
}

/**
 * Readiness flows through the dependency graph as subtask issues close and reopen: a closed
 * subtask unblocks the dependents whose dependencies are now all closed; a reopened one sends
 * its not-yet-started dependents back to blocked; the last one closes the feature with a
 * summary. Sibling changes are serialised on the parent's row lock.
 *
 * `closed` and `reopened` can arrive swapped (docs/architecture.md, Event rules), so the action
 * only says that the issue's state changed: the issue is read from Gitea (one call per event
 * of a managed subtask) and its state now decides, under the subtask issue's lock so the newest
 * read is the last one applied. A late `closed` of an issue open again changes nothing.
 */
export function registerSubtaskHandlers(app: HandlerRegistrar, deps: SubtaskEventDeps): void {
  app.on(['issues.closed', 'issues.reopened'], (ctx) => onSubtaskIssue(deps, ctx));
}

async function onSubtaskIssue(deps: SubtaskEventDeps, ctx: EventContext): Promise<void> {
  if (!ctx.repo || ctx.issueNumber === null) return;
  const repo = await findRepo(deps.db, ctx.repo.fullName);
  if (!repo) return;
  const subtask = await findTask(deps.db, repo.id, ctx.issueNumber);
  if (subtask?.kind !== 'subtask' || subtask.parentTaskId === null) return;
  const parentId = subtask.parentTaskId;
  const { action, result } = await withIssueLock(deps.locks, repo, subtask.issueNumber, async () => {
    const current = await deps.gitea.issues.get(repo.owner, repo.name, subtask.issueNumber);
    const now = current.state === 'closed' ? 'closed' : 'reopened';
    return { action: now, result: await updateReadiness(deps, parentId, subtask.id, now) };
  });
  ctx.log.info(
    { changed: result.changed.length, featureDone: result.featureDone, reported: ctx.action },
    `subtask ${action}`,
  );
  for (const id of result.changed) await deps.publisher.subtask(id);
  if (result.featureDone) await closeFeature(deps, repo, await getTask(deps.db, parentId));
  await deps.publisher.feature(parentId);
  await deps.agents?.subtasksReady(parentId);
}

/** Applies the close/reopen and its consequences in one transaction; returns what changed. */
export async function updateReadiness(
  deps: Pick<SubtaskEventDeps, 'db'>,
  featureId: number,
  subtaskId: number,
  action: 'closed' | 'reopened',
): Promise<{ changed: number[]; featureDone: boolean }> {
  return withLockedTask(deps.db, featureId, async (tx, feature) => {
    const rows = await listSubtasks(tx, featureId);
    const tasksByIssue = new Map((await listSubtaskTasks(tx, featureId)).map((t) => [t.issueNumber, t]));
    const taskOf = (key: string) => {
      const row = rows.find((r) => r.key === key);
      return row?.issueNumber ? tasksByIssue.get(row.issueNumber) : undefined;
    };
    const dag = { subtasks: rows.map((r) => ({ key: r.key, dependsOn: r.dependencies })) };
    const closedKeys = () => rows.filter((r) => taskOf(r.key)?.state === 'done').map((r) => r.key);
    const changed: number[] = [];
    const move = async (task: TaskRow, event: SubtaskEvent) => {
      const next = nextSubtaskState(task.state as SubtaskState, event);
      if (!next.ok) return;
      const updated = await setSubtaskState(tx, task, next.next);
      tasksByIssue.set(updated.issueNumber, updated);
      changed.push(updated.id);
    };

    const me = [...tasksByIssue.values()].find((t) => t.id === subtaskId);
    const myKey = rows.find((r) => r.issueNumber === me?.issueNumber)?.key;
    if (!me || !myKey) return { changed, featureDone: false };
    if (action === 'closed') {
      await move(me, { type: 'closed' });
      const ready = new Set(readySet(dag, closedKeys()));
      for (const row of rows) {
        const task = taskOf(row.key);
        if (task?.state === 'blocked' && ready.has(row.key)) await move(task, { type: 'dependencies_done' });
      }
    } else {
      const myDeps = rows.find((r) => r.key === myKey)?.dependencies ?? [];
      const closed = new Set(closedKeys());
      await move(me, { type: 'reopened', dependenciesDone: myDeps.every((k) => closed.has(k)) });
      for (const row of rows) {
        const task = taskOf(row.key);
        if (task && row.dependencies.includes(myKey)) await move(task, { type: 'dependency_reopened' });
      }
    }
    const allDone = rows.length > 0 && rows.every((r) => taskOf(r.key)?.state === 'done');
    let featureDone = false;
    if (allDone && feature.state === 'in_progress') {
      featureDone = (await applyFeatureEvent(tx, feature, { type: 'all_subtasks_done' })).ok;
    }
    return { changed, featureDone };
  });
}

async function closeFeature(deps: SubtaskEventDeps, repo: RepoRow, feature: TaskRow): Promise<void> {
  const rows = await listSubtasks(deps.db, feature.id);
  const runs = await listRunsWithPullRequests(deps.db, repo.id);
  const subtaskIssues = new Set(rows.map((r) => r.issueNumber));
  const prs = runs.filter((r) => subtaskIssues.has(r.issueNumber));
  const planningCost = await costOfTask(deps.db, feature.id);
  const agentCost = prs.reduce((sum, r) => sum + Number(r.cost ?? 0), 0);
  const hours = (Date.now() - feature.createdAt.getTime()) / 3_600_000;
  const body = [
    `### ✅ Done: all ${rows.length} subtasks are closed`,
    '',
    ...rows.map((r) => {
      const pr = prs.find((p) => p.issueNumber === r.issueNumber);
      return `- [x] #${r.issueNumber} ${r.title}${pr?.prNumber ? ` — PR #${pr.prNumber}` : ''}`;
    }),
    '',
    `**Pull requests:** ${prs.length > 0 ? prs.map((p) => `#${p.prNumber}`).join(', ') : 'none opened by agents'}`,
    `**Cost:** $${(planningCost + agentCost).toFixed(2)} (planning $${planningCost.toFixed(2)}, agents $${agentCost.toFixed(2)})`,
    `**Time:** ${hours < 48 ? `${hours.toFixed(1)} hours` : `${(hours / 24).toFixed(1)} days`} from the first question to the last merge`,
  ].join('\n');
  await withIssueLock(deps.locks, repo, feature.issueNumber, async () => {
    await deps.comments.ensure(
      { owner: repo.owner, repo: repo.name, number: feature.issueNumber },
      { kind: 'summary', attrs: { task: feature.issueNumber } },
      body,
    );
    await deps.gitea.issues.edit(repo.owner, repo.name, feature.issueNumber, { state: 'closed' });
  });
}
