import type { Database } from '../db/client.ts';
import type { NamedLocks } from '../db/named-lock.ts';
import type { CommentWriter } from './comment-writer.ts';

/**
 * What writing to a managed issue needs: the database, the named locks that serialise every
 * write to one issue (withIssueLock), and the comment writer. Handlers, jobs and the dispatcher
 * take these along with the few things of their own.
 */
export interface IssueWriters {
  db: Database;
  locks: NamedLocks;
  comments: Pick<CommentWriter, 'ensure'>;
}
