import {
  type CommentRecord,
  type FakeState,
  formatTime,
  type IssueRecord,
  type LabelRecord,
} from './state.ts';
import type { FakeComment, FakeIssue, FakeLabel } from './types.ts';

/** Plain copies of records for tests to read; changing them changes nothing in the fake. */

export function issueSnapshot(state: FakeState, issue: IssueRecord): FakeIssue {
  const repo = state.issueRepo(issue);
  const snapshot: FakeIssue = {
    id: issue.id,
    number: issue.index,
    repo: state.fullName(repo),
    title: issue.title,
    body: issue.body,
    state: issue.isClosed ? 'closed' : 'open',
    labels: state.labelsOf(repo, issue).map((label) => label.name),
    isPull: issue.pull !== null,
    user: state.userById(issue.posterId).login,
    createdAt: formatTime(issue.createdAt),
    updatedAt: formatTime(issue.updatedAt),
    closedAt: issue.closedAt ? formatTime(issue.closedAt) : null,
  };
  if (issue.pull) {
    snapshot.pull = {
      id: issue.pull.id,
      head: issue.pull.headBranch,
      base: issue.pull.baseBranch,
      headSha: issue.pull.headSha,
      merged: issue.pull.merged,
      mergeCommitSha: issue.pull.mergeCommitSha,
    };
  }
  return snapshot;
}

export function commentSnapshot(state: FakeState, comment: CommentRecord): FakeComment {
  return {
    id: comment.id,
    issueNumber: state.issuesById.get(comment.issueId)?.index ?? 0,
    body: comment.body,
    user: state.userById(comment.posterId).login,
    createdAt: formatTime(comment.createdAt),
    updatedAt: formatTime(comment.updatedAt),
  };
}

export function labelSnapshot(label: LabelRecord): FakeLabel {
  return {
    id: label.id,
    name: label.name,
    color: label.color,
    description: label.description,
    exclusive: label.exclusive,
  };
}
