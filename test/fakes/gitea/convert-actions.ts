import { parseWorkflow } from './actions-status.ts';
import { repoUrls, toRepo, toUser } from './convert.ts';
import {
  AccessMode,
  type ActionJobRecord,
  type ActionRunRecord,
  type ActionStatus,
  type CommitRecord,
  type FakeState,
  formatTime,
  type RepoRecord,
  type UserRecord,
} from './state.ts';
import { versionAtLeast } from './version.ts';

/**
 * The `workflow_run` and `workflow_job` webhook payloads (modules/structs/hook.go
 * `WorkflowRunPayload`, `WorkflowJobPayload`; modules/structs/repo_actions.go for their parts),
 * built as services/webhook/notifier.go and services/convert/convert.go build them in 1.25 and
 * 1.26 (1.24 builds the job payload inside the notifier). Field order follows the Go structs;
 * `omitempty` fields are left out when empty, as Go leaves them out.
 */

type Json = Record<string, unknown>;

/** Unix time 0 as Go prints a zero timeutil.TimeStamp (`AsLocalTime`, `AsTime().UTC()`, server in UTC). */
const UNIX_ZERO = '1970-01-01T00:00:00Z';

const stamp = (date: Date | null) => (date ? formatTime(date) : UNIX_ZERO);

/**
 * `ToActionsStatus` (1.25, 1.26; `toActionStatus` in 1.24's notifier): a run's or job's status
 * and conclusion. Gitea's "waiting" is GitHub's "queued" and its "blocked" GitHub's "waiting";
 * 1.24 has no conclusion for a skipped job.
 */
export function actionsStatus(status: ActionStatus, version: string): { status: string; conclusion: string } {
  if (status === 'waiting') return { status: 'queued', conclusion: '' };
  if (status === 'blocked') return { status: 'waiting', conclusion: '' };
  if (status === 'running') return { status: 'in_progress', conclusion: '' };
  const conclusion = status === 'skipped' && !versionAtLeast(version, 1, 25) ? '' : status;
  return { status: 'completed', conclusion };
}

/** `ToWorkflowRunAction`: requested, in_progress or completed. */
export function workflowRunAction(status: ActionStatus): string {
  if (status === 'waiting' || status === 'blocked') return 'requested';
  if (status === 'running') return 'in_progress';
  return 'completed';
}

/** modules/git/ref.go `BranchName`: the branch of `refs/heads/…`, empty for any other ref. */
function branchOfRef(ref: string): string {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '';
}

/** models/actions/run.go `HTMLURL`: by run number up to 1.25, by run id from 1.26. */
export function runHtmlUrl(state: FakeState, repo: RepoRecord, run: ActionRunRecord): string {
  const key = versionAtLeast(state.version, 1, 26) ? run.id : run.index;
  return `${repoUrls(state, repo).html}/actions/runs/${key}`;
}

/** The path of a job under its run's page: its position in the run up to 1.25, its id from 1.26. */
export function jobPathKey(state: FakeState, run: ActionRunRecord, job: ActionJobRecord): number {
  return versionAtLeast(state.version, 1, 26) ? job.id : run.jobs.indexOf(job);
}

/**
 * `getActionWorkflowEntry`: the workflow file as the commit `commit` has it; `webPath` is the
 * ref part of html_url (1.25: `branch/<default branch>`; 1.26: the ref's web link, or
 * `commit/<sha>` for a pull request ref).
 */
function toActionWorkflow(
  state: FakeState,
  repo: RepoRecord,
  run: ActionRunRecord,
  commit: CommitRecord,
  webPath: string,
): Json | null {
  const path = `${run.workflowDir}/${run.workflowId}`;
  const content = commit.files.get(path);
  if (content === undefined) return null;
  const { api, html } = repoUrls(state, repo);
  // Only a name the file declares replaces the file name; a file that does not parse keeps it.
  let declared = '';
  try {
    declared = parseWorkflow(content).name;
  } catch {
    declared = '';
  }
  return {
    id: run.workflowId,
    name: declared || run.workflowId,
    path,
    state: 'active',
    created_at: formatTime(commit.when),
    updated_at: formatTime(commit.when),
    url: `${api}/actions/workflows/${run.workflowId}`,
    html_url: `${html}/src/${webPath}/${path}`,
    badge_url: `${html}/actions/workflows/${run.workflowId}/badge.svg?branch=${encodeURIComponent(repo.defaultBranch)}`,
    deleted_at: '0001-01-01T00:00:00Z',
  };
}

/**
 * The workflow a `workflow_run` payload describes. 1.25 (`GetActionWorkflow`) reads it from the
 * default branch only; 1.26 (`GetActionWorkflowByRef`) from the run's ref as it is now, then
 * from the default branch. Without the file there, Gitea logs an error and sends nothing.
 */
