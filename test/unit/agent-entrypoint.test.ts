import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * The agent image's entrypoint, executed for real with bash: real git against a bare
 * repository (through a `git` on PATH that records every call), a stand-in `claude` that
 * records its arguments and acts like a coding agent, and a real MCP server for the pull
 * request.
 */

const AGENT_DIR = path.resolve(import.meta.dirname, '../../agent');
const ENTRYPOINT = path.join(AGENT_DIR, 'entrypoint.sh');
const LIB = path.join(AGENT_DIR, 'lib.sh');

const GIT_TOKEN = 'f3a9c1e7b5d2046813579bdf2468ace013579bdf';
const MCP_TOKEN = 'mcp-run-token-7c2e91d4a8b3';
const BASIC = Buffer.from(`aiworker:${GIT_TOKEN}`).toString('base64');

let work: string;
let bin: string;
let realGit: string;
let mcp: {
  server: Server;
  url: string;
  calls: Array<{ title: string; body?: string; authorization?: string }>;
};
let failNextPullRequest = false;

function gitSync(cwd: string, ...args: string[]): string {
  return execFileSync(realGit, args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  });
}

async function startMcpServer(): Promise<typeof mcp> {
  const calls: typeof mcp.calls = [];
  const server = createServer(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${MCP_TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid token"}');
      return;
    }
    const mcpServer = new McpServer({ name: 'aiworker-test', version: '1.0.0' });
    mcpServer.registerTool(
      'open_pull_request',
      {
        description: 'Opens the pull request',
        inputSchema: { title: z.string(), body: z.string().optional() },
      },
      async ({ title, body }) => {
        calls.push({
          title,
          ...(body !== undefined ? { body } : {}),
          authorization: req.headers.authorization,
        });
        if (failNextPullRequest) {
          failNextPullRequest = false;
          return {
            isError: true,
            content: [{ type: 'text' as const, text: 'the branch has no commits ahead of main' }],
          };
        }
        return { content: [{ type: 'text' as const, text: 'Opened pull request #31' }] };
      },
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void mcpServer.close();
    });
    await mcpServer.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/mcp`, calls };
}

const STUB_GIT = (git: string) => `#!/bin/sh
# Records each call (arguments, and which header config it got), then runs the real git.
{
  printf 'ARGS %s\\n' "$*"
  printf 'HEADER_KEY %s\\n' "\${GIT_CONFIG_KEY_1:-none}"
  printf 'HEADER_VALUE %s\\n' "\${GIT_CONFIG_VALUE_1:-none}"
} >> "$STUB_DIR/git.log"
exec ${git} "$@"
`;

const STUB_CLAUDE = `#!/usr/bin/env bash
# Stands in for Claude Code: records how it was called, then acts as STUB_CLAUDE_MODE says.
printf '%s\\0' "$@" > "$STUB_DIR/claude.args"
env > "$STUB_DIR/claude.env"
prev=""
for arg in "$@"; do
  if [ "$prev" = "--mcp-config" ]; then cp "$arg" "$STUB_DIR/mcp-config.json"; echo "$arg" > "$STUB_DIR/mcp-config.path"; fi
  prev="$arg"
done
case "$STUB_CLAUDE_MODE" in
  commit)
    echo "export const cart = [];" > cart.js
    git add cart.js && git commit --quiet -m "Add the cart module"
    echo "test('cart', () => {});" > cart.test.js
    git add cart.test.js && git commit --quiet -m "Test the cart module"
    ;;
  uncommitted)
    echo "draft" > notes.md
    ;;
  nothing)
    ;;
  fail)
    echo "half done" > partial.js
    git add partial.js && git commit --quiet -m "Start the cart module"
    echo '{"type":"result","subtype":"error_max_turns"}'
    exit 9
    ;;
