import { issueNumberOfBranch } from '../agents/branch.ts';
import { claimCause } from '../db/audit.ts';
import { findRepo, type RepoRow } from '../db/repos.ts';
import { findRunByBranch, type RunRow, recordRunPullRequest } from '../db/runs.ts';
import { setSubtaskState } from '../db/subtasks.ts';
import { findTask, getTask, type TaskRow, withLockedTask } from '../db/tasks.ts';
import type { EventContext, HandlerRegistrar } from '../domain/events.ts';
import { nextSubtaskState, type SubtaskState } from '../domain/lifecycle.ts';
import type { WebhookPayload } from '../domain/payloads.ts';
import type { GiteaPick } from '../gitea/client.ts';
import type { RepoSettingsService } from '../gitea/repo-settings.ts';
import type { GiteaPullRequest } from '../gitea/types.ts';
import { withIssueLock } from '../publish/issue-lock.ts';
import type { IssueWriters } from '../publish/issue-writers.ts';
import type { Publisher } from '../publish/publisher.ts';

export interface PullRequestDeps extends IssueWriters {
  settings: Pick<RepoSettingsService, 'get'>;
  gitea: GiteaPick<{ pulls: 'get' | 'reviews' }>;
  publisher: Pick<Publisher, 'subtask'>;
}

/**
 * Pull requests of managed subtasks (docs/architecture.md §1 steps 6 and 8). A pull request belongs to a
 * subtask when its head branch is a run's branch (`ai/<number>-<slug>`, same repository) or
 * its body closes a managed subtask (`Closes #14`, Gitea's keywords).
 *
 * - open (opened / reopened / edited): the subtask moves to `review` (from running or ready; a
 *   subtask failed because its pull request was closed comes back to review when it reopens).
 * - merged: Gitea closes the issues the body closes and `issues.closed` carries readiness on
 *   (subtask-events.ts). A merged pull request that does not close its subtask gets a note.
 * - closed without merge: the subtask moves from `review` to `failed`, not back to `ready`: a
 *   rejected attempt is a person's decision, and `ready` would dispatch the same work again at
 *   once. The comment says how to go on: reopen the pull request, or `/retry` for a new attempt.
 *   Each closing counts once (keyed by the pull request and its close time), so a replay after
 *   `/retry` does not fail the next attempt.
 *
 * Deliveries arrive in any order (docs/architecture.md, Event rules): a late `opened` may come
 * after `closed`. So the event only says that the pull request changed; what it is now decides:
 * the pull request is read from Gitea (one call per event of a subtask's pull request) under the
 * pull request's lock, so the newest read is the last one applied. Events of pull requests that
 * belong to no subtask cost no call.
 *
 * The pull requests agents open through MCP are opened by the bot, whose own events are
 * dropped; the MCP tool moves the subtask to review itself. These handlers cover everything
 * else: pull requests opened by people or by agents with their own account, merges and closes.
 * New commits and reviews are in pull-request-activity.ts.
 */

export function registerPullRequestHandlers(app: HandlerRegistrar, deps: PullRequestDeps): void {
  app.on(
    ['pull_request.opened', 'pull_request.reopened', 'pull_request.edited', 'pull_request.closed'],
    (ctx) => onPullRequestChange(deps, ctx),
    { name: 'pull-request-state' },
  );
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
  // Only the attempt under review ends: a running agent, or work waiting to start, is not
  // failed by the close of a pull request it never got to.
  return state === 'review' ? 'failed' : null;
}

/** What identifies a pull request's subtask; the head and base repositories never change. */
interface PullView {
  number: number;
  body: string;
  headRef: string;
  sameRepo: boolean;
}

export interface PullRequestSubtask {
  repo: RepoRow;
  task: TaskRow;
  run: RunRow | undefined;
  /** Whether the body closes the subtask (Gitea closes it on merge). */
  closesIt: boolean;
}

async function subtaskOfView(
  deps: Pick<PullRequestDeps, 'db'>,
  repo: RepoRow,
  pr: PullView,
): Promise<PullRequestSubtask | null> {
  const closes = closingReferences(pr.body, repo.fullName);
  const branchIssue = issueNumberOfBranch(pr.headRef);
  if (pr.sameRepo && branchIssue !== null) {
    const run = await findRunByBranch(deps.db, repo.id, pr.headRef);
    const task = run ? await getTask(deps.db, run.taskId) : await findTask(deps.db, repo.id, branchIssue);
    if (task?.kind === 'subtask') return { repo, task, run, closesIt: closes.includes(task.issueNumber) };
  }
  for (const number of closes) {
    const task = await findTask(deps.db, repo.id, number);
    if (task?.kind === 'subtask') return { repo, task, run: undefined, closesIt: true };
  }
  return null;
}

export interface CurrentPullRequest {
  repo: RepoRow;
  /** The pull request as Gitea has it now. */
  pr: GiteaPullRequest;
  found: PullRequestSubtask;
}

/**
 * Runs `fn` with the pull request as it is now and its subtask, under the pull request's lock.
 * The payload only says whether the pull request may concern a subtask (no call when it does
 * not); a broken config file stops everything until it is fixed.
 */
