import { describe, expect, it } from 'vitest';
import {
  agentProcessEnvironment,
  extraEnvironmentProblems,
} from '../../src/agents/runners/local/agent-env.ts';
import { cloneFailureSummary, gitAuthEnvironment } from '../../src/agents/runners/local/git-clone.ts';
import { describeEnding } from '../../src/agents/runners/local/run-ending.ts';
import { runIdOf } from '../../src/agents/runners/local/run-layout.ts';
import { isSafeBranchName, runSpecProblems } from '../../src/agents/runners/local/spec-check.ts';
import type { AgentEnvironment, AgentRunSpec } from '../../src/agents/runners/types.ts';

const agentEnv: AgentEnvironment = {
  AIWORKER_MCP_URL: 'https://bot.example.com/mcp',
  AIWORKER_MCP_TOKEN: 'mcp-token-1',
  AIWORKER_TASK: 'acme/shop#3',
  AIWORKER_RUN_ID: '3',
  GITEA_URL: 'https://gitea.example.com',
  AIWORKER_GIT_TOKEN: 'git-token-1',
  AIWORKER_BRANCH: 'ai/3-search',
};

describe('local runner rules', () => {
  it('scopes the git token header to the clone URL’s origin, and sends none for file://', () => {
    const env = gitAuthEnvironment('https://gitea.example.com:3000/acme/shop.git', 'secret-token');
    expect(env.GIT_CONFIG_KEY_1).toBe('http.https://gitea.example.com:3000/.extraHeader');
    expect(env.GIT_CONFIG_VALUE_1).toBe(
      `Authorization: Basic ${Buffer.from('aiworker:secret-token').toString('base64')}`,
    );
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(env.GIT_CONFIG_KEY_0).toBe('credential.helper');
    const local = gitAuthEnvironment('file:///srv/git/acme/shop.git', 'secret-token');
    expect(local.GIT_CONFIG_COUNT).toBe('1');
    expect(JSON.stringify(local)).not.toContain('secret-token');
  });

  it('explains a failed clone with git’s fatal lines, secrets removed', () => {
    const output =
      "Cloning into '/tmp/run-1/repo'...\nremote: Invalid credentials for token s3cr3t-t0ken\nfatal: Authentication failed for 'https://gitea.example.com/acme/shop.git/'\n";
    const summary = cloneFailureSummary(output, ['s3cr3t-t0ken']);
    expect(summary).toBe(
      "remote: Invalid credentials for token [redacted] fatal: Authentication failed for 'https://gitea.example.com/acme/shop.git/'",
    );
    expect(cloneFailureSummary('', [])).toBe('git printed nothing');
  });

  it('lists every problem of a spec at once', () => {
    const spec = {
      runId: -1,
      repo: 'shop',
      issueNumber: 3,
      attempt: 1,
      cloneUrl: 'git@gitea.example.com:acme/shop.git',
      defaultBranch: 'main',
      deadlineSeconds: 60,
      env: { ...agentEnv, AIWORKER_MCP_TOKEN: '' },
    } satisfies AgentRunSpec;
    expect(runSpecProblems(spec)).toEqual([
      'runId must be a positive integer',
      'repo "shop" must look like owner/name',
      'cloneUrl "git@gitea.example.com:acme/shop.git" is not an http://, https:// or file:// URL',
      'env is missing AIWORKER_MCP_TOKEN',
    ]);
  });

  it.each([
    ['main', true],
    ['release/2.x', true],
    ['ai/12-add-login', true],
    ['-x', false],
    ['a..b', false],
    ['feature/', false],
    ['x.lock', false],
    ['with space', false],
    ['$(reboot)', false],
  ])('branch name %j is usable: %s', (name, usable) => {
    expect(isSafeBranchName(name)).toBe(usable);
  });

  it('builds the agent environment from the §9 names only', () => {
    const widened = { ...agentEnv, GITEA_TOKEN: 'bot-token' } as AgentEnvironment;
    const env = agentProcessEnvironment(
      widened,
      { PATH: '/usr/bin:/bin', HOME: '/runs/run-3/home', LANG: 'C.UTF-8' },
      { ANTHROPIC_API_KEY: 'sk-ant-x' },
    );
    expect(Object.keys(env).sort()).toEqual(
      [
        'ANTHROPIC_API_KEY',
        'HOME',
        'LANG',
        'PATH',
        'AIWORKER_MCP_URL',
        'AIWORKER_MCP_TOKEN',
        'AIWORKER_TASK',
        'AIWORKER_RUN_ID',
        'GITEA_URL',
        'AIWORKER_GIT_TOKEN',
        'AIWORKER_BRANCH',
      ].sort(),
    );
    expect(extraEnvironmentProblems({ PATH: '/evil', 'BAD-NAME': 'x', AIWORKER_GIT_TOKEN: 'y' })).toEqual([
      'agentEnv: PATH is set by the runner and cannot be overridden',
      'agentEnv: "BAD-NAME" is not a valid variable name',
      'agentEnv: AIWORKER_GIT_TOKEN is set by the runner and cannot be overridden',
    ]);
  });

  it('tells users how a run ended, in the words the contract uses', () => {
    expect(describeEnding({ kind: 'deadline', seconds: 3600 })).toEqual({
      phase: 'failed',
      message: 'DeadlineExceeded: ran longer than 3600 s',
    });
    expect(describeEnding({ kind: 'exited', code: 0 }).phase).toBe('succeeded');
    expect(describeEnding({ kind: 'exited', code: 2 })).toMatchObject({ phase: 'failed', exitCode: 2 });
    expect(describeEnding({ kind: 'cancelled' }).phase).toBe('cancelled');
    expect(describeEnding({ kind: 'lost', during: 'agent' }).message).toMatch(/^Lost:/);
  });

  it('knows its own external ids and nothing else', () => {
    expect(runIdOf('run-42')).toBe(42);
    expect(runIdOf('run-0')).toBeNull();
    expect(runIdOf('aiworker-run-42')).toBeNull();
    expect(runIdOf('run-42/../x')).toBeNull();
  });
});
