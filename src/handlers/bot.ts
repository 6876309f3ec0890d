import type { Redis } from 'ioredis';
import type { Logger } from '../config/logger.ts';
import type { RepoContext } from '../context/types.ts';
import type { Database } from '../db/client.ts';
import type { NamedLocks } from '../db/named-lock.ts';
import type { WorkJob } from '../domain/work.ts';
import type { BoardAdapter } from '../gitea/board/types.ts';
import type { GiteaPick } from '../gitea/client.ts';
import type { RepoSettingsService } from '../gitea/repo-settings.ts';
import type { Planner } from '../planning/planner.ts';
import type { CommentWriter } from './comment-writer.ts';

/** The Gitea calls the conversation needs: a narrow view of the client, easy to fake. */
export type BotGitea = GiteaPick<{
  issues: 'get' | 'ensure' | 'edit' | 'react';
  labels: 'add' | 'remove' | 'ensure';
  comments: 'ensure' | 'get' | 'react';
  permissions: 'get';
  contents: 'file';
  dependencies: 'list' | 'add';
  pulls: 'get' | 'reviews';
}>;

/** Reads a repository's context for an issue (cached per commit). */
export interface ContextSource {
  forIssue(owner: string, repo: string, issueText: string): Promise<RepoContext>;
}

/** Everything the product handlers, commands and jobs use. Built once per process. */
export interface BotDeps {
  db: Database;
  locks: NamedLocks;
  redis: Redis;
  gitea: BotGitea;
  /** The Gitea Project board when GITEA_BOT_PASSWORD is set; otherwise the labels board. */
  board: BoardAdapter;
  comments: CommentWriter;
  planner: Planner;
  contexts: ContextSource;
  settings: RepoSettingsService;
  enqueueWork(job: WorkJob): Promise<void>;
  botLogin: string;
  publicUrl: string;
  log: Logger;
  /** Secrets that must never reach a prompt or a comment. */
  secrets: readonly string[];
}