esac
echo '{"type":"result","subtype":"success"}'
`;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'aiworker-agent-entrypoint-'));
  realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  bin = path.join(work, 'bin');
  await mkdir(bin);
  await writeFile(path.join(bin, 'git'), STUB_GIT(realGit));
  await writeFile(path.join(bin, 'claude'), STUB_CLAUDE);
  await chmod(path.join(bin, 'git'), 0o755);
  await chmod(path.join(bin, 'claude'), 0o755);
  mcp = await startMcpServer();
});

afterAll(async () => {
  await new Promise((resolve) => mcp.server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

interface Case {
  dir: string;
  gitea: string;
  origin: string;
  stubs: string;
  workspace: string;
  home: string;
  tmp: string;
}

let caseNo = 0;

async function newCase(): Promise<Case> {
  const dir = path.join(work, `case-${++caseNo}`);
  const gitea = path.join(dir, 'gitea');
  const origin = path.join(gitea, 'acme', 'shop.git');
  const seed = path.join(dir, 'seed');
  for (const sub of ['stubs', 'workspace', 'home', 'tmp'])
    await mkdir(path.join(dir, sub), { recursive: true });
  await mkdir(path.dirname(origin), { recursive: true });
  gitSync(dir, 'init', '--quiet', '--bare', '--initial-branch', 'main', origin);
  gitSync(dir, 'init', '--quiet', '--initial-branch', 'main', seed);
  await writeFile(path.join(seed, 'README.md'), 'Shop\n');
  gitSync(seed, 'add', '.');
  gitSync(seed, 'commit', '--quiet', '-m', 'first');
  gitSync(seed, 'push', '--quiet', origin, 'main');
  return {
    dir,
    gitea,
    origin,
    stubs: path.join(dir, 'stubs'),
    workspace: path.join(dir, 'workspace'),
    home: path.join(dir, 'home'),
    tmp: path.join(dir, 'tmp'),
  };
}

function agentEnv(c: Case, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: c.home,
    LANG: 'C.UTF-8',
    TMPDIR: c.tmp,
    STUB_DIR: c.stubs,
    STUB_CLAUDE_MODE: 'commit',
    AIWORKER_WORKSPACE: c.workspace,
    AIWORKER_MCP_URL: mcp.url,
    AIWORKER_MCP_TOKEN: MCP_TOKEN,
    AIWORKER_TASK: 'acme/shop#12',
    AIWORKER_RUN_ID: '77',
    GITEA_URL: `file://${c.gitea}`,
    AIWORKER_GIT_TOKEN: GIT_TOKEN,
    AIWORKER_BRANCH: 'ai/12-add-cart',
    ANTHROPIC_API_KEY: 'sk-ant-test-key-for-the-stub',
    ...extra,
  };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { env, cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const runEntrypoint = (c: Case, extra: Record<string, string> = {}, cwd = c.workspace) =>
  run('bash', [ENTRYPOINT], agentEnv(c, extra), cwd);

const libCall = (script: string, env: Record<string, string>) =>
  run('bash', ['-c', `set -eu; . ${LIB}; ${script}`], { PATH: `${bin}:${process.env.PATH}`, ...env }, work);

async function claudeArgs(c: Case): Promise<string[]> {
  return (await readFile(path.join(c.stubs, 'claude.args'), 'utf8')).split('\0').slice(0, -1);
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function gitLog(c: Case): Promise<string> {
  return readFile(path.join(c.stubs, 'git.log'), 'utf8').catch(() => '');
}

function branchLog(c: Case, branch: string): string[] {
  return gitSync(c.origin, 'log', '--format=%s', branch).trim().split('\n');
}

/** Every file under a directory, as text, to look for a token left behind. */
async function allText(dir: string): Promise<string> {
  let out = '';
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await stat(file)).size < 1_000_000) out += await readFile(file, 'latin1');
  }
  return out;
}

beforeEach(() => {
  failNextPullRequest = false;
  mcp.calls.length = 0;
});