function workflowOfRun(state: FakeState, repo: RepoRecord, run: ActionRunRecord): Json | null {
  const defaultHead = repo.commits.get(repo.branches.get(repo.defaultBranch) ?? '');
  const onDefault = () =>
    defaultHead ? toActionWorkflow(state, repo, run, defaultHead, `branch/${repo.defaultBranch}`) : null;
  if (!versionAtLeast(state.version, 1, 26)) return onDefault();
  const branch = branchOfRef(run.ref);
  const pull = /^refs\/pull\/(\d+)\/head$/.exec(run.ref);
  const refSha = branch
    ? repo.branches.get(branch)
    : pull
      ? repo.issues.get(Number(pull[1]))?.pull?.headSha
      : undefined;
  const refCommit = refSha ? repo.commits.get(refSha) : undefined;
  const webPath = branch ? `branch/${branch}` : `commit/${refSha ?? ''}`;
  return (refCommit ? toActionWorkflow(state, repo, run, refCommit, webPath) : null) ?? onDefault();
}

/** `ToActionWorkflowRun`. */
function toActionWorkflowRun(state: FakeState, repo: RepoRecord, run: ActionRunRecord): Json {
  const { status, conclusion } = actionsStatus(run.status, state.version);
  const triggerUser = toUser(state, state.userById(run.triggerUserId));
  const headBranch = branchOfRef(run.ref);
  return {
    id: run.id,
    url: `${repoUrls(state, repo).api}/actions/runs/${run.id}`,
    html_url: runHtmlUrl(state, repo, run),
    display_title: run.title,
    path: `${run.workflowId}@${run.ref}`,
    // 1.25 reports the hook event (`pull_request_sync`), 1.26 the trigger (`pull_request`).
    event: versionAtLeast(state.version, 1, 26) ? run.triggerEvent : run.event,
    run_attempt: 0,
    run_number: run.index,
    head_sha: run.commitSha,
    ...(headBranch ? { head_branch: headBranch } : {}),
    status,
    actor: triggerUser,
    trigger_actor: triggerUser,
    repository: toRepo(state, repo, AccessMode.None),
    ...(conclusion ? { conclusion } : {}),
    started_at: stamp(run.startedAt),
    completed_at: stamp(run.stoppedAt),
  };
}

/** `WorkflowRunStatusUpdate`; null when the workflow file cannot be found (no webhook). */
export function toWorkflowRunPayload(
  state: FakeState,
  repo: RepoRecord,
  run: ActionRunRecord,
  sender: UserRecord,
): (Json & { action: string }) | null {
  const workflow = workflowOfRun(state, repo, run);
  if (!workflow) return null;
  return {
    action: workflowRunAction(run.status),
    workflow,
    workflow_run: toActionWorkflowRun(state, repo, run),
    repository: toRepo(state, repo, AccessMode.Owner),
    sender: toUser(state, sender),
  };
}

/**
 * `ToActionWorkflowJob` (1.25, 1.26) and 1.24's inline version. The job's API url gained its
 * own path in 1.25; its page is found by position up to 1.25 and by id from 1.26; a job with
 * no steps (one that calls a reusable workflow) lists `null` steps up to 1.25 and `[]` from
 * 1.26. The runner appears once a runner has taken the job.
 */
export function toWorkflowJobPayload(
  state: FakeState,
  repo: RepoRecord,
  run: ActionRunRecord,
  job: ActionJobRecord,
  sender: UserRecord,
): Json & { action: string } {
  const { api } = repoUrls(state, repo);
  const { status, conclusion } = actionsStatus(job.status, state.version);
  const headBranch = branchOfRef(run.ref);
  const workflowJob = {
    id: job.id,
    url: versionAtLeast(state.version, 1, 25)
      ? `${api}/actions/jobs/${job.id}`
      : `${api}/actions/runs/${run.id}/jobs/${job.id}`,
    html_url: `${runHtmlUrl(state, repo, run)}/jobs/${jobPathKey(state, run, job)}`,
    run_id: run.id,
    run_url: `${api}/actions/runs/${run.id}`,
    name: job.name,
    labels: job.runsOn,
    run_attempt: job.attempt,
    head_sha: run.commitSha,
    ...(headBranch ? { head_branch: headBranch } : {}),
    status,
    ...(conclusion ? { conclusion } : {}),
    ...(job.taskId !== 0 ? { runner_id: job.runnerId, runner_name: job.runnerName } : {}),
    steps: versionAtLeast(state.version, 1, 26) ? [] : null,
    created_at: formatTime(job.createdAt),
    started_at: stamp(job.startedAt),
    completed_at: stamp(job.stoppedAt),
  };
  return {
    action: status,
    workflow_job: workflowJob,
    repository: toRepo(state, repo, AccessMode.Owner),
    sender: toUser(state, sender),
  };
}
