import { getRepoById } from '../db/repos.ts';
import { getRunRow, listActiveRuns } from '../db/runs.ts';
import { getTask } from '../db/tasks.ts';
import type { RunClaims } from './claims.ts';
import type { RunLauncher } from './launch.ts';
import { type AgentRunDeps, configOf, isFinal } from './run-deps.ts';
import type { AgentRunner } from './runners/types.ts';
import type { RunSettler } from './settle.ts';
import { watchdogVerdict } from './watchdog.ts';

const LOST_MESSAGE =
  'Lost: the runner no longer knows this run (its process or Job disappeared while AiWorker was not watching)';

export interface ReconcileParts {
  deps: AgentRunDeps;
  runner: AgentRunner;
  launcher: Pick<RunLauncher, 'launch'>;
  settler: Pick<RunSettler, 'settle' | 'stop'>;
  claims: Pick<RunClaims, 'pump'>;
}

/**
 * Brings the database and the runner into agreement: queued runs are launched, ended runs
 * settled, lost runs failed, overdue or silent runs stopped, runs the database considers
 * over but the runner still works on are stopped, and free slots are filled. Run at start
 * (re-attach after a restart) and periodically.
 */
export async function reconcileRuns(parts: ReconcileParts, now: Date = new Date()): Promise<void> {
  const { deps, runner, launcher, settler, claims } = parts;
  const { db, log } = deps;
  const active = await listActiveRuns(db);
  const listed = new Map((await runner.list()).map((entry) => [entry.runId, entry]));
  for (const run of active) {
    try {
      if (run.status === 'queued') {
        await launcher.launch(run.id);
        continue;
      }
      const status =
        listed.get(run.id)?.status ?? (run.externalId ? await runner.status(run.externalId) : null);
      if (!status) {
        await settler.settle(run.id, { phase: 'failed', message: LOST_MESSAGE });
        continue;
      }
      if (isFinal(status)) {
        await settler.settle(run.id, status);
        continue;
      }
      const task = await getTask(db, run.taskId);
      if (task.state === 'done') {
        await settler.stop(run.id, { kind: 'subtask-closed' });
        continue;
      }
      const config = await configOf(deps.settings, await getRepoById(db, run.repoId));
      const verdict = watchdogVerdict(run, now, {
        timeoutMinutes: config?.agents.timeoutMinutes ?? 60,
        silenceMinutes: config?.agents.silenceMinutes ?? 15,
      });
      if (verdict) {
        log.warn({ runId: run.id, issue: run.issueNumber, verdict }, 'watchdog stops an agent run');
        await settler.stop(run.id, verdict);
      }
    } catch (error) {
      log.warn({ err: error, runId: run.id }, 'reconciling an agent run failed; trying again later');
    }
  }
  const activeIds = new Set(active.map((r) => r.id));
  for (const [runId, entry] of listed) {
    if (activeIds.has(runId) || isFinal(entry.status)) continue;
    const row = await getRunRow(db, runId);
    // A run the database knows as ended (e.g. cancelled while this process was down) must not work on.
    if (row?.finishedAt || (!row && runId > 0)) {
      log.warn({ runId, externalId: entry.externalId }, 'stopping an agent run AiWorker no longer tracks');
      await runner
        .cancel(entry.externalId)
        .catch((error: unknown) => log.warn({ err: error, runId }, 'could not stop it'));
    }
  }
  await claims.pump();
}