export async function withCurrentPullRequest<T>(
  deps: PullRequestDeps,
  ctx: EventContext<WebhookPayload>,
  fn: (current: CurrentPullRequest) => Promise<T>,
): Promise<T | null> {
  const payloadPr = ctx.payload.pull_request;
  if (!ctx.repo || !payloadPr) return null;
  const repo = await findRepo(deps.db, ctx.repo.fullName);
  if (!repo) return null;
  const head = payloadPr.head;
  const sameRepo =
    head?.repo_id === undefined ||
    payloadPr.base?.repo_id === undefined ||
    head.repo_id === payloadPr.base.repo_id;
  const hint = await subtaskOfView(deps, repo, {
    number: payloadPr.number,
    body: payloadPr.body ?? '',
    headRef: head?.ref ?? '',
    sameRepo,
  });
  // The body may have gained `Closes #N` since this snapshot; the `edited` event that says so
  // carries the new body and comes here too.
  if (!hint) return null;
  const settings = await deps.settings.get(repo.owner, repo.name, repo.defaultBranch);
  if (!settings.ok) return null;
  return withIssueLock(deps.locks, repo, payloadPr.number, async () => {
    const pr = await deps.gitea.pulls.get(repo.owner, repo.name, payloadPr.number);
    const found = await subtaskOfView(deps, repo, {
      number: pr.number,
      body: pr.body,
      headRef: pr.head.ref,
      sameRepo,
    });
    return found ? fn({ repo, pr, found }) : null;
  });
}

async function onPullRequestChange(deps: PullRequestDeps, ctx: EventContext<WebhookPayload>): Promise<void> {
  const moved = await withCurrentPullRequest(deps, ctx, async ({ repo, pr, found }) => {
    const now = pr.state === 'open' ? 'open' : pr.merged ? 'merged' : 'closed';
    const result =
      now === 'open'
        ? await onOpen(deps, pr, found)
        : now === 'merged'
          ? await onMerged(deps, repo, pr, found)
          : await onClosedUnmerged(deps, ctx, repo, pr, found);
    ctx.log.info(
      { pr: pr.number, now, subtask: found.task.issueNumber, moved: result !== null },
      'pull request of a subtask changed',
    );
    return result;
  });
  if (moved) await deps.publisher.subtask(moved.taskId);
}

interface Moved {
  taskId: number;
  issueNumber: number;
}

async function onOpen(
  deps: PullRequestDeps,
  pr: GiteaPullRequest,
  found: PullRequestSubtask,
): Promise<Moved | null> {
  const { task, run } = found;
  if (run && run.prNumber === null) await recordRunPullRequest(deps.db, run.id, pr.number);
  return (await moveSubtask(deps, task.id, 'opened', null)) ? movedOf(task) : null;
}

async function onMerged(
  deps: PullRequestDeps,
  repo: RepoRow,
  pr: GiteaPullRequest,
  found: PullRequestSubtask,
): Promise<null> {
  const { task } = found;
  if (found.closesIt) return null; // Gitea closes the subtask; issues.closed carries readiness on
  await withIssueLock(deps.locks, repo, task.issueNumber, () =>
    deps.comments.ensure(
      { owner: repo.owner, repo: repo.name, number: task.issueNumber },
      { kind: 'notice', attrs: { task: task.issueNumber, event: 'merged-open', pr: pr.number } },
      `Pull request #${pr.number} is merged, but it does not say \`Closes #${task.issueNumber}\`, so this subtask stays open. Close it once the work is complete; its dependents start when it is closed.`,
    ),
  );
  return null;
}

async function onClosedUnmerged(
  deps: PullRequestDeps,
  ctx: EventContext<WebhookPayload>,
  repo: RepoRow,
  pr: GiteaPullRequest,
  found: PullRequestSubtask,
): Promise<Moved | null> {
  const { task } = found;
  const current = await getTask(deps.db, task.id);
  if (subtaskStateAfter(current.state as SubtaskState, 'closed-unmerged') === null) return null;
  const closing = { causeKey: `pr-closed:${repo.id}#${pr.number}@${pr.closedAt ?? ''}`, ctx, repo, task };
  // The note first (keyed by this closing), then the change with its claim: a crash in between
  // repeats both, once; a replay of a closing already counted changes nothing.
  await withIssueLock(deps.locks, repo, task.issueNumber, () =>
    deps.comments.ensure(
      { owner: repo.owner, repo: repo.name, number: task.issueNumber },
      {
        kind: 'notice',
        attrs: { task: task.issueNumber, event: 'pr-closed', pr: pr.number, closed: pr.closedAt ?? '' },
      },
      renderClosedUnmerged(pr, task.issueNumber),
    ),
  );
  return (await moveSubtask(deps, task.id, 'closed-unmerged', closing)) ? movedOf(task) : null;
}

function renderClosedUnmerged(pr: GiteaPullRequest, issueNumber: number): string {
  return [
    `Pull request #${pr.number} was closed without being merged, so #${issueNumber} is marked failed.`,
    '',
    `Reopen the pull request to put it back in review, or say \`/retry\` here for a new agent attempt.`,
  ].join('\n');
}

function movedOf(task: TaskRow): Moved {
  return { taskId: task.id, issueNumber: task.issueNumber };
}

async function moveSubtask(
  deps: PullRequestDeps,
  taskId: number,
  change: PullRequestChange,
  cause: {
    causeKey: string;
    ctx: EventContext<WebhookPayload>;
    repo: RepoRow;
    task: TaskRow;
  } | null,
): Promise<boolean> {
  return withLockedTask(deps.db, taskId, async (tx, task) => {
    const next = subtaskStateAfter(task.state as SubtaskState, change);
    if (next === null) return false;
    if (cause) {
      const fresh = await claimCause(tx, {
        causeKey: cause.causeKey,
        deliveryId: cause.ctx.deliveryId,
        repoFullName: cause.repo.fullName,
        issueNumber: cause.task.issueNumber,
        actor: cause.ctx.sender?.login ?? null,
        command: 'pull_request.closed',
        result: next,
      });
      if (!fresh) return false;
    }
    await setSubtaskState(tx, task, next);
    return true;
  });
}
