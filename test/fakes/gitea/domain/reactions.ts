import { ApiError } from '../errors.ts';
import type { ReactionRecord, UserRecord } from '../state.ts';
import type { World } from '../world.ts';

/** setting.UI.Reactions defaults. Reactions fire no webhook in Gitea. */
export const ALLOWED_REACTIONS = ['+1', '-1', 'laugh', 'hooray', 'confused', 'heart', 'rocket', 'eyes'];

/** CreateIssueReaction / CreateCommentReaction: `created` is false when it already existed (HTTP 200). */
export function addReaction(
  world: World,
  target: { issueId: number; commentId: number },
  doer: UserRecord,
  content: string,
): { reaction: ReactionRecord; created: boolean } {
  if (!ALLOWED_REACTIONS.includes(content)) {
    throw new ApiError(403, `'${content}' is not an allowed reaction`);
  }
  const existing = world.state.reactions.find(
    (r) =>
      r.issueId === target.issueId &&
      r.commentId === target.commentId &&
      r.userId === doer.id &&
      r.content === content,
  );
  if (existing) return { reaction: existing, created: false };
  const reaction: ReactionRecord = {
    id: world.state.nextId('reaction'),
    issueId: target.issueId,
    commentId: target.commentId,
    userId: doer.id,
    content,
    createdAt: world.state.now(),
  };
  world.state.reactions.push(reaction);
  return { reaction, created: true };
}

export function removeReaction(
  world: World,
  target: { issueId: number; commentId: number },
  doer: UserRecord,
  content: string,
): void {
  const { reactions } = world.state;
  const index = reactions.findIndex(
    (r) =>
      r.issueId === target.issueId &&
      r.commentId === target.commentId &&
      r.userId === doer.id &&
      r.content === content,
  );
  if (index >= 0) reactions.splice(index, 1);
}

export function reactionsOn(world: World, target: { issueId: number; commentId: number }): ReactionRecord[] {
  return world.state.reactions.filter(
    (r) => r.issueId === target.issueId && r.commentId === target.commentId,
  );
}
