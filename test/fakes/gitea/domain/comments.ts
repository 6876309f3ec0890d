import { forbiddenEmpty } from '../errors.ts';
import type { CommentRecord, IssueRecord, RepoRecord, UserRecord } from '../state.ts';
import type { World } from '../world.ts';
import { canWrite } from './access.ts';

/** Issue comments (services/issue/comments.go): created, edited and deleted each fire a webhook. */

export function createComment(
  world: World,
  repo: RepoRecord,
  issue: IssueRecord,
  doer: UserRecord,
  body: string,
): CommentRecord {
  const { state } = world;
  const now = state.now();
  const comment: CommentRecord = {
    id: state.nextId('comment'),
    issueId: issue.id,
    posterId: doer.id,
    body,
    createdAt: now,
    updatedAt: now,
  };
  state.comments.set(comment.id, comment);
  issue.updatedAt = now;
  world.notify.comment(repo, issue, comment, doer, 'created');
  return comment;
}

/** Only the poster or a writer may change a comment (a bare 403 otherwise). */
function requireCommentEditor(repo: RepoRecord, comment: CommentRecord, doer: UserRecord): void {
  if (comment.posterId !== doer.id && !canWrite(repo, doer)) throw forbiddenEmpty();
}

export function editComment(
  world: World,
  repo: RepoRecord,
  comment: CommentRecord,
  doer: UserRecord,
  body: string,
): CommentRecord {
  requireCommentEditor(repo, comment, doer);
  const issue = world.state.issuesById.get(comment.issueId);
  if (!issue) throw new Error(`Gitea fake: comment ${comment.id} has no issue`);
  const oldBody = comment.body;
  comment.body = body;
  comment.updatedAt = world.state.now();
  world.notify.comment(repo, issue, comment, doer, 'edited', oldBody);
  return comment;
}

export function deleteComment(
  world: World,
  repo: RepoRecord,
  comment: CommentRecord,
  doer: UserRecord,
): void {
  requireCommentEditor(repo, comment, doer);
  const issue = world.state.issuesById.get(comment.issueId);
  if (!issue) throw new Error(`Gitea fake: comment ${comment.id} has no issue`);
  world.state.comments.delete(comment.id);
  world.state.reactions.splice(
    0,
    world.state.reactions.length,
    ...world.state.reactions.filter((r) => r.commentId !== comment.id),
  );
  world.notify.comment(repo, issue, comment, doer, 'deleted');
}

/** The comment list endpoint: every comment, oldest first, optionally since/before a time. */
export function listComments(
  world: World,
  issue: IssueRecord,
  range: { since?: Date; before?: Date },
): CommentRecord[] {
  return world.state
    .issueComments(issue)
    .filter((c) => !range.since || c.updatedAt >= range.since)
    .filter((c) => !range.before || c.updatedAt < range.before);
}
