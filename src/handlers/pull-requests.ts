import { issueNumberOfBranch } from '../agents/branch.ts';
import { findRunByBranch, type RunRow, recordRunPullRequest } from '../agents/runs.ts';
import { setSubtaskState } from '../db/subtasks.ts';
import { findRepo, findTask, getTask, type RepoRow, type TaskRow, withLockedTask } from '../db/tasks.ts';
import type { BotDeps } from './bot.ts';
import type { EventContext } from './context.ts';
import { nextSubtaskState, type SubtaskState } from './lifecycle.ts';
import type { GiteaPullRequest, WebhookPayload } from './payloads.ts';
import { publishSubtask, withIssueLock } from './publish.ts';
import type { HandlerRegistry } from './registry.ts';

/**
 * Pull requests of managed subtasks (DESIGN §1 steps 6 and 8). A pull request belongs to a
 * subtask when its head branch is a run's branch (`ai/<number>-<slug>`, same repository) or
 * its body closes a managed subtask (`Closes #14`, Gitea's keywords).
 *
 * - opened / reopened / edited: the subtask moves to `review` (from running or ready; a
 *   subtask failed because its pull request was closed comes back to review when it reopens).
 * - merged: Gitea closes the issues the body closes and `issues.closed` carries readiness on
 *   (subtask-events.ts). A merged pull request that does not close its subtask gets a note.
 * - closed without merge: the subtask moves to `failed`, not back to `ready`: a rejected
 *   attempt is a person's decision, and `ready` would dispatch the same work again at once.
 *   The comment says how to go on: reopen the pull request, or `/retry` for a new attempt.
 *
 * The pull requests agents open through MCP are opened by the bot, whose own events are
 * dropped; the MCP tool moves the subtask to review itself. These handlers cover everything
 * else: pull requests opened by people or by agents with their own account, merges and closes.
 */

export function registerPullRequestHandlers(app: HandlerRegistry, deps: BotDeps): void {
  app.on(
    ['pull_request.opened', 'pull_request.reopened', 'pull_request.edited'],
    (ctx) => onPullRequestOpen(deps, ctx),
    {
      name: 'pull-request-opened',
    },
  );
  app.on('pull_request.closed', (ctx) => onPullRequestClosed(deps, ctx), { name: 'pull-request-closed' });
}