describe('agent entrypoint: checks', () => {
  it('names every missing variable and stops with exit code 2', async () => {
    const c = await newCase();
    const env = agentEnv(c);
    delete (env as Partial<typeof env>).AIWORKER_MCP_TOKEN;
    delete (env as Partial<typeof env>).AIWORKER_BRANCH;
    env.GITEA_URL = '';
    const result = await run('bash', [ENTRYPOINT], env, c.workspace);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "AIWORKER_MCP_TOKEN is not set (this run's bearer token for the MCP endpoint)",
    );
    expect(result.stderr).toContain('AIWORKER_BRANCH is not set');
    expect(result.stderr).toContain('GITEA_URL is not set');
    expect(result.stderr).not.toContain('AIWORKER_TASK is not set');
    expect(existsSync(path.join(c.stubs, 'claude.args'))).toBe(false);
    expect(await gitLog(c)).toBe('');
  });

  it('rejects malformed values with the value it got', async () => {
    const c = await newCase();
    const result = await runEntrypoint(c, {
      AIWORKER_TASK: 'acme/shop-12',
      AIWORKER_BRANCH: '--force',
      AGENT_MAX_TURNS: 'lots',
      AGENT_MAX_BUDGET_USD: '0',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('AIWORKER_TASK must look like owner/repo#number (got "acme/shop-12")');
    expect(result.stderr).toContain('AIWORKER_BRANCH is not a usable branch name (got "--force")');
    expect(result.stderr).toContain('AGENT_MAX_TURNS must be a positive whole number (got "lots")');
    expect(result.stderr).toContain('AGENT_MAX_BUDGET_USD must be a positive amount');
  });

  it('parses owner, repository and issue number from AIWORKER_TASK and builds the clone URL', async () => {
    const result = await libCall('aiw_task_owner; aiw_task_repo; aiw_task_number; aiw_clone_url', {
      AIWORKER_TASK: 'my-org/web.app#305',
      GITEA_URL: 'https://gitea.example.com/',
    });
    expect(result.stdout.split('\n')).toEqual([
      'my-org',
      'web.app',
      '305',
      'https://gitea.example.com/my-org/web.app.git',
      '',
    ]);
    const bad = await libCall('aiw_parse_task "owner/repo#12; rm -rf /"', {});
    expect(bad.code).not.toBe(0);
  });

  it('writes an MCP config only its user can read, JSON-escaped, with the bearer token', async () => {
    const c = await newCase();
    const token = 'tok"with\\odd$chars';
    const result = await libCall('aiw_write_mcp_config', {
      AIWORKER_MCP_URL: 'https://bot.example.com/mcp',
      AIWORKER_MCP_TOKEN: token,
      TMPDIR: c.tmp,
    });
    const file = result.stdout.trim();
    expect(path.dirname(file)).toBe(c.tmp);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      mcpServers: {
        aiworker: {
          type: 'http',
          url: 'https://bot.example.com/mcp',
          headers: { Authorization: `Bearer ${token}` },
        },
      },
    });
  });
});

