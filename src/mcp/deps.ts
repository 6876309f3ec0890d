import type { Logger } from '../config/logger.ts';
import type { RepoContextCache, RepoReader } from '../context/index.ts';
import type { Database } from '../db/client.ts';
import type { GiteaPick } from '../gitea/client.ts';

/** The Gitea calls the MCP tools make, and nothing more. */
export type McpGitea = GiteaPick<{
  users: 'current';
  issues: 'get';
  labels: 'add' | 'remove';
  comments: 'list' | 'edit' | 'ensure';
  pulls: 'create';
}>;

/** Everything the MCP server needs from the rest of AiWorker, behind narrow interfaces. */
export interface McpDeps {
  db: Database;
  gitea: McpGitea;
  /** A read-only view of a repository (file tree and contents at a ref). */
  readerFor(owner: string, repo: string): RepoReader;
  /** The process's secret values (tokens, passwords): removed from every tool result. */
  secrets: readonly string[];
  /** How agents reach the bot, e.g. `https://aiworker.example.com` (named in 401 answers). */
  publicUrl: string;
  now?(): Date;
  log: Logger;
  /** The indexer's cache, so searches reuse a snapshot of the tree when there is one. */
  contextCache?: RepoContextCache;
}
