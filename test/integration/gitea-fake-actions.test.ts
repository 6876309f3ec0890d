import { afterEach, describe, expect, it } from 'vitest';
import { type ApiCall, apiClient } from '../fakes/gitea/api-client.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/gitea/receiver.ts';

/**
 * Simulated Gitea Actions builds, held to Gitea's source per version:
 * services/actions/commit_status.go (context, state, description, target URL, when a status
 * is written), services/actions/notifier_helper.go / run.go, task.go and
 * routers/api/actions/runner/runner.go (what each step sends, in which order),
 * services/webhook/notifier.go and services/convert/convert.go (the workflow_run and
 * workflow_job payloads), and the container registry (routers/api/packages/container,
 * routers/api/v1/packages/package.go) for the image a build pushes.
 */

type Json = Record<string, unknown>;
const REPO = 'alice/shop';
const VERSIONS = ['1.24.7', '1.25.4', '1.26.3'] as const;
type Version = (typeof VERSIONS)[number];

/** The caller docs/builds.md tells a repository to add. */
const CALLER = `name: aiworker
on: [push, pull_request]
jobs:
  build:
    uses: aiworker/aiworker/.gitea/workflows/build-image.yml@main
    secrets: inherit
`;

let fake: GiteaFake;
let botHook: WebhookReceiver;
let jobHook: WebhookReceiver;
let botToken: string;
const api: ApiCall = apiClient(
  () => fake.url,
  () => botToken,
);

async function start(
  version: Version,
  files: Record<string, string> = { '.gitea/workflows/aiworker.yml': CALLER },
) {
  fake = await startGiteaFake({ version });
  botHook = await startWebhookReceiver();
  jobHook = await startWebhookReceiver();
  botToken = fake.addUser('aiworker-bot', { password: 'pw' }).token;
  fake.addUser('alice');
  fake.createRepo('alice', 'shop', { files: { 'README.md': '# shop\n', ...files } });
  fake.setPermission(REPO, 'aiworker-bot', 'write');
  fake.addHook(REPO, { url: botHook.url, secret: 's', events: ['status', 'workflow_run'] });
  fake.addHook(REPO, { url: jobHook.url, secret: 's', events: ['workflow_job'] });
}

afterEach(async () => {
  await fake.close();
  await botHook.close();
  await jobHook.close();
});

async function delivered(hook: WebhookReceiver): Promise<Array<{ event: string; payload: Json }>> {
  await fake.waitForDeliveries();
  return fake.deliveries
    .filter((d) => d.url === hook.url)
    .map((d) => ({ event: d.eventType, payload: JSON.parse(d.payload) as Json }));
}

/** The Actions user as Gitea shows it to a webhook (models/user/user_system.go, convert.ToUser without a doer). */
function actionsUser(): Json {
  return {
    id: -2,
    login: 'gitea-actions',
    login_name: '',
    source_id: 0,
    full_name: 'Gitea Actions',
    email: '-2+gitea-actions@noreply.127.0.0.1',
    avatar_url: `${fake.url}/assets/img/avatar_default.png`,
    html_url: `${fake.url}/gitea-actions`,
    language: '',
    is_admin: false,
    last_login: '0001-01-01T00:00:00Z',
    created: '1970-01-01T00:00:00Z',
    restricted: false,
    active: false,
    prohibit_login: false,
    location: '',
    website: '',
    description: '',
    visibility: 'public',
    followers_count: 0,
    following_count: 0,
    starred_repos_count: 0,
    username: 'gitea-actions',
  };
}