const CLOSING =
  /(?:^|[\s([])(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)?#(\d+)\b/gi;

/**
 * Issue numbers a pull request body closes in its own repository (`Closes #14`, `fixes: #3`,
 * `Resolves acme/shop#9`), ignoring fenced code and quotes.
 */
export function closingReferences(body: string, repoFullName: string): number[] {
  const numbers: number[] = [];
  let inFence = false;
  for (const line of body.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || /^\s*>/.test(line)) continue;
    for (const match of line.matchAll(CLOSING)) {
      const repo = match[1];
      if (repo && repo.toLowerCase() !== repoFullName.toLowerCase()) continue;
      const number = Number(match[2]);
      if (Number.isSafeInteger(number) && number > 0 && !numbers.includes(number)) numbers.push(number);
    }
  }
  return numbers;
}

export type PullRequestChange = 'opened' | 'closed-unmerged';

/** The subtask state a pull request change leads to, or null when it changes nothing. */
export function subtaskStateAfter(state: SubtaskState, change: PullRequestChange): SubtaskState | null {
  if (change === 'opened') {
    if (state === 'failed') return 'review'; // its closed pull request was reopened
    const next = nextSubtaskState(state, { type: 'pull_request_opened' });
    return next.ok ? next.next : null;
  }
  return state === 'review' ? 'failed' : null;
}

interface PullRequestSubtask {
  repo: RepoRow;
  task: TaskRow;
  run: RunRow | undefined;
  /** Whether the body closes the subtask (Gitea closes it on merge). */
  closesIt: boolean;
}

async function subtaskOf(
  deps: BotDeps,
  ctx: EventContext<WebhookPayload>,
): Promise<PullRequestSubtask | null> {
  const pr = ctx.payload.pull_request;
  if (!ctx.repo || !pr) return null;
  const repo = await findRepo(deps.db, ctx.repo.fullName);
  if (!repo) return null;
  const settings = await deps.settings.get(repo.owner, repo.name, repo.defaultBranch);
  if (!settings.ok) return null; // a broken config file stops everything until it is fixed
  const closes = closingReferences(pr.body ?? '', repo.fullName);
  const head = pr.head?.ref ?? '';
  const sameRepo =
    pr.head?.repo_id === undefined || pr.base?.repo_id === undefined || pr.head.repo_id === pr.base.repo_id;
  if (sameRepo && issueNumberOfBranch(head) !== null) {
    const run = await findRunByBranch(deps.db, repo.id, head);
    const task = run
      ? await getTask(deps.db, run.taskId)
      : await findTask(deps.db, repo.id, issueNumberOfBranch(head) ?? 0);
    if (task?.kind === 'subtask') return { repo, task, run, closesIt: closes.includes(task.issueNumber) };
  }
  for (const number of closes) {
    const task = await findTask(deps.db, repo.id, number);
    if (task?.kind === 'subtask') return { repo, task, run: undefined, closesIt: true };
  }
  return null;
}

async function onPullRequestOpen(deps: BotDeps, ctx: EventContext<WebhookPayload>): Promise<void> {
  const pr = ctx.payload.pull_request;
  if (pr?.state !== 'open') return;
  const found = await subtaskOf(deps, ctx);
  if (!found) return;
  const { task, run } = found;
  if (run && run.prNumber === null) await recordRunPullRequest(deps.db, run.id, pr.number);
  const moved = await moveSubtask(deps, task.id, 'opened');
  ctx.log.info({ subtask: task.issueNumber, pr: pr.number, moved }, 'pull request of a subtask is open');
  if (moved) await publishSubtask(deps, task.id);
}

async function onPullRequestClosed(deps: BotDeps, ctx: EventContext<WebhookPayload>): Promise<void> {
  const pr = ctx.payload.pull_request;
  if (!pr) return;
  const found = await subtaskOf(deps, ctx);
  if (!found) return;
  const { repo, task } = found;
  const issue = { owner: repo.owner, repo: repo.name, number: task.issueNumber };
  if (pr.merged) {
    if (found.closesIt) return; // Gitea closes the subtask; issues.closed carries readiness on
    await withIssueLock(deps, repo, task.issueNumber, () =>
      deps.comments.ensure(
        issue,
        { kind: 'notice', attrs: { task: task.issueNumber, event: 'merged-open', pr: pr.number } },
        `Pull request #${pr.number} is merged, but it does not say \`Closes #${task.issueNumber}\`, so this subtask stays open. Close it once the work is complete; its dependents start when it is closed.`,
      ),
    );
    return;
  }
  const current = await getTask(deps.db, task.id);
  if (subtaskStateAfter(current.state as SubtaskState, 'closed-unmerged') === null) return;
  // The note first (keyed by the state it leaves), then the change: a crash in between repeats both, once.
  await withIssueLock(deps, repo, task.issueNumber, () =>
    deps.comments.ensure(
      issue,
      {
        kind: 'notice',
        attrs: { task: task.issueNumber, event: 'pr-closed', pr: pr.number, v: current.stateVersion },
      },
      renderClosedUnmerged(pr, task.issueNumber),
    ),
  );
  const moved = await moveSubtask(deps, task.id, 'closed-unmerged');
  ctx.log.info(
    { subtask: task.issueNumber, pr: pr.number, moved },
    'pull request of a subtask closed without merge',
  );
  if (moved) await publishSubtask(deps, task.id);
}

function renderClosedUnmerged(pr: GiteaPullRequest, issueNumber: number): string {
  return [
    `Pull request #${pr.number} was closed without being merged, so #${issueNumber} is marked failed.`,
    '',
    `Reopen the pull request to put it back in review, or say \`/retry\` here for a new agent attempt.`,
  ].join('\n');
}

async function moveSubtask(deps: BotDeps, taskId: number, change: PullRequestChange): Promise<boolean> {
  return withLockedTask(deps.db, taskId, async (tx, task) => {
    const next = subtaskStateAfter(task.state as SubtaskState, change);
    if (next === null) return false;
    await setSubtaskState(tx, task, next);
    return true;
  });
}
