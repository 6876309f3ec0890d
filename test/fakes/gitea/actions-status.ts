import { parse } from 'yaml';

/**
 * The context of the commit status a Gitea Actions job leaves on its commit, as
 * services/actions/commit_status.go builds it (the same at v1.24.7, v1.25.4 and v1.26.3).
 * docs/builds.md, "The commit status", has the rest: states, descriptions, target URL.
 */

export type GiteaMinor = '1.24' | '1.25' | '1.26';

/**
 * The `(<event>)` part, from the run's hook event (modules/webhook/type.go names) and the
 * workflow's trigger event; null when Gitea posts no status for the run at all (schedule,
 * workflow_dispatch and every other event).
 */
export function statusEvent(hookEvent: string, triggerEvent: string, minor: GiteaMinor): string | null {
  if (hookEvent === 'push') return 'push';
  const pullRequestEvents = [
    'pull_request',
    'pull_request_sync',
    'pull_request_assign',
    'pull_request_label',
    'pull_request_review_request',
    'pull_request_milestone',
  ];
  if (pullRequestEvents.includes(hookEvent))
    return triggerEvent === 'pull_request_target' ? 'pull_request_target' : 'pull_request';
  // 1.26 added the review events (getCommitStatusEventNameAndCommitID).
  const reviewEvents = [
    'pull_request_review_approved',
    'pull_request_review_rejected',
    'pull_request_review_comment',
  ];
  if (minor === '1.26' && reviewEvents.includes(hookEvent)) return triggerEvent;
  if (hookEvent === 'release') return 'release';
  return null;
}

/**
 * `<workflow name> / <job name> (<event>)`, trimmed. The workflow name is the file's `name:`,
 * empty when it has none (Gitea falls back to the file name only when the file does not parse);
 * the job name is the job's `name:`, else its id. For a job that calls a reusable workflow
 * (`uses:`) these are the caller's names: Gitea hands the called workflow to the runner as that
 * one job. Matrix jobs, whose names get the matrix values appended, are not modelled.
 */
export function actionsStatusContext(workflowYaml: string, jobId: string, event: string): string {
  const workflow = parse(workflowYaml) as { name?: unknown; jobs?: Record<string, { name?: unknown }> };
  const job = workflow.jobs?.[jobId];
  if (!job) throw new Error(`the workflow has no job ${jobId}`);
  const workflowName = typeof workflow.name === 'string' ? workflow.name : '';
  const jobName = typeof job.name === 'string' && job.name !== '' ? job.name : jobId;
  return `${workflowName} / ${jobName} (${event})`.trim();
}