describe.each(VERSIONS)('a build in Gitea %s', (version) => {
  const minor = version.slice(0, 4);

  it('posts the job’s statuses as the Actions user, with this version’s context, states and target URL', async () => {
    await start(version);
    const run = fake.actions.runJob(REPO, { event: 'push', result: 'success', durationSeconds: 65 });
    const sha = fake.branchSha(REPO) ?? '';
    expect(run.sha).toBe(sha);
    const target =
      minor === '1.26'
        ? `/alice/shop/actions/runs/${run.runId}/jobs/${run.jobId}`
        : `/alice/shop/actions/runs/${run.runNumber}/jobs/0`;
    const expected =
      minor === '1.26'
        ? [
            ['pending', 'Waiting to run'],
            ['pending', 'Has started running'],
            ['success', 'Successful in 1m5s'],
          ]
        : [
            ['pending', 'Waiting to run'],
            ['success', 'Successful in 1m5s'],
          ];
    const statuses = [...fake.statuses(REPO, sha)].reverse();
    expect(statuses.map((s) => [s.state, s.description])).toEqual(expected);
    for (const status of statuses) {
      expect(status).toMatchObject({
        context: 'aiworker / build (push)',
        target_url: target,
        creator: 'gitea-actions',
      });
    }
    // The API finds no user with the Actions user's id: creator null.
    const listed = (await api(`/repos/alice/shop/commits/${sha}/statuses`)).json as Json[];
    expect(listed.map((s) => s.creator)).toEqual(expected.map(() => null));

    const webhooks = (await delivered(botHook)).filter((d) => d.event === 'status');
    expect(webhooks.map((d) => [d.payload.state, d.payload.description])).toEqual(expected);
    for (const { payload } of webhooks) {
      expect(payload.sender).toEqual(actionsUser());
      expect(payload.target_url).toBe(`${fake.url}${target}`);
      expect(payload.context).toBe('aiworker / build (push)');
    }
  });

  it('sends workflow_run only from 1.25 on, and workflow_job in every version, in the order Gitea sends them', async () => {
    await start(version);
    fake.actions.runJob(REPO, { event: 'push', result: 'success' });
    const toBot = (await delivered(botHook)).map((d) =>
      d.event === 'status' ? `status ${d.payload.state}` : `${d.event} ${d.payload.action}`,
    );
    const expected = {
      '1.24': ['status pending', 'status success'],
      '1.25': ['status pending', 'workflow_run requested', 'status success', 'workflow_run completed'],
      '1.26': [
        'status pending',
        'workflow_run requested',
        'status pending',
        'workflow_run in_progress',
        'status success',
        'workflow_run completed',
      ],
    }[minor];
    expect(toBot).toEqual(expected);
    const jobs = await delivered(jobHook);
    expect(jobs.map((d) => `${d.event} ${d.payload.action}`)).toEqual([
      'workflow_job queued',
      'workflow_job in_progress',
      'workflow_job completed',
    ]);
  });

  it('stores workflow_run in a hook only where the version knows the event', async () => {
    await start(version);
    const created = await api('/repos/alice/shop/hooks', {
      method: 'POST',
      body: {
        type: 'gitea',
        config: { url: botHook.url, content_type: 'json', secret: 's' },
        events: ['status', 'workflow_run'],
        active: true,
      },
      token: fake.createToken('alice'),
    });
    expect(created.status).toBe(201);
    expect((created.json as Json).events).toEqual(minor === '1.24' ? ['status'] : ['status', 'workflow_run']);
  });

  it('reports a skipped job as this version does', async () => {
    await start(version);
    fake.actions.runJob(REPO, { event: 'push', result: 'skipped' });
    const sha = fake.branchSha(REPO) ?? '';
    const [latest] = fake.statuses(REPO, sha);
    expect(latest).toMatchObject({
      state: minor === '1.24' ? 'success' : 'skipped',
      description: 'Has been skipped',
    });
    const completed = (await delivered(jobHook)).at(-1)?.payload.workflow_job as Json;
    if (minor === '1.24') expect(completed).not.toHaveProperty('conclusion');
    else expect(completed.conclusion).toBe('skipped');
    // Either way the commit's combined state is success.
    const combined = (await api('/repos/alice/shop/commits/main/status')).json as Json;
    expect(combined.state).toBe('success');
  });

  it('marks a failed build failure, pushes no image, and a cancelled one failure too', async () => {
    await start(version);
    const failed = fake.actions.runJob(REPO, { event: 'push', result: 'failure', durationSeconds: 42 });
    expect(failed.tags).toEqual([]);
    const [latest] = fake.statuses(REPO, failed.sha);
    expect(latest).toMatchObject({ state: 'failure', description: 'Failing after 42s' });
    const lookup = await api(`/packages/alice/container/shop/${failed.sha}`);
    expect(lookup.status).toBe(404);
    fake.setFiles(REPO, { 'a.txt': 'a' });
    const cancelled = fake.actions.runJob(REPO, { event: 'push', result: 'cancelled' });
    expect(fake.statuses(REPO, cancelled.sha)[0]).toMatchObject({
      state: 'failure',
      description: 'Has been cancelled',
    });
  });
});

