import { latestRunOf, type RunRow } from '../db/runs.ts';
import { getTask } from '../db/tasks.ts';
import type { EventContext, HandlerRegistrar } from '../domain/events.ts';
import { describeState, type SubtaskState } from '../domain/lifecycle.ts';
import type { WebhookPayload } from '../domain/payloads.ts';
import type { GiteaPullRequest, GiteaPullReview } from '../gitea/types.ts';
import { oneLine } from '../planning/render/markdown.ts';
import { withIssueLock } from '../publish/issue-lock.ts';
import { type CurrentPullRequest, type PullRequestDeps, withCurrentPullRequest } from './pull-requests.ts';

/**
 * What happens on a subtask's pull request after it is opened, shown on the subtask issue.
 *
 * - New commits (`pull_request_sync.synchronized`) start nothing: no new agent run, no state
 *   change. The subtask issue gets one note per pull request, edited in place, naming the head
 *   the pull request has now; while an agent run of the subtask is still going it says so, and
 *   how to stop it (`/cancel`) when someone is taking over its branch.
 * - Reviews (`pull_request_review_{approved,rejected,comment}`, action `reviewed`): the subtask
 *   issue gets one note per pull request, edited in place, with each reviewer's standing verdict
 *   (their latest approval or request for changes, not dismissed), marked when it was given on
 *   an older commit. The subtask stays in review — the pull request is still what the work waits
 *   on — and the note says what to do. Review text with commands is also a comment
 *   (comments.ts), so `/answer` and the rest work in reviews.
 *
 * Gitea's review payload carries no review id, and deliveries arrive in any order, so neither
 * note is built from the payload: each is rendered from the pull request and its reviews as
 * Gitea has them now. A redelivered or late event renders the same text, which `ensure` leaves
 * alone. Cost per event of a subtask's pull request: the branch head for the settings, the pull
 * request and its reviews (three reads); other pull requests cost nothing.
 */
export function registerPullRequestActivityHandlers(app: HandlerRegistrar, deps: PullRequestDeps): void {
  app.on('pull_request_sync.synchronized', (ctx) => onNewCommits(deps, ctx), {
    name: 'pull-request-commits',
  });
  app.on(
    [
      'pull_request_review_approved.reviewed',
      'pull_request_review_rejected.reviewed',
      'pull_request_review_comment.reviewed',
    ],
    (ctx) => onReview(deps, ctx),
    { name: 'pull-request-review' },
  );
}

async function onNewCommits(deps: PullRequestDeps, ctx: EventContext<WebhookPayload>): Promise<void> {
  await withCurrentPullRequest(deps, ctx, async (current) => {
    const { repo, pr, found } = current;
    if (pr.state !== 'open') return; // commits of a closed pull request change nothing
    const task = await getTask(deps.db, found.task.id);
    const run = await latestRunOf(deps.db, task.id);
    const going = run && run.finishedAt === null ? run : null;
    await withIssueLock(deps.locks, repo, task.issueNumber, () =>
      deps.comments.ensure(
        { owner: repo.owner, repo: repo.name, number: task.issueNumber },
        { kind: 'notice', attrs: { task: task.issueNumber, event: 'pr-commits', pr: pr.number } },
        renderNewCommits(pr, task.state as SubtaskState, going),
      ),
    );
    // Older reviews may have become stale: their note says so.
    await showReviews(deps, current);
    ctx.log.info(
      { pr: pr.number, subtask: task.issueNumber, head: pr.head.sha, run: going?.id },
      'new commits',
    );
  });
}

async function onReview(deps: PullRequestDeps, ctx: EventContext<WebhookPayload>): Promise<void> {
  await withCurrentPullRequest(deps, ctx, async (current) => {
    const shown = await showReviews(deps, current);
    ctx.log.info({ pr: current.pr.number, subtask: current.found.task.issueNumber, shown }, 'review');
  });
}

