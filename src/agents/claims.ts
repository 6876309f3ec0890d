import type { RepoConfig } from '../config/repo-config.ts';
import { claimCause, isDispatchHeld, markCauseRefused } from '../db/audit.ts';
import type { Tx } from '../db/client.ts';
import { getRepoById, reposById } from '../db/repos.ts';
import {
  claimSubtaskRun,
  countActiveRuns,
  type DispatchCandidate,
  listReadyCandidates,
  type RunRow,
} from '../db/runs.ts';
import { getTask } from '../db/tasks.ts';
import { runBranch } from './branch.ts';
import type { ClaimRequest, ClaimResult } from './control.ts';
import type { AgentRunDeps, DispatcherSettings } from './run-deps.ts';
import { selectForDispatch } from './selection.ts';

const DISPATCH_LOCK = 'aiworker:dispatch';

/**
 * Step 1 of a run, claim: under one MariaDB named lock for every worker, the free slots are
 * counted and the chosen subtasks move to `running` with a `queued` run row, each in the same
 * transaction as its row insert. Two workers racing for one subtask end with one run. Each
 * claimed run gets a `dispatch` job that launches it.
 */
export class RunClaims {
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private closed = false;

  constructor(
    private readonly deps: AgentRunDeps,
    private readonly settings: Pick<DispatcherSettings, 'runnerKind' | 'maxConcurrent'>,
  ) {}

  /** Claims what may start now within the limits (see ClaimRequest); launches are queued. */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { db, locks } = this.deps;
    // Settings are read before the lock (they may need Gitea); new repos found inside are read there.
    const configs = new Map<number, RepoConfig | null>();
    await this.loadConfigs(configs, await listReadyCandidates(db, request.scope));
    const result = await locks.hold(DISPATCH_LOCK, () =>
      db.transaction(async (tx): Promise<ClaimResult> => {
        if (request.cause && !(await claimCause(tx, request.cause))) return { kind: 'replayed' };
        const refusal = request.prepare ? await request.prepare(tx) : null;
        if (refusal !== null) {
          // The cause stays claimed (a redelivery is refused the same way), recorded as refused.
          if (request.cause) await markCauseRefused(tx, request.cause.causeKey, refusal);
          return { kind: 'refused', reason: refusal };
        }
        let candidates = await listReadyCandidates(tx, request.scope);
        await this.loadConfigs(configs, candidates);
        candidates = candidates.filter((c) => configs.get(c.repoId));
        if (request.automatic) candidates = await this.automaticOnly(tx, candidates, configs);
        const perRepo = new Map(
          [...configs].flatMap(([id, config]) =>
            config ? [[id, config.agents.maxConcurrent] as const] : [],
          ),
        );
        const limits = { global: this.settings.maxConcurrent, perRepo };
        const selection = selectForDispatch(candidates, await countActiveRuns(tx), limits);
        const started: RunRow[] = [];
        for (const candidate of selection.chosen) {
          const claimed = await claimSubtaskRun(tx, {
            taskId: candidate.taskId,
            runner: this.settings.runnerKind,
            branch: (task) => runBranch(task.issueNumber, task.title || `task ${task.issueNumber}`),
          });
          if (claimed.ok) started.push(claimed.run);
          else
            this.deps.log.info(
              { issue: candidate.issueNumber, reason: claimed.reason },
              'subtask not claimed',
            );
        }
        return {
          kind: 'claimed',
          started,
          waiting: selection.waiting.map(({ candidate, limit }) => ({
            issueNumber: candidate.issueNumber,
            limit,
            max: limit === 'global' ? limits.global : (perRepo.get(candidate.repoId) ?? limits.global),
          })),
        };
      }),
    );
    if (result.kind === 'claimed') {
      for (const run of result.started) {
        this.deps.log.info(
          { runId: run.id, issue: run.issueNumber, attempt: run.attempt },
          'agent run claimed',
        );
        await this.deps.publisher
          .subtask(run.taskId)
          .catch((error: unknown) =>
            this.deps.log.warn({ err: error, issue: run.issueNumber }, 'running label not shown yet'),
          );
        await this.enqueueLaunch(run);
      }
    }
    return result;
  }

  /** Starts whatever ready subtasks of auto-dispatch repositories fit now. Coalesced per process. */
  pump(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    const run = async () => {
      do {
        this.pumpAgain = false;
        await this.claim({ scope: {}, automatic: true });
      } while (this.pumpAgain && !this.closed);
    };
    this.pumping = run().finally(() => {
      this.pumping = null;
    });
    return this.pumping;
  }

  /** Stops pumping; resolves once a pump under way is over. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pumping?.catch(() => undefined);
  }

  private async loadConfigs(
    configs: Map<number, RepoConfig | null>,
    candidates: readonly DispatchCandidate[],
  ): Promise<void> {
    const missing = [...new Set(candidates.map((c) => c.repoId))].filter((id) => !configs.has(id));
    for (const repo of await reposById(this.deps.db, missing)) {
      const settings = await this.deps.settings.recent(repo.owner, repo.name, repo.defaultBranch);
      // A broken config file stops everything in that repository until it is fixed.
      configs.set(repo.id, settings.ok ? settings.config : null);
    }
  }

  private async automaticOnly(
    tx: Tx,
    candidates: DispatchCandidate[],
    configs: Map<number, RepoConfig | null>,
  ): Promise<DispatchCandidate[]> {
    const auto = candidates.filter((c) => configs.get(c.repoId)?.agents.dispatch === 'auto');
    const held = new Map<number, boolean>();
    const kept: DispatchCandidate[] = [];
    for (const candidate of auto) {
      if (!held.has(candidate.featureId)) {
        const feature = await getTask(tx, candidate.featureId);
        const repo = await getRepoById(tx, candidate.repoId);
        held.set(candidate.featureId, await isDispatchHeld(tx, repo.fullName, feature.issueNumber));
      }
      if (!held.get(candidate.featureId)) kept.push(candidate);
    }
    return kept;
  }

  private async enqueueLaunch(run: RunRow): Promise<void> {
    const task = await getTask(this.deps.db, run.taskId);
    await this.deps.work.enqueue({ kind: 'dispatch', taskId: task.id, version: task.stateVersion });
  }
}