describe('workflow_run payloads', () => {
  async function pullRequestRun(version: Version) {
    await start(version);
    const pr = await fake.as('alice').openPullRequest(REPO, {
      title: 'Checkout',
      head: 'checkout',
      files: { 'src/checkout.ts': 'export {};\n' },
    });
    const head = await fake
      .as('alice')
      .pushToPullRequest(REPO, pr.number, { 'src/checkout.ts': 'export const a = 1;\n' });
    const run = fake.actions.runJob(REPO, {
      event: 'pull_request',
      pullRequest: pr.number,
      pullRequestAction: 'synchronized',
      result: 'success',
    });
    const runs = (await delivered(botHook)).filter((d) => d.event === 'workflow_run').map((d) => d.payload);
    return { pr, head, run, runs };
  }

  it('in 1.26: the trigger event, run and job ids in URLs, the workflow read at the pull request ref', async () => {
    const { pr, head, run, runs } = await pullRequestRun('1.26.3');
    const completed = runs.at(-1) as Json;
    expect(Object.keys(completed)).toEqual(['action', 'workflow', 'workflow_run', 'repository', 'sender']);
    const workflowRun = completed.workflow_run as Json;
    expect(Object.keys(workflowRun)).toEqual([
      'id',
      'url',
      'html_url',
      'display_title',
      'path',
      'event',
      'run_attempt',
      'run_number',
      'head_sha',
      'status',
      'actor',
      'trigger_actor',
      'repository',
      'conclusion',
      'started_at',
      'completed_at',
    ]);
    expect(workflowRun).toMatchObject({
      id: run.runId,
      url: `${fake.url}/api/v1/repos/alice/shop/actions/runs/${run.runId}`,
      html_url: `${fake.url}/alice/shop/actions/runs/${run.runId}`,
      display_title: `Update #${pr.number}`,
      path: `aiworker.yml@refs/pull/${pr.number}/head`,
      event: 'pull_request',
      run_attempt: 0,
      run_number: 1,
      head_sha: head,
      status: 'completed',
      conclusion: 'success',
      actor: { login: 'alice' },
    });
    expect((workflowRun.repository as Json).permissions).toEqual({ admin: false, push: false, pull: false });
    expect(completed.workflow).toEqual({
      id: 'aiworker.yml',
      name: 'aiworker',
      path: '.gitea/workflows/aiworker.yml',
      state: 'active',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      url: `${fake.url}/api/v1/repos/alice/shop/actions/workflows/aiworker.yml`,
      html_url: `${fake.url}/alice/shop/src/commit/${head}/.gitea/workflows/aiworker.yml`,
      badge_url: `${fake.url}/alice/shop/actions/workflows/aiworker.yml/badge.svg?branch=main`,
      deleted_at: '0001-01-01T00:00:00Z',
    });
    expect(runs.map((p) => (p.workflow_run as Json).status)).toEqual(['queued', 'in_progress', 'completed']);
    expect(runs[0]?.workflow_run).toMatchObject({ started_at: '1970-01-01T00:00:00Z' });
    expect(runs[0]?.workflow_run).not.toHaveProperty('conclusion');
  });

  it('in 1.25: the hook event (pull_request_sync), run number and job position, the workflow from the default branch', async () => {
    const { run, runs } = await pullRequestRun('1.25.4');
    expect(runs.map((p) => p.action)).toEqual(['requested', 'completed']);
    const completed = runs.at(-1) as Json;
    expect(completed.workflow_run).toMatchObject({
      event: 'pull_request_sync',
      html_url: `${fake.url}/alice/shop/actions/runs/${run.runNumber}`,
    });
    expect(completed.workflow_run).not.toHaveProperty('head_branch');
    expect((completed.workflow as Json).html_url).toBe(
      `${fake.url}/alice/shop/src/branch/main/.gitea/workflows/aiworker.yml`,
    );
  });

  it.each([
    ['1.25.4', 0],
    ['1.26.3', 3],
  ] as const)(
    'in %s, a workflow that only the pull request adds gives %i workflow_run deliveries',
    async (version, count) => {
      await start(version, {});
      const pr = await fake.as('alice').openPullRequest(REPO, {
        title: 'Add the build',
        head: 'ci',
        files: { '.gitea/workflows/aiworker.yml': CALLER },
      });
      fake.actions.runJob(REPO, { event: 'pull_request', pullRequest: pr.number, result: 'success' });
      const runs = (await delivered(botHook)).filter((d) => d.event === 'workflow_run');
      expect(runs.length).toBe(count);
      // The statuses are posted either way.
      expect(fake.statuses(REPO, pr.pull?.headSha ?? '').length).toBeGreaterThan(0);
    },
  );

  it('a push run names its branch and its ref', async () => {
    await start('1.26.3');
    fake.actions.runJob(REPO, { event: 'push', result: 'success' });
    const push = (await delivered(botHook)).filter((d) => d.event === 'workflow_run').at(-1);
    expect(push?.payload.workflow_run).toMatchObject({
      head_branch: 'main',
      event: 'push',
      path: 'aiworker.yml@refs/heads/main',
    });
  });
});

