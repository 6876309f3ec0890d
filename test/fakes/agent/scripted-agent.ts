import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * A scripted coding agent for end-to-end tests, run as AGENT_COMMAND by the real local runner
 * (`node --import tsx test/fakes/agent/scripted-agent.ts`). It uses only what the agent's environment (docs/architecture.md §2) gives an
 * agent — the real MCP SDK client against AIWORKER_MCP_URL with AIWORKER_MCP_TOKEN, and Gitea
 * with AIWORKER_GIT_TOKEN — like a real agent would:
 *
 *   get_task → post_progress → commit to AIWORKER_BRANCH → post_progress → open_pull_request
 *
 * The Gitea fake has no git push, so the commit goes through the contents API (a new branch on
 * the first attempt, the existing branch on a retry). What it does for a subtask comes from the
 * plan file named by SCRIPTED_AGENT_PLAN (a variable the test gives every agent), by issue
 * number, else `default`:
 *
 *   { "default": { "mode": "succeed" }, "byIssue": { "14": { "mode": "fail", "exitCode": 3 } } }
 *
 * Modes: `succeed`; `fail` (prints test output, exits with `exitCode`); `wait` (reports, then
 * waits until the file `release-run-<AIWORKER_RUN_ID>` or `release-all` appears next to the
 * plan, then succeeds — or is stopped by a signal); `no-pr` (does the work, exits 0 without a
 * pull request).
 */

interface Step {
  mode: 'succeed' | 'fail' | 'wait' | 'no-pr';
  exitCode?: number;
}

interface Plan {
  default?: Step;
  byIssue?: Record<string, Step>;
}

interface TaskView {
  issueNumber: number;
  title: string;
  branch: string;
  baseBranch: string;
  acceptanceCriteria: string[];
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`scripted agent: ${name} is not set`);
    process.exit(64);
  }
  return value;
}

const mcpUrl = required('AIWORKER_MCP_URL');
const mcpToken = required('AIWORKER_MCP_TOKEN');
const task = required('AIWORKER_TASK');
const runId = required('AIWORKER_RUN_ID');
const giteaUrl = required('GITEA_URL');
const gitToken = required('AIWORKER_GIT_TOKEN');
const branch = required('AIWORKER_BRANCH');
const planFile = required('SCRIPTED_AGENT_PLAN');

const match = /^([^/]+\/[^#]+)#(\d+)$/.exec(task);
if (!match?.[1] || !match[2]) {
  console.error(`scripted agent: AIWORKER_TASK "${task}" is not owner/repo#number`);
  process.exit(64);
}
const repo = match[1];
const issue = match[2];

function step(): Step {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  return plan.byIssue?.[issue] ?? plan.default ?? { mode: 'succeed' };
}

async function call<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) {
    const text = (result.content as Array<{ type: string; text?: string }>)
      .map((c) => c.text ?? '')
      .join('\n');
    throw new Error(`${name} failed: ${text}`);
  }
  return result.structuredContent as T;
}

/** Commits one file to the run's branch through Gitea's contents API (creating the branch once). */
async function commit(view: TaskView): Promise<void> {
  const file = `docs/agent-runs/run-${runId}.md`;
  const content = Buffer.from(`# ${view.title}\n\nDone by agent run ${runId}.\n`, 'utf8').toString('base64');
  const post = (body: Record<string, unknown>) =>
    fetch(`${giteaUrl}/api/v1/repos/${repo}/contents/${file}`, {
      method: 'POST',
      headers: { Authorization: `token ${gitToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content, message: `#${issue}: ${view.title}`, ...body }),
    });
  let response = await post({ branch: view.baseBranch, new_branch: branch });
  if (response.status === 422 && (await response.text()).includes('branch already exists')) {
    response = await post({ branch });
  }
  if (!response.ok)
    throw new Error(`pushing ${file} to ${branch} failed: HTTP ${response.status} ${await response.text()}`);
  console.log(`[agent] committed ${file} to ${branch}`);
}

async function waitForRelease(): Promise<void> {
  const dir = path.dirname(planFile);
  while (!existsSync(path.join(dir, `release-run-${runId}`)) && !existsSync(path.join(dir, 'release-all'))) {
    // The test that started it is gone (its directory removed): do not linger.
    if (!existsSync(planFile)) process.exit(75);
    await sleep(100);
  }
}

async function main(): Promise<number> {
  const plan = step();
  const client = new Client({ name: 'scripted-agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${mcpToken}` } },
    }),
  );
  try {
    const view = await call<TaskView>(client, 'get_task', {});
    console.log(`[agent] run ${runId} works on ${repo}#${view.issueNumber}: ${view.title}`);
    if (view.branch !== branch)
      throw new Error(`get_task names branch ${view.branch}, AIWORKER_BRANCH is ${branch}`);
    await call(client, 'post_progress', {
      message: 'Read the task and the spec; making the change.',
      checklist: view.acceptanceCriteria.map((item) => ({ item, done: false })),
    });
    if (plan.mode === 'fail') {
      console.log('[agent] running the tests');
      console.log('FAIL src/checkout/checkout.test.ts > charges the card');
      console.error('AssertionError: expected 402 to be 200');
      return plan.exitCode ?? 1;
    }
    if (plan.mode === 'wait') await waitForRelease();
    await commit(view);
    await call(client, 'post_progress', {
      message: `Pushed the change to ${branch}; opening the pull request.`,
      checklist: view.acceptanceCriteria.map((item) => ({ item, done: true })),
    });
    if (plan.mode === 'no-pr') return 0;
    const pr = await call<{ number: number }>(client, 'open_pull_request', {
      title: view.title,
      body: `Implements #${view.issueNumber}.\n\nTested with the scripted agent.`,
    });
    console.log(`[agent] opened pull request #${pr.number}`);
    return 0;
  } finally {
    await client.close().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[agent] ${(error as Error).stack ?? String(error)}`);
    process.exit(70);
  },
);