describe('agent entrypoint: a run', { timeout: 90_000 }, () => {
  it('clones, runs Claude Code headless, pushes the branch and opens the pull request', async () => {
    const c = await newCase();
    const result = await runEntrypoint(c);
    expect(result.stderr).toContain('cloning file://');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Opened pull request #31');

    const args = await claudeArgs(c);
    expect(args[0]).toBe('-p');
    const prompt = args[1]!;
    expect(prompt).toContain('acme/shop#12');
    expect(prompt).toMatch(/First call the aiworker MCP tool get_task/);
    expect(prompt).toContain('post_progress');
    expect(prompt).toContain('acceptance criteri');
    expect(prompt).toMatch(/Commit your work/);
    expect(flag(args, '--max-turns')).toBe('80');
    expect(flag(args, '--max-budget-usd')).toBe('5');
    expect(flag(args, '--output-format')).toBe('stream-json');
    expect(args).toContain('--verbose');
    expect(args).toContain('--strict-mcp-config');
    const tools = flag(args, '--allowedTools')!.split(',');
    expect(tools).toEqual(
      expect.arrayContaining(['mcp__aiworker__*', 'Read', 'Edit', 'Write', 'Bash(git *)']),
    );

    const config = JSON.parse(await readFile(path.join(c.stubs, 'mcp-config.json'), 'utf8'));
    expect(config.mcpServers.aiworker).toEqual({
      type: 'http',
      url: mcp.url,
      headers: { Authorization: `Bearer ${MCP_TOKEN}` },
    });
    // The config file is gone once the run is over.
    expect(existsSync((await readFile(path.join(c.stubs, 'mcp-config.path'), 'utf8')).trim())).toBe(false);

    // Claude never sees either token in its environment.
    const claudeEnv = await readFile(path.join(c.stubs, 'claude.env'), 'utf8');
    expect(claudeEnv).not.toContain(GIT_TOKEN);
    expect(claudeEnv).not.toContain(MCP_TOKEN);
    expect(claudeEnv).toContain('AIWORKER_TASK=acme/shop#12');

    expect(branchLog(c, 'ai/12-add-cart')).toEqual(['Test the cart module', 'Add the cart module', 'first']);
    expect(mcp.calls).toEqual([
      {
        title: 'Add the cart module',
        body: expect.stringMatching(
          /acme\/shop#12 \(run 77\)[\s\S]*- Add the cart module\n- Test the cart module/,
        ),
        authorization: `Bearer ${MCP_TOKEN}`,
      },
    ]);
  });

  it('keeps the git token off every command line and out of every file it leaves', async () => {
    const c = await newCase();
    expect((await runEntrypoint(c)).code).toBe(0);
    const log = await gitLog(c);
    const argLines = log.split('\n').filter((l) => l.startsWith('ARGS '));
    expect(
      argLines.some((l) => l.startsWith(`ARGS clone --quiet --depth 1 -- file://${c.gitea}/acme/shop.git`)),
    ).toBe(true);
    expect(argLines.some((l) => l === 'ARGS push --quiet origin HEAD:refs/heads/ai/12-add-cart')).toBe(true);
    for (const line of argLines) {
      expect(line).not.toContain(GIT_TOKEN);
      expect(line).not.toContain(BASIC);
    }
    // The push got the token as a header scoped to GITEA_URL, through its environment.
    const lines = log.split('\n');
    const push = lines.findIndex((l) => l.startsWith('ARGS push'));
    expect(lines[push + 1]).toBe(`HEADER_KEY http.file://${c.gitea}/.extraHeader`);
    expect(lines[push + 2]).toBe(`HEADER_VALUE Authorization: Basic ${BASIC}`);
    // Claude's own git calls get no header.
    const commit = lines.findIndex((l) => l.startsWith('ARGS commit'));
    expect(lines[commit + 1]).toBe('HEADER_KEY none');

    const argv = (await claudeArgs(c)).join(' ');
    expect(argv).not.toContain(GIT_TOKEN);
    expect(argv).not.toContain(MCP_TOKEN);
    for (const dir of [c.workspace, c.home, c.tmp]) {
      const text = await allText(dir);
      expect(text).not.toContain(GIT_TOKEN);
      expect(text).not.toContain(BASIC);
    }
    expect(await readFile(path.join(c.workspace, 'repo', '.git', 'config'), 'utf8')).toContain(
      `url = file://${c.gitea}/acme/shop.git`,
    );
  });

  it('commits what the agent left uncommitted', async () => {
    const c = await newCase();
    const result = await runEntrypoint(c, { STUB_CLAUDE_MODE: 'uncommitted' });
    expect(result.code).toBe(0);
    expect(branchLog(c, 'ai/12-add-cart')[0]).toBe('Remaining changes of the agent run for acme/shop#12');
    expect(gitSync(c.origin, 'show', 'ai/12-add-cart:notes.md')).toBe('draft\n');
    expect(mcp.calls.map((call) => call.title)).toEqual([
      'Remaining changes of the agent run for acme/shop#12',
    ]);
  });

  it('pushes nothing and opens no pull request when the agent changed nothing (exit 4)', async () => {
    const c = await newCase();
    const result = await runEntrypoint(c, { STUB_CLAUDE_MODE: 'nothing' });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('no changes to propose');
    expect(gitSync(c.origin, 'branch', '--list')).not.toContain('ai/12-add-cart');
    expect(mcp.calls).toEqual([]);
  });

  it('keeps the work of a failed Claude run on the branch, opens no pull request, exits with Claude’s code', async () => {
    const c = await newCase();
    const result = await runEntrypoint(c, { STUB_CLAUDE_MODE: 'fail' });
    expect(result.code).toBe(9);
    expect(branchLog(c, 'ai/12-add-cart')[0]).toBe('Start the cart module');
    expect(mcp.calls).toEqual([]);
  });

  it('continues the branch of an earlier attempt', async () => {
    const c = await newCase();
    expect((await runEntrypoint(c, { STUB_CLAUDE_MODE: 'fail' })).code).toBe(9);
    await rm(path.join(c.workspace, 'repo'), { recursive: true, force: true });
    const retry = await runEntrypoint(c, { AIWORKER_RUN_ID: '78' });
    expect(retry.code).toBe(0);
    expect(retry.stderr).toContain('continuing the existing branch ai/12-add-cart');
    expect(branchLog(c, 'ai/12-add-cart').slice(0, 3)).toEqual([
      'Test the cart module',
      'Add the cart module',
      'Start the cart module',
    ]);
  });

  it('works in the clone it was started in (the local runner clones first)', async () => {
    const c = await newCase();
    const clone = path.join(c.dir, 'runner-clone');
    gitSync(c.dir, 'clone', '--quiet', '--depth', '1', `file://${c.origin}`, clone);
    const result = await runEntrypoint(c, {}, clone);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('working in the existing clone');
    expect(await gitLog(c)).not.toContain('ARGS clone');
    expect(branchLog(c, 'ai/12-add-cart')[0]).toBe('Test the cart module');
  });

  it('passes the turn, budget, tool and model settings through', async () => {
    const c = await newCase();
    const result = await runEntrypoint(c, {
      AGENT_MAX_TURNS: '12',
      AGENT_MAX_BUDGET_USD: '0.75',
      AGENT_ALLOWED_TOOLS: 'mcp__aiworker__*,Read',
      AGENT_MODEL: 'sonnet',
    });
    expect(result.code).toBe(0);
    const args = await claudeArgs(c);
    expect(flag(args, '--max-turns')).toBe('12');
    expect(flag(args, '--max-budget-usd')).toBe('0.75');
    expect(flag(args, '--allowedTools')).toBe('mcp__aiworker__*,Read');
    expect(flag(args, '--model')).toBe('sonnet');
  });

  it('fails with exit 6 when the pull request cannot be opened', async () => {
    const c = await newCase();
    failNextPullRequest = true;
    const refused = await runEntrypoint(c);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('open_pull_request failed: the branch has no commits ahead of main');

    const other = await newCase();
    const unauthorized = await runEntrypoint(other, { AIWORKER_MCP_TOKEN: 'not-the-run-token' });
    expect(unauthorized.code).toBe(6);
    expect(unauthorized.stderr).toContain('could not call open_pull_request');
    // The branch was pushed all the same: the work is not lost.
    expect(branchLog(other, 'ai/12-add-cart')[0]).toBe('Test the cart module');
  });

  it('fails with exit 5 when the push is refused', async () => {
    const c = await newCase();
    // A hook on the bare repository that refuses every push, as a protected branch would.
    const hook = path.join(c.origin, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "pushes are not allowed" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    const result = await runEntrypoint(c);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('pushing ai/12-add-cart failed');
    expect(mcp.calls).toEqual([]);
  });

  it('fails with exit 3 when the repository cannot be cloned', async () => {
    const c = await newCase();
    const result = await runEntrypoint(c, { AIWORKER_TASK: 'acme/missing#12' });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`could not clone file://${c.gitea}/acme/missing.git`);
    expect(existsSync(path.join(c.stubs, 'claude.args'))).toBe(false);
  });
});
