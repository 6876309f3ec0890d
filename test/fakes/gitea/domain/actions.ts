import {
  commitStatusDescription,
  commitStatusState,
  type GiteaMinor,
  giteaMinor,
  parseWorkflow,
  statusEvent,
  type WorkflowFile,
} from '../actions-status.ts';
import { jobPathKey } from '../convert-actions.ts';
import {
  ACTIONS_USER_ID,
  type ActionJobRecord,
  type ActionRunRecord,
  type ActionStatus,
  type CommitRecord,
  type RepoRecord,
  type UserRecord,
} from '../state.ts';
import type { World } from '../world.ts';
import { createStatus, latestStatuses } from './statuses.ts';

/**
 * A Gitea Actions run as the server side sees it: created for an event (services/actions
 * notifier_helper.go `handleWorkflows`, 1.26 run.go `PrepareRunAndInsert`), a job taken by a
 * runner (task.go `PickTask`), the job's result reported (routers/api/actions/runner
 * runner.go `UpdateTask`). Each step posts the job's commit status as the Actions user
 * (services/actions/commit_status.go) and sends `workflow_job` (from 1.24) and `workflow_run`
 * (from 1.25) webhooks, in the order and with the content each version has.
 */

/** setting.Actions.WorkflowDirs: the first of these that the commit has is the only one read. */
const WORKFLOW_DIRS = ['.gitea/workflows', '.github/workflows'];

export const isActionDone = (status: ActionStatus): boolean =>
  status === 'success' || status === 'failure' || status === 'cancelled' || status === 'skipped';

/** models/actions/run_job.go `AggregateJobStatus`; 1.24 put failure before waiting. */
export function aggregateJobStatus(jobs: readonly ActionJobRecord[], minor: GiteaMinor): ActionStatus {
  const has = (status: ActionStatus) => jobs.some((job) => job.status === status);
  if (jobs.length > 0 && jobs.every((job) => job.status === 'skipped')) return 'skipped';
  if (jobs.length > 0 && jobs.every((job) => job.status === 'success' || job.status === 'skipped'))
    return 'success';
  if (has('cancelled')) return 'cancelled';
  if (has('running')) return 'running';
  if (minor === '1.24' && has('failure')) return 'failure';
  if (has('waiting')) return 'waiting';
  if (has('failure')) return 'failure';
  return 'blocked';
}

/** modules/actions/workflows.go `ListWorkflows`: the workflow files of a commit. */
function workflowFileOf(commit: CommitRecord, file: string): { dir: string; yaml: string } | undefined {
  for (const dir of WORKFLOW_DIRS) {
    const inDir = [...commit.files.keys()].some((path) => path.startsWith(`${dir}/`));
    if (!inDir) continue;
    const yaml = commit.files.get(`${dir}/${file}`);
    return yaml === undefined ? undefined : { dir, yaml };
  }
  return undefined;
}

export interface RunTrigger {
  event: 'push' | 'pull_request';
  /** push: the branch (default: the default branch). */
  branch?: string;
  /** pull_request: the pull request's number. */
  pullRequest?: number;
  /** pull_request: what happened to it (default `opened`); `synchronized` is the hook event `pull_request_sync`. */
  pullRequestAction?: 'opened' | 'synchronized' | 'reopened';
  /** The commit; default the branch head or the pull request's head. */
  sha?: string;
  /** The workflow file under .gitea/workflows (default `aiworker.yml`). */
  workflow?: string;
  /** Who triggered the run (default: the pull request's poster, or whoever has the pushed commit's author email, else the owner). */
  actor?: string;
}

interface ResolvedTrigger {
  ref: string;
  sha: string;
  hookEvent: string;
  actor: UserRecord;
}

