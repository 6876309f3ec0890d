import type { NamedLocks } from '../db/named-lock.ts';

/**
 * Serialises every write to one issue (Gitea comments, labels) across all workers, so two of
 * them never both create a comment that `comments.ensure` would have found.
 */
export function withIssueLock<T>(
  locks: NamedLocks,
  repo: { fullName: string },
  issueNumber: number,
  fn: () => Promise<T>,
): Promise<T> {
  return locks.hold(`aiworker:issue:${repo.fullName}#${issueNumber}`, fn, { timeoutSeconds: 60 });
}
