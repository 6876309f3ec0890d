import type { Logger } from '../config/logger.ts';
import type { WorkJob } from '../domain/work.ts';
import type { DecompositionJob } from './decomposition.ts';
import type { PlanningJobs } from './planning.ts';

/**
 * What happens when a work job failed for good (a permanent error, or retries exhausted): the
 * step is undone where it can be and the issue says what failed. Dispatch jobs need nothing:
 * the reconcile settles their runs.
 */
export function onWorkFailure(jobs: {
  planning: Pick<PlanningJobs, 'fail'>;
  decomposition: Pick<DecompositionJob, 'failJob'>;
}): (job: WorkJob, error: Error, log: Logger) => Promise<void> {
  return (job, error, log) =>
    job.kind === 'decompose'
      ? jobs.decomposition.failJob(job, error, log)
      : jobs.planning.fail(job, error, log);
}