describe.each(VERSIONS)('workflow_job payloads in Gitea %s', (version) => {
  it('carry the job by this version’s URLs, the runner once it took the job, and steps as it lists none', async () => {
    await start(version);
    const run = fake.actions.runJob(REPO, {
      event: 'push',
      result: 'success',
      runner: { id: 7, name: 'builder' },
    });
    const jobs = (await delivered(jobHook)).map((d) => d.payload);
    const [queued, inProgress, completed] = jobs.map((p) => p.workflow_job as Json);
    const minor = version.slice(0, 4);
    expect(queued).not.toHaveProperty('runner_id');
    expect(queued?.run_attempt).toBe(0);
    expect(inProgress).toMatchObject({
      runner_id: 7,
      runner_name: 'builder',
      run_attempt: 1,
      status: 'in_progress',
    });
    expect(completed).toMatchObject({
      id: run.jobId,
      run_id: run.runId,
      name: 'build',
      labels: null,
      head_sha: run.sha,
      head_branch: 'main',
      status: 'completed',
      conclusion: 'success',
      url:
        minor === '1.24'
          ? `${fake.url}/api/v1/repos/alice/shop/actions/runs/${run.runId}/jobs/${run.jobId}`
          : `${fake.url}/api/v1/repos/alice/shop/actions/jobs/${run.jobId}`,
      html_url:
        minor === '1.26'
          ? `${fake.url}/alice/shop/actions/runs/${run.runId}/jobs/${run.jobId}`
          : `${fake.url}/alice/shop/actions/runs/${run.runNumber}/jobs/0`,
      steps: minor === '1.26' ? [] : null,
    });
    expect(jobs.every((p) => (p.sender as Json).login === 'alice')).toBe(true);
  });
});

