import { parse } from 'yaml';
import type { ActionStatus } from './state.ts';

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

/** The minor version of a full Gitea version string (`1.25.4` → `1.25`). */
export function giteaMinor(version: string): GiteaMinor {
  const match = /^v?1\.(24|25|26)\b/.exec(version);
  if (!match) throw new Error(`Gitea fake: Actions are modelled for 1.24, 1.25 and 1.26, not ${version}`);
  return `1.${match[1]}` as GiteaMinor;
}

/** `toCommitStatus`: the commit status state of a job; a skipped job was `success` up to 1.24. */
export function commitStatusState(status: ActionStatus, minor: GiteaMinor): string {
  switch (status) {
    case 'success':
      return 'success';
    case 'failure':
    case 'cancelled':
      return 'failure';
    case 'waiting':
    case 'blocked':
    case 'running':
      return 'pending';
    case 'skipped':
      return minor === '1.24' ? 'success' : 'skipped';
  }
}

/** Go's time.Duration.String() for whole seconds: `0s`, `42s`, `1m5s`, `1h2m0s`. */
export function goDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${m}m${s % 60}s` : `${m}m${s % 60}s`;
}

/** `toCommitStatusDescription`: the description of a job's commit status. */
export function commitStatusDescription(status: ActionStatus, durationSeconds: number): string {
  switch (status) {
    case 'success':
      return `Successful in ${goDuration(durationSeconds)}`;
    case 'failure':
      return `Failing after ${goDuration(durationSeconds)}`;
    case 'cancelled':
      return 'Has been cancelled';
    case 'skipped':
      return 'Has been skipped';
    case 'running':
      return 'Has started running';
    case 'waiting':
      return 'Waiting to run';
    case 'blocked':
      return 'Blocked by required conditions';
  }
}

/** A workflow file as Gitea's jobparser reads what the fake needs of it. */
export interface WorkflowFile {
  /** The file's `name:`, empty without one. */
  name: string;
  /** The events of `on:` (a name, a list of names, or a map's keys). */
  events: string[];
  jobs: Array<{ id: string; name: string; runsOn: string[] | null; needs: string[] }>;
}

export function parseWorkflow(yaml: string): WorkflowFile {
  const doc = parse(yaml) as { name?: unknown; on?: unknown; jobs?: Record<string, Record<string, unknown>> };
  const on = doc.on;
  const events =
    typeof on === 'string'
      ? [on]
      : Array.isArray(on)
        ? on.map(String)
        : on && typeof on === 'object'
          ? Object.keys(on)
          : [];
  const list = (value: unknown): string[] | null =>
    typeof value === 'string' ? [value] : Array.isArray(value) ? value.map(String) : null;
  const jobs = Object.entries(doc.jobs ?? {}).map(([id, job]) => ({
    id,
    name: typeof job.name === 'string' && job.name !== '' ? job.name : id,
    runsOn: list(job['runs-on']),
    needs: list(job.needs) ?? [],
  }));
  return { name: typeof doc.name === 'string' ? doc.name : '', events, jobs };
}
