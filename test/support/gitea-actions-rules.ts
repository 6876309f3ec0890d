import { parse } from 'yaml';

/**
 * The rules Gitea Actions (1.24–1.26 with act_runner) adds to GitHub's workflow and action
 * syntax, for this repository's own files. Each rule names the Gitea source file or page it
 * comes from; docs/builds.md explains the ones that matter to users.
 */

type Mapping = Record<string, unknown>;

const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `github` context Gitea gives a job: services/actions/context.go (GenerateGiteaContext, the
 * same keys at v1.24.7, v1.25.4 and v1.26.3) plus `token` and `gitea_runtime_token`
 * (services/actions/task.go). Anything else (job_workflow_sha, workflow_ref, …) is empty there.
 */
export const GITEA_GITHUB_CONTEXT = new Set([
  'action',
  'action_path',
  'action_ref',
  'action_repository',
  'action_status',
  'actor',
  'api_url',
  'base_ref',
  'env',
  'event',
  'event_name',
  'event_path',
  'graphql_url',
  'head_ref',
  'job',
  'ref',
  'ref_name',
  'ref_protected',
  'ref_type',
  'path',
  'repository',
  'repository_owner',
  'repositoryUrl',
  'retention_days',
  'run_id',
  'run_number',
  'run_attempt',
  'secret_source',
  'server_url',
  'sha',
  'triggering_actor',
  'workflow',
  'workspace',
  'gitea_default_actions_url',
  'token',
  'gitea_runtime_token',
]);

/**
 * Events Gitea starts workflows for: modules/actions/github.go (GithubEvent*, identical at
 * v1.24.7 and v1.26.3) and workflow_dispatch; workflow_call is only ever called.
 */
const GITEA_EVENTS = new Set([
  'create',
  'delete',
  'fork',
  'gollum',
  'issue_comment',
  'issues',
  'pull_request',
  'pull_request_comment',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_target',
  'push',
  'registry_package',
  'release',
  'schedule',
  'workflow_dispatch',
]);

/**
 * Keys GitHub honours and Gitea ignores, so a workflow relying on them silently behaves
 * differently (docs.gitea.com/usage/actions/comparison, "Unsupported workflows syntax", for
 * 1.24 and 1.25; 1.26 implements concurrency and permissions, 1.25 run-name).
 */
const IGNORED_WORKFLOW_KEYS = ['concurrency', 'permissions', 'run-name'];
const IGNORED_JOB_KEYS = [
  'concurrency',
  'permissions',
  'timeout-minutes',
  'continue-on-error',
  'environment',
];

/** act's model/workflow.go (Job.Type): the two shapes a reusable workflow reference may take. */
const LOCAL_REUSABLE = /^\.\/.+\.ya?ml$/;
const REMOTE_REUSABLE = /^[^.](.+?\/){2,}.+\.ya?ml@.+$/;

