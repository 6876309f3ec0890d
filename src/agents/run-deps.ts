import type { Logger } from '../config/logger.ts';
import type { RepoConfig } from '../config/repo-config.ts';
import type { RepoRow } from '../db/repos.ts';
import type { WorkScheduler } from '../domain/work.ts';
import type { GiteaPick } from '../gitea/client.ts';
import type { RepoSettingsService } from '../gitea/repo-settings.ts';
import type { IssueWriters } from '../publish/issue-writers.ts';
import type { Publisher } from '../publish/publisher.ts';
import type { RunStatus } from './runners/types.ts';

/** What the dispatcher's parts (claims, launch, settle, reconcile) share. */

/** The Gitea calls the dispatcher makes besides the bot's comments and labels. */
export type AgentsGitea = GiteaPick<{ repos: 'get'; tokens: 'create' | 'delete'; pulls: 'list' }>;

export interface AgentRunDeps extends IssueWriters {
  settings: Pick<RepoSettingsService, 'recent'>;
  publisher: Pick<Publisher, 'subtask'>;
  /** Where `dispatch` jobs (one per claimed run) are queued. */
  work: WorkScheduler;
  gitea: AgentsGitea;
  log: Logger;
  /** Secret values scrubbed from what an agent's failure shows on the issue. */
  secrets: readonly string[];
}

export interface DispatcherSettings {
  /** What `agent_runs.runner` records. */
  runnerKind: string;
  /** AGENT_MAX_CONCURRENT: runs at once over every repository. */
  maxConcurrent: number;
  /** PUBLIC_URL: the agent reaches MCP at `${publicUrl}/mcp`. */
  publicUrl: string;
  /** GITEA_URL as agents reach it. */
  giteaUrl: string;
  /** The bot's login (per-run git tokens are minted under it). */
  botLogin: string;
  /** GITEA_BOT_PASSWORD: when set, a git token is minted per run and deleted when it ends. */
  botPassword?: string;
  /** AGENT_GIT_TOKEN: the shared push token when no per-run token can be minted. */
  agentGitToken?: string;
  /** Where the runner clones from; default the repository's clone URL as Gitea reports it. */
  cloneUrlFor?: (repo: RepoRow) => string | Promise<string>;
  /** Scopes of minted git tokens. Default `write:repository`. */
  gitTokenScopes?: readonly string[];
  /** How long a run token outlives the run's deadline. Default 120 s. */
  tokenGraceSeconds?: number;
}

/** The named lock of one run: launching, settling and stopping it never overlap. */
export const runLock = (runId: number) => `aiworker:agent-run:${runId}`;

export function isFinal(status: Pick<RunStatus, 'phase'>): boolean {
  return status.phase === 'succeeded' || status.phase === 'failed' || status.phase === 'cancelled';
}

/** The name of a run's minted git token (deterministic, so it can be deleted after a restart). */
export function gitTokenName(runId: number): string {
  return `aiworker-run-${runId}`;
}

/** The repository's agent settings; null while its `.gitea/aiworker.yaml` is broken. */
export async function configOf(
  settings: Pick<RepoSettingsService, 'recent'>,
  repo: RepoRow,
): Promise<RepoConfig | null> {
  const found = await settings.recent(repo.owner, repo.name, repo.defaultBranch);
  return found.ok ? found.config : null;
}
