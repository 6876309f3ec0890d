import { unprocessable } from '../errors.ts';
import type { IssueRecord, RepoRecord, ReviewRecord, ReviewType, UserRecord } from '../state.ts';
import type { World } from '../world.ts';
import { canWrite } from './access.ts';

/**
 * Pull request reviews: routers/api/v1/repo/pull_review.go (CreatePullReview,
 * preparePullReviewType, ListPullReviews), services/pull/review.go SubmitReview and
 * models/issues/review.go SubmitReview. Code comments inside a review are not modelled.
 */

/** modules/structs/pull_review.go ReviewStateType, as the API takes and shows it. */
export type ReviewEvent = 'APPROVED' | 'REQUEST_CHANGES' | 'COMMENT' | 'PENDING';

export const REVIEW_STATE_OF_TYPE: Record<ReviewType, ReviewEvent> = {
  approve: 'APPROVED',
  reject: 'REQUEST_CHANGES',
  comment: 'COMMENT',
  pending: 'PENDING',
};

/** preparePullReviewType: the review type of an event, or Gitea's 422. */
function reviewTypeOf(issue: IssueRecord, doer: UserRecord, event: string, body: string): ReviewType {
  const hasBody = body.trim().length > 0;
  let type: ReviewType;
  let needsBody = true;
  switch (event) {
    case 'APPROVED':
      if (issue.posterId === doer.id) throw unprocessable('approve your own pull is not allowed');
      type = 'approve';
      needsBody = false;
      break;
    case 'REQUEST_CHANGES':
      if (issue.posterId === doer.id) throw unprocessable('reject your own pull is not allowed');
      type = 'reject';
      break;
    case 'COMMENT':
      if (!hasBody) throw unprocessable(`review event ${event} requires a body or a comment`);
      type = 'comment';
      needsBody = false;
      break;
    default:
      type = 'pending';
  }
  if (needsBody && !hasBody) throw unprocessable(`review event ${event} requires a body`);
  return type;
}

/**
 * Submits a review: the reviewer's pending review becomes it, or a new one is made. Approvals and
 * rejections of a closed pull request are refused; they are stale when they looked at another
 * commit than the head (checkIfPRContentChanged; here any other commit counts as a change), and
 * official when the reviewer may write (IsOfficialReviewer without a protected branch rule).
 * Every type but pending fires its review webhook.
 */
export function submitReview(
  world: World,
  repo: RepoRecord,
  issue: IssueRecord,
  doer: UserRecord,
  opts: { event: string; body?: string; commitId?: string },
): ReviewRecord {
  const { state } = world;
  const pull = issue.pull;
  if (!pull) throw new Error(`Gitea fake: #${issue.index} is not a pull request`);
  const body = opts.body ?? '';
  const type = reviewTypeOf(issue, doer, opts.event, body);
  const commitId = opts.commitId || pull.headSha;
  const judges = type === 'approve' || type === 'reject';
  if (judges && issue.isClosed) throw unprocessable("can't submit review for a closed or merged PR");
  const stale = judges && commitId !== pull.headSha;
  let official = false;
  if (judges) {
    // Only a reviewer's latest approval or rejection counts as official.
    for (const review of reviewsOf(world, issue)) if (review.reviewerId === doer.id) review.official = false;
    official = canWrite(repo, doer);
  }
  const now = state.now();
  const pending = reviewsOf(world, issue).find((r) => r.reviewerId === doer.id && r.type === 'pending');
  const review: ReviewRecord = pending ?? {
    id: state.nextId('review'),
    issueId: issue.id,
    reviewerId: doer.id,
    type,
    content: body,
    commitId,
    stale,
    official,
    dismissed: false,
    commentId: 0,
    createdAt: now,
    updatedAt: now,
  };
  Object.assign(review, { type, content: body, commitId, stale, official, updatedAt: now });
  review.commentId = state.nextId('comment');
  state.reviews.set(review.id, review);
  issue.updatedAt = now;
  if (type !== 'pending') world.notify.reviewed(repo, issue, review);
  return review;
}

/** A pull request's reviews, oldest first (FindReviews orders by created_unix, id). */
export function reviewsOf(world: World, issue: IssueRecord): ReviewRecord[] {
  return [...world.state.reviews.values()]
    .filter((review) => review.issueId === issue.id)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
}

/** ToPullReviewList: pending reviews show only to their reviewer and to site admins. */
export function visibleReviews(world: World, issue: IssueRecord, viewer: UserRecord | null): ReviewRecord[] {
  return reviewsOf(world, issue).filter(
    (review) =>
      review.type !== 'pending' || (viewer !== null && (viewer.isAdmin || viewer.id === review.reviewerId)),
  );
}

/**
 * services/pull/pull.go AddTestPullRequestTask after a push to the head: every review becomes
 * stale (MarkReviewsAsStale), then those of the new head are current again (MarkReviewsAsNotStale).
 */
export function markReviewsStale(world: World, issue: IssueRecord, newHead: string): void {
  for (const review of reviewsOf(world, issue)) review.stale = review.commitId !== newHead;
}