/** Every `${{ … }}` expression in a text. */
export function expressionsIn(text: string): string[] {
  return [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((match) => match[1] ?? '');
}

function contextProblems(text: string): string[] {
  const problems: string[] = [];
  for (const expression of expressionsIn(text)) {
    for (const match of expression.matchAll(/\bgithub\.([A-Za-z_]+)/g)) {
      const property = match[1] ?? '';
      if (!GITEA_GITHUB_CONTEXT.has(property))
        problems.push(`github.${property} is not in the context Gitea gives a job`);
    }
    if (/\bhashFiles\s*\(/.test(expression)) problems.push('hashFiles() is not supported by Gitea');
  }
  return problems;
}

function stepProblems(where: string, step: unknown, compositeAction: boolean): string[] {
  if (!isMapping(step)) return [`${where}: not a mapping`];
  const problems: string[] = [];
  const uses = step.uses;
  if (typeof uses === 'string') {
    if (compositeAction) {
      // An air-gapped runner fetches nothing, so the action is shell steps only.
      problems.push(`${where}: uses ${uses}; the composite action must have shell steps only`);
    } else if (!uses.startsWith('./') && !/^(https?:\/\/|\$\{\{\s*github\.server_url\s*\}\}\/)/.test(uses)) {
      // owner/repo@ref is fetched from DEFAULT_ACTIONS_URL, github.com by default
      // (docs.gitea.com/usage/actions/comparison, "Downloading actions").
      problems.push(`${where}: uses ${uses} is fetched from DEFAULT_ACTIONS_URL; use ./path or a full URL`);
    }
  }
  if (typeof step.run === 'string') {
    // Values reach a script through env:, never pasted into its text.
    if (step.run.includes('${{')) problems.push(`${where}: an expression inside run: (pass it through env:)`);
    // kaniko's debug image has busybox sh and no bash.
    if (compositeAction && step.shell !== 'sh') problems.push(`${where}: shell must be sh`);
  } else if (compositeAction) {
    problems.push(`${where}: a composite step without run:`);
  }
  return problems;
}

function triggerEvents(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  if (isMapping(on)) return Object.keys(on);
  return [];
}

/** What Gitea would run differently from what a workflow file says. */
export function workflowProblems(text: string): string[] {
  const workflow = parse(text) as unknown;
  if (!isMapping(workflow)) return ['not a mapping'];
  const problems = contextProblems(text);
  // services/actions/commit_status.go: the status context starts with the workflow's name, and
  // is "/ <job> (<event>)" without one.
  if (typeof workflow.name !== 'string' || workflow.name.trim() === '')
    problems.push('no name: its commit statuses would read "/ <job> (<event>)"');
  for (const key of IGNORED_WORKFLOW_KEYS) if (key in workflow) problems.push(`${key}: ignored by Gitea`);

  const events = triggerEvents(workflow.on);
  if (events.length === 0) problems.push('no trigger');
  if (events.includes('workflow_call') && events.length > 1)
    problems.push('workflow_call with other triggers: a reusable workflow is only ever called');
  for (const event of events)
    if (event !== 'workflow_call' && !GITEA_EVENTS.has(event))
      problems.push(`on: ${event} never fires on Gitea`);

  const jobs = isMapping(workflow.jobs) ? workflow.jobs : {};
  for (const [id, job] of Object.entries(jobs)) {
    if (!isMapping(job)) {
      problems.push(`jobs.${id}: not a mapping`);
      continue;
    }
    for (const key of IGNORED_JOB_KEYS) if (key in job) problems.push(`jobs.${id}.${key}: ignored by Gitea`);
    if (typeof job.uses === 'string') {
      if (!LOCAL_REUSABLE.test(job.uses) && !REMOTE_REUSABLE.test(job.uses))
        problems.push(`jobs.${id}.uses: ${job.uses} is neither ./path.yml nor owner/repo/path.yml@ref`);
      continue;
    }
    // Gitea matches runs-on: label or a list of labels only (comparison page, "Complex runs-on").
    const runsOn = job['runs-on'];
    const labels = Array.isArray(runsOn) ? runsOn : [runsOn];
    if (labels.length === 0 || !labels.every((label) => typeof label === 'string' && label !== ''))
      problems.push(`jobs.${id}.runs-on: must be a label or a list of labels`);
    const steps = Array.isArray(job.steps) ? job.steps : [];
    steps.forEach((step, index) => {
      problems.push(...stepProblems(`jobs.${id}.steps[${index}]`, step, false));
    });
  }
  return problems;
}

/** What keeps a composite action from running as it should on an air-gapped Gitea runner. */
export function compositeActionProblems(text: string): string[] {
  const action = parse(text) as unknown;
  if (!isMapping(action)) return ['not a mapping'];
  const problems = contextProblems(text);
  const runs = isMapping(action.runs) ? action.runs : {};
  if (runs.using !== 'composite') problems.push(`runs.using is ${String(runs.using)}, not composite`);
  const steps = Array.isArray(runs.steps) ? runs.steps : [];
  steps.forEach((step, index) => {
    problems.push(...stepProblems(`runs.steps[${index}]`, step, true));
  });

  // actionlint reads no action metadata here, so the references inside the file are checked here.
  const inputs = new Set(Object.keys(isMapping(action.inputs) ? action.inputs : {}));
  for (const expression of expressionsIn(text))
    for (const match of expression.matchAll(/\binputs\.([A-Za-z0-9_-]+)/g))
      if (!inputs.has(match[1] ?? '')) problems.push(`inputs.${match[1]} is not an input`);
  const stepIds = new Set(steps.filter(isMapping).map((step) => step.id));
  for (const [name, output] of Object.entries(isMapping(action.outputs) ? action.outputs : {})) {
    const value = isMapping(output) && typeof output.value === 'string' ? output.value : '';
    const id = /\bsteps\.([A-Za-z0-9_-]+)\.outputs\./.exec(value)?.[1];
    if (!id || !stepIds.has(id)) problems.push(`outputs.${name}: no step ${id ?? '(none)'} gives it`);
  }
  return problems;
}
