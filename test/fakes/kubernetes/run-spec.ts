import type { AgentRunSpec } from '../../../src/agents/runners/types.ts';

/** A realistic agent run for tests of the Kubernetes runner; tokens are unique per run. */
export function agentRunSpec(runId: number, overrides: Partial<AgentRunSpec> = {}): AgentRunSpec {
  const repo = overrides.repo ?? 'acme/web-shop';
  const issueNumber = overrides.issueNumber ?? 40 + runId;
  return {
    runId,
    repo,
    issueNumber,
    attempt: 1,
    cloneUrl: `https://gitea.example.com/${repo}.git`,
    defaultBranch: 'main',
    deadlineSeconds: 3600,
    ...overrides,
    env: {
      AIWORKER_MCP_URL: 'https://aiworker.example.com/mcp',
      AIWORKER_MCP_TOKEN: `mcp-run-token-${runId}-5b1d7c`,
      AIWORKER_TASK: `${repo}#${issueNumber}`,
      AIWORKER_RUN_ID: String(runId),
      GITEA_URL: 'https://gitea.example.com',
      AIWORKER_GIT_TOKEN: `git-push-token-${runId}-93af02`,
      AIWORKER_BRANCH: `ai/${issueNumber}-add-payment-form`,
      ...overrides.env,
    },
  };
}
