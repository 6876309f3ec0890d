import { getRepoById, type RepoRow } from '../db/repos.ts';
import { getRunRow, markRunLaunching, markRunStarted, type RunRow } from '../db/runs.ts';
import { getTask } from '../db/tasks.ts';
import { isRetryable } from '../domain/errors.ts';
import {
  type AgentRunDeps,
  configOf,
  type DispatcherSettings,
  gitTokenName,
  isFinal,
  runLock,
} from './run-deps.ts';
import { issueRunToken, revokeRunTokens } from './run-tokens.ts';
import type { AgentRunner, AgentRunSpec } from './runners/types.ts';
import type { RunSettler } from './settle.ts';

/** A message a person reads when a launch cannot work at all (no retry would help). */
class LaunchRefused extends Error {}

/**
 * Step 2 of a run, launch (a `dispatch` work job per claimed run): the run gets its MCP token
 * and git token and the runner starts it. Runners start idempotently by run id, and a launch
 * interrupted after the runner took the run finds it through `runner.list()` instead of
 * starting a second process.
 */
export class RunLauncher {
  constructor(
    private readonly deps: AgentRunDeps,
    private readonly runner: AgentRunner,
    private readonly settings: DispatcherSettings,
    private readonly settler: Pick<RunSettler, 'settleLocked'>,
  ) {}

  /** Starts a queued run on the runner, once, whoever asks and however often. */
  async launch(runId: number): Promise<void> {
    await this.deps.locks.hold(runLock(runId), () => this.launchLocked(runId), {
      timeoutSeconds: 120,
    });
  }

  private async launchLocked(runId: number): Promise<void> {
    const { db, log } = this.deps;
    const run = await getRunRow(db, runId);
    if (run?.status !== 'queued' || run.finishedAt !== null) return;
    const task = await getTask(db, run.taskId);
    if (task.state !== 'running') {
      await this.settler.settleLocked(run, { phase: 'cancelled' }, { kind: 'subtask-closed' });
      return;
    }
    const repo = await getRepoById(db, run.repoId);
    if (run.startedAt !== null) {
      // An earlier launch got this far: if the runner took the run, adopt it; tokens stay as they are.
      const known = (await this.runner.list()).find((entry) => entry.runId === run.id);
      if (known) {
        await markRunStarted(db, run.id, {
          externalId: known.externalId,
          startedAt: run.startedAt,
          deadlineAt: new Date(run.startedAt.getTime() + (await this.timeoutMinutes(repo)) * 60_000),
        });
        if (isFinal(known.status))
          await this.settler.settleLocked(
            { ...run, externalId: known.externalId, status: 'running' },
            known.status,
          );
        return;
      }
    }
    const startedAt = new Date();
    await markRunLaunching(db, run.id, startedAt);
    const minutes = await this.timeoutMinutes(repo);
    let spec: AgentRunSpec;
    try {
      spec = await this.runSpec(run, repo, minutes);
    } catch (error) {
      if (!(error instanceof LaunchRefused)) throw error;
      await this.settler.settleLocked(run, { phase: 'failed', message: error.message });
      return;
    }
    let externalId: string;
    try {
      externalId = (await this.runner.start(spec)).externalId;
    } catch (error) {
      if (isRetryable(error)) throw error;
      await this.settler.settleLocked(run, {
        phase: 'failed',
        message: `the runner could not start the agent: ${(error as Error).message}`,
      });
      return;
    }
    await markRunStarted(db, run.id, {
      externalId,
      startedAt,
      deadlineAt: new Date(startedAt.getTime() + minutes * 60_000),
    });
    log.info({ runId: run.id, issue: run.issueNumber, externalId }, 'agent run started');
  }

  /** Exactly the agent's environment of docs/architecture.md §2, with fresh tokens (the old ones of this run die first). */
  private async runSpec(run: RunRow, repo: RepoRow, minutes: number): Promise<AgentRunSpec> {
    const { db } = this.deps;
    const gitToken = await this.gitTokenFor(run);
    await revokeRunTokens(db, run.id);
    const mcp = await issueRunToken(db, {
      runId: run.id,
      repoId: repo.id,
      issueNumber: run.issueNumber,
      ttlSeconds: minutes * 60 + (this.settings.tokenGraceSeconds ?? 120),
    });
    const cloneUrl = this.settings.cloneUrlFor
      ? await this.settings.cloneUrlFor(repo)
      : (await this.deps.gitea.repos.get(repo.owner, repo.name)).cloneUrl;
    return {
      runId: run.id,
      repo: repo.fullName,
      issueNumber: run.issueNumber,
      attempt: run.attempt,
      cloneUrl,
      defaultBranch: repo.defaultBranch,
      deadlineSeconds: minutes * 60,
      env: {
        AIWORKER_MCP_URL: `${this.settings.publicUrl.replace(/\/+$/, '')}/mcp`,
        AIWORKER_MCP_TOKEN: mcp.token,
        AIWORKER_TASK: `${repo.fullName}#${run.issueNumber}`,
        AIWORKER_RUN_ID: String(run.id),
        GITEA_URL: this.settings.giteaUrl,
        AIWORKER_GIT_TOKEN: gitToken,
        AIWORKER_BRANCH: run.branch,
      },
    };
  }

  private async gitTokenFor(run: RunRow): Promise<string> {
    const { botPassword, agentGitToken, botLogin } = this.settings;
    if (botPassword) {
      const name = gitTokenName(run.id);
      try {
        // A token of an interrupted launch cannot be read again: replace it.
        await this.deps.gitea.tokens.delete(botLogin, botPassword, name);
        const token = await this.deps.gitea.tokens.create(botLogin, botPassword, name, [
          ...(this.settings.gitTokenScopes ?? ['write:repository']),
        ]);
        if (!token.token) throw new LaunchRefused(`Gitea minted the git token ${name} without a value`);
        return token.token;
      } catch (error) {
        if (isRetryable(error) || error instanceof LaunchRefused) throw error;
        throw new LaunchRefused(
          `AiWorker could not mint a git token for the agent as ${botLogin} (POST /users/${botLogin}/tokens): ${(error as Error).message}. Check GITEA_BOT_PASSWORD.`,
        );
      }
    }
    if (agentGitToken) return agentGitToken;
    throw new LaunchRefused(
      'AiWorker has no git token to give the agent: set GITEA_BOT_PASSWORD (a token is minted for each run and deleted when it ends) or AGENT_GIT_TOKEN (the token of an account with write access to the repository)',
    );
  }

  private async timeoutMinutes(repo: RepoRow): Promise<number> {
    return (await configOf(this.deps.settings, repo))?.agents.timeoutMinutes ?? 60;
  }
}