function resolveTrigger(world: World, repo: RepoRecord, trigger: RunTrigger): ResolvedTrigger {
  const { state } = world;
  const explicitActor = trigger.actor ? state.mustUser(trigger.actor) : undefined;
  if (trigger.event === 'push') {
    const branch = trigger.branch ?? repo.defaultBranch;
    const head = repo.branches.get(branch);
    if (!head) throw new Error(`Gitea fake: ${state.fullName(repo)} has no branch ${branch}`);
    const sha = trigger.sha ?? head;
    const commit = repo.commits.get(sha);
    if (!commit) throw new Error(`Gitea fake: ${state.fullName(repo)} has no commit ${sha}`);
    const actor = explicitActor ?? state.userByEmail(commit.author.email) ?? state.repoOwner(repo);
    return { ref: `refs/heads/${branch}`, sha, hookEvent: 'push', actor };
  }
  const issue = trigger.pullRequest === undefined ? undefined : repo.issues.get(trigger.pullRequest);
  if (!issue?.pull)
    throw new Error(`Gitea fake: ${state.fullName(repo)} has no pull request #${trigger.pullRequest}`);
  return {
    ref: `refs/pull/${issue.index}/head`,
    sha: trigger.sha ?? issue.pull.headSha,
    hookEvent: trigger.pullRequestAction === 'synchronized' ? 'pull_request_sync' : 'pull_request',
    actor: explicitActor ?? state.userById(issue.posterId),
  };
}

/**
 * `createCommitStatus`: the job's status on the run's commit, skipped when the latest status of
 * that context says the same — the same state (1.24, 1.25), or the same state, target URL and
 * description (1.26). 1.24 compares the untrimmed context with the stored (trimmed) one.
 */
function postJobStatus(world: World, repo: RepoRecord, run: ActionRunRecord, job: ActionJobRecord): void {
  const { state } = world;
  const minor = giteaMinor(state.version);
  const event = statusEvent(run.event, run.triggerEvent, minor);
  if (event === null) return;
  const workflowName = parseWorkflow(run.workflowYaml).name;
  const rawContext = `${workflowName} / ${job.name} (${event})`;
  const context = minor === '1.24' ? rawContext : rawContext.trim();
  const runKey = minor === '1.26' ? run.id : run.index;
  const targetUrl = `/${state.fullName(repo)}/actions/runs/${runKey}/jobs/${jobPathKey(state, run, job)}`;
  const stateName = commitStatusState(job.status, minor);
  const duration =
    job.startedAt && job.stoppedAt ? (job.stoppedAt.getTime() - job.startedAt.getTime()) / 1000 : 0;
  const description = commitStatusDescription(job.status, duration);
  const previous = latestStatuses(repo, run.commitSha).find((s) => s.context === context);
  if (previous && previous.state === stateName) {
    if (minor !== '1.26') return;
    if (previous.targetUrl === targetUrl && previous.description === description) return;
  }
  createStatus(world, repo, ACTIONS_USER_ID, run.commitSha, {
    state: stateName,
    targetUrl,
    description,
    context,
  });
}

function notifyRun(world: World, repo: RepoRecord, run: ActionRunRecord): void {
  if (giteaMinor(world.state.version) === '1.24') return;
  world.notify.workflowRun(repo, run, world.state.userById(run.triggerUserId));
}

function notifyJob(world: World, repo: RepoRecord, run: ActionRunRecord, job: ActionJobRecord): void {
  world.notify.workflowJob(repo, run, job, world.state.userById(run.triggerUserId));
}

/**
 * A run of `trigger.workflow` for the event: one job per job of the file (those with `needs`
 * blocked), every job's status posted, then `workflow_run` requested (1.25+), then one
 * `workflow_job` queued (or waiting) per job. Gitea starts no run when the commit has no such
 * workflow file or the file is not triggered by the event; the fake refuses such a call.
 */