/** Writes the reviews note when a reviewer has a standing verdict; returns whether it did. */
async function showReviews(deps: PullRequestDeps, { repo, pr, found }: CurrentPullRequest): Promise<boolean> {
  const reviews = await deps.gitea.pulls.reviews(repo.owner, repo.name, pr.number);
  const verdicts = standingVerdicts(reviews);
  if (verdicts.length === 0) return false;
  const { task } = found;
  await withIssueLock(deps.locks, repo, task.issueNumber, () =>
    deps.comments.ensure(
      { owner: repo.owner, repo: repo.name, number: task.issueNumber },
      { kind: 'notice', attrs: { task: task.issueNumber, event: 'pr-review', pr: pr.number } },
      renderReviews(pr, task.issueNumber, found.closesIt, verdicts),
    ),
  );
  return true;
}

export interface Verdict {
  reviewer: string;
  approved: boolean;
  body: string;
  /** Given on an older commit than the pull request's head. */
  stale: boolean;
  htmlUrl: string;
}

/**
 * Each reviewer's latest approval or request for changes that is not dismissed, in the order
 * they were given. Comment reviews and pending ones change no verdict.
 */
export function standingVerdicts(reviews: readonly GiteaPullReview[]): Verdict[] {
  const latest = new Map<string, GiteaPullReview>();
  for (const review of [...reviews].sort((a, b) => a.id - b.id)) {
    if (review.state !== 'APPROVED' && review.state !== 'REQUEST_CHANGES') continue;
    latest.delete(review.reviewer);
    if (!review.dismissed) latest.set(review.reviewer, review);
  }
  return [...latest.values()]
    .sort((a, b) => a.id - b.id)
    .map((review) => ({
      reviewer: review.reviewer,
      approved: review.state === 'APPROVED',
      body: review.body,
      stale: review.stale,
      htmlUrl: review.htmlUrl,
    }));
}

const QUOTE_MAX = 300;

export function renderReviews(
  pr: Pick<GiteaPullRequest, 'number' | 'head'>,
  issueNumber: number,
  closesIt: boolean,
  verdicts: readonly Verdict[],
): string {
  const changes = verdicts.some((v) => !v.approved);
  const lines = verdicts.map((v) => {
    const said = v.body.trim() ? `: ${quoted(v.body)}` : '';
    const link = v.htmlUrl ? ` ([review](${v.htmlUrl}))` : '';
    const older = v.stale ? ' — on an older commit' : '';
    return `- ${v.approved ? '✅' : '🔴'} @${v.reviewer} ${v.approved ? 'approved' : 'requested changes'}${link}${older}${said}`;
  });
  const next = changes
    ? `#${issueNumber} stays in review until the pull request is merged or closed. Push the changes to \`${pr.head.ref}\` and ask for another review, or close the pull request and say \`/retry\` here for a new agent attempt.`
    : closesIt
      ? `Merging it closes #${issueNumber} and lets the subtasks that wait for it start.`
      : `It does not say \`Closes #${issueNumber}\`: close #${issueNumber} once it is merged, so the subtasks that wait for it can start.`;
  return [
    `### ${changes ? '🔴 Changes requested' : '✅ Approved'}: pull request #${pr.number}`,
    '',
    ...lines,
    '',
    next,
  ].join('\n');
}

export function renderNewCommits(
  pr: Pick<GiteaPullRequest, 'number' | 'head'>,
  state: SubtaskState,
  run: Pick<RunRow, 'id' | 'branch'> | null,
): string {
  const head = `\`${pr.head.sha.slice(0, 10)}\``;
  const lines = [
    `Pull request #${pr.number} has new commits; its head is now ${head}. They start no agent run and change nothing here: this subtask is ${describeState(state)}.`,
  ];
  if (run) {
    lines.push(
      '',
      run.branch === pr.head.ref
        ? `Agent run #${run.id} is still working on \`${run.branch}\` and will push to it again, which may be refused or undo these commits. If you are taking over, say \`/cancel\` here to stop it.`
        : `Agent run #${run.id} is still working on this subtask on \`${run.branch}\`. If this pull request replaces its work, say \`/cancel\` here to stop it.`,
    );
  }
  return lines.join('\n');
}

function quoted(text: string): string {
  const line = oneLine(text);
  return `“${line.length > QUOTE_MAX ? `${line.slice(0, QUOTE_MAX).trimEnd()}…` : line}”`;
}