describe('the image a successful build pushes', () => {
  it('is in the registry under the full sha and pr-<N>, as Gitea’s package API shows it', async () => {
    await start('1.26.3');
    const pr = await fake.as('alice').openPullRequest(REPO, { title: 'Checkout', head: 'checkout' });
    const run = fake.actions.runJob(REPO, {
      event: 'pull_request',
      pullRequest: pr.number,
      result: 'success',
    });
    const host = new URL(fake.url).host;
    expect(run.image).toBe(`${host}/alice/shop:${run.sha}`);
    expect(run.tags).toEqual([run.sha, `pr-${pr.number}`]);
    const bySha = await api(`/packages/alice/container/shop/${run.sha}`);
    expect(bySha.status).toBe(200);
    expect(Object.keys(bySha.json as Json)).toEqual([
      'id',
      'owner',
      'repository',
      'creator',
      'type',
      'name',
      'version',
      'html_url',
      'created_at',
    ]);
    expect(bySha.json).toMatchObject({
      owner: { login: 'alice' },
      repository: null,
      creator: { login: 'alice' },
      type: 'container',
      name: 'shop',
      version: run.sha,
      html_url: `${fake.url}/alice/-/packages/container/shop/${run.sha}`,
    });
    const moving = await api(`/packages/alice/container/shop/pr-${pr.number}`);
    expect(moving.json).toMatchObject({ version: `pr-${pr.number}` });
    expect((moving.json as Json).id).not.toBe((bySha.json as Json).id);
    const calls = fake.calls.filter((c) => c.path.startsWith('/api/v1/packages/'));
    expect(calls.map((c) => [c.method, c.status, c.user])).toEqual([
      ['GET', 200, 'aiworker-bot'],
      ['GET', 200, 'aiworker-bot'],
    ]);
  });

  it('moves the branch tag to the newest build, lower-cased as the registry stores tags', async () => {
    await start('1.26.3');
    fake.setFiles(REPO, { 'a.txt': '1' }, { branch: 'feature/Login' });
    const first = fake.actions.runJob(REPO, { event: 'push', branch: 'feature/Login', result: 'success' });
    fake.setFiles(REPO, { 'a.txt': '2' }, { branch: 'feature/Login' });
    const second = fake.actions.runJob(REPO, {
      event: 'push',
      branch: 'feature/Login',
      result: 'success',
      image: { registryUser: 'aiworker-bot' },
    });
    expect(second.tags).toEqual([second.sha, 'feature-Login']);
    const moving = await api('/packages/alice/container/shop/feature-Login');
    expect(moving.json).toMatchObject({ version: 'feature-login', creator: { login: 'aiworker-bot' } });
    expect((await api(`/packages/alice/container/shop/${first.sha}`)).status).toBe(200);
  });

  it('answers lookups Gitea refuses as Gitea does', async () => {
    await start('1.26.3');
    const run = fake.actions.runJob(REPO, { event: 'push', result: 'success' });
    const anonymous = await api(`/packages/alice/container/shop/${run.sha}`, { token: null });
    expect(anonymous).toMatchObject({ status: 401, json: { message: 'token is required' } });
    const unknownOwner = await api(`/packages/nobody/container/shop/${run.sha}`);
    expect(unknownOwner).toMatchObject({
      status: 404,
      json: { message: 'user redirect does not exist [name: nobody]' },
    });
    const unknownTag = await api('/packages/alice/container/shop/v9');
    expect(unknownTag).toMatchObject({
      status: 404,
      json: { message: 'GetVersionByNameAndVersion: package does not exist', url: `${fake.url}/api/swagger` },
    });
    expect((await api(`/packages/alice/generic/shop/${run.sha}`)).status).toBe(404);
  });
});

describe('stepping a run', () => {
  it('leaves the commit pending between the queue, the start and the result', async () => {
    await start('1.26.3');
    const queued = fake.actions.queueJob(REPO, { event: 'push' });
    const state = async () => ((await api('/repos/alice/shop/commits/main/status')).json as Json).state;
    expect(await state()).toBe('pending');
    queued.start();
    expect(await state()).toBe('pending');
    const done = queued.finish({ result: 'success' });
    expect(await state()).toBe('success');
    expect(done.tags.length).toBe(2);
  });

  it('refuses a run Gitea would not start: no such workflow, or not for this event', async () => {
    await start('1.26.3', {
      '.gitea/workflows/aiworker.yml': CALLER.replace('[push, pull_request]', '[push]'),
    });
    expect(() =>
      fake.actions.runJob(REPO, { event: 'push', workflow: 'other.yml', result: 'success' }),
    ).toThrow('has no workflow other.yml');
    const pr = await fake.as('alice').openPullRequest(REPO, { title: 'x', head: 'x' });
    expect(() =>
      fake.actions.runJob(REPO, { event: 'pull_request', pullRequest: pr.number, result: 'success' }),
    ).toThrow('not triggered by pull_request');
  });

  it('names the status after an unnamed workflow and a named job as Gitea trims it', async () => {
    await start('1.25.4', {
      '.gitea/workflows/aiworker.yml':
        'on: push\njobs:\n  build:\n    name: Build image\n    runs-on: ubuntu-latest\n    steps: []\n',
    });
    const run = fake.actions.runJob(REPO, { event: 'push', result: 'success' });
    expect(fake.statuses(REPO, run.sha).map((s) => s.context)).toEqual([
      '/ Build image (push)',
      '/ Build image (push)',
    ]);
    const job = (await delivered(jobHook)).at(-1)?.payload.workflow_job as Json;
    expect(job.labels).toEqual(['ubuntu-latest']);
  });
});