export function queueRun(world: World, repo: RepoRecord, trigger: RunTrigger): ActionRunRecord {
  const { state } = world;
  const minor = giteaMinor(state.version);
  const resolved = resolveTrigger(world, repo, trigger);
  const commit = repo.commits.get(resolved.sha);
  if (!commit) throw new Error(`Gitea fake: ${state.fullName(repo)} has no commit ${resolved.sha}`);
  const file = trigger.workflow ?? 'aiworker.yml';
  const found = workflowFileOf(commit, file);
  if (!found) {
    throw new Error(
      `Gitea fake: commit ${resolved.sha} of ${state.fullName(repo)} has no workflow ${file}; Gitea would start no run`,
    );
  }
  const workflow: WorkflowFile = parseWorkflow(found.yaml);
  if (!workflow.events.includes(trigger.event)) {
    throw new Error(
      `Gitea fake: workflow ${file} is not triggered by ${trigger.event}; Gitea would start no run`,
    );
  }
  const now = state.now();
  const runId = state.nextId('actionRun');
  const run: ActionRunRecord = {
    id: runId,
    repoId: repo.id,
    index: [...state.actionRuns.values()].filter((r) => r.repoId === repo.id).length + 1,
    workflowId: file,
    workflowDir: found.dir,
    workflowYaml: found.yaml,
    title: commit.message.split('\n')[0] ?? '',
    triggerUserId: resolved.actor.id,
    ref: resolved.ref,
    commitSha: resolved.sha,
    event: resolved.hookEvent,
    triggerEvent: trigger.event,
    status: 'waiting',
    createdAt: now,
    startedAt: null,
    stoppedAt: null,
    jobs: workflow.jobs.map((job) => ({
      id: state.nextId('actionJob'),
      runId,
      jobId: job.id,
      name: job.name,
      runsOn: job.runsOn,
      attempt: 0,
      status: job.needs.length > 0 ? 'blocked' : 'waiting',
      taskId: 0,
      runnerId: 0,
      runnerName: '',
      createdAt: now,
      startedAt: null,
      stoppedAt: null,
    })),
  };
  run.status = aggregateJobStatus(run.jobs, minor);
  state.actionRuns.set(run.id, run);
  for (const job of run.jobs) postJobStatus(world, repo, run, job);
  notifyRun(world, repo, run);
  for (const job of run.jobs) notifyJob(world, repo, run, job);
  return run;
}

export function jobOf(run: ActionRunRecord, jobId?: string): ActionJobRecord {
  const job =
    jobId === undefined && run.jobs.length === 1 ? run.jobs[0] : run.jobs.find((j) => j.jobId === jobId);
  if (!job)
    throw new Error(`Gitea fake: run ${run.id} has no job ${jobId ?? '(name one: the run has several)'}`);
  return job;
}

/**
 * A runner takes the job (`PickTask`): it runs, its attempt counts 1, the run starts; then the
 * job's status (a new one only in 1.26, whose description changed), `workflow_job`
 * in_progress, and in 1.26 `workflow_run` in_progress for the run's first job.
 */
export function startJob(
  world: World,
  repo: RepoRecord,
  run: ActionRunRecord,
  job: ActionJobRecord,
  runner: { id: number; name: string },
): void {
  const { state } = world;
  const minor = giteaMinor(state.version);
  if (job.status !== 'waiting') throw new Error(`Gitea fake: job ${job.jobId} is ${job.status}, not waiting`);
  const now = state.now();
  const firstPick = run.startedAt === null;
  job.status = 'running';
  job.attempt += 1;
  job.startedAt = now;
  job.taskId = state.nextId('actionTask');
  job.runnerId = runner.id;
  job.runnerName = runner.name;
  run.status = aggregateJobStatus(run.jobs, minor);
  if (run.startedAt === null) run.startedAt = now;
  postJobStatus(world, repo, run, job);
  notifyJob(world, repo, run, job);
  if (minor === '1.26' && firstPick) notifyRun(world, repo, run);
}

/**
 * The runner reports the job's result (`UpdateTask`): the job stops now — or `durationSeconds`
 * after it started, for a test that does not move the fake's clock — and the run is done when
 * all its jobs are; then the job's status, `workflow_job` completed, and `workflow_run`
 * completed once the run is done (1.25: from the job emitter, 1.26: from UpdateTask — in the
 * same order).
 */
export function finishJob(
  world: World,
  repo: RepoRecord,
  run: ActionRunRecord,
  job: ActionJobRecord,
  result: 'success' | 'failure' | 'cancelled' | 'skipped',
  durationSeconds?: number,
): void {
  const { state } = world;
  const minor = giteaMinor(state.version);
  if (job.status !== 'running') throw new Error(`Gitea fake: job ${job.jobId} is ${job.status}, not running`);
  const started = job.startedAt ?? state.now();
  job.status = result;
  job.stoppedAt =
    durationSeconds === undefined
      ? state.now()
      : new Date(started.getTime() + Math.max(0, Math.floor(durationSeconds)) * 1000);
  run.status = aggregateJobStatus(run.jobs, minor);
  if (isActionDone(run.status) && run.stoppedAt === null) run.stoppedAt = job.stoppedAt;
  postJobStatus(world, repo, run, job);
  notifyJob(world, repo, run, job);
  if (isActionDone(run.status)) notifyRun(world, repo, run);
}
