import type { AgentEnvironment } from '../types.ts';

/**
 * The environment of a local agent process: exactly the agent's variables of docs/architecture.md §2 plus the minimum
 * a process needs to run (PATH, a HOME of its own, LANG) and whatever the operator explicitly
 * hands every agent. Never the bot's own environment: GITEA_TOKEN, WEBHOOK_SECRET and the
 * database password stay in the bot.
 */

export const AGENT_VARIABLES = [
  'AIWORKER_MCP_URL',
  'AIWORKER_MCP_TOKEN',
  'AIWORKER_TASK',
  'AIWORKER_RUN_ID',
  'GITEA_URL',
  'AIWORKER_GIT_TOKEN',
  'AIWORKER_BRANCH',
] as const satisfies ReadonlyArray<keyof AgentEnvironment>;

export const BASE_VARIABLES = ['PATH', 'HOME', 'LANG'] as const;

export type BaseEnvironment = Record<(typeof BASE_VARIABLES)[number], string>;

const RESERVED: ReadonlySet<string> = new Set([...AGENT_VARIABLES, ...BASE_VARIABLES]);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Problems with operator-given extra variables (bad names, or names the runner sets itself). */
export function extraEnvironmentProblems(extra: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(extra)) {
    if (!NAME.test(name)) problems.push(`agentEnv: "${name}" is not a valid variable name`);
    else if (RESERVED.has(name))
      problems.push(`agentEnv: ${name} is set by the runner and cannot be overridden`);
  }
  return problems;
}

export function agentProcessEnvironment(
  agent: AgentEnvironment,
  base: BaseEnvironment,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = { ...extra, PATH: base.PATH, HOME: base.HOME, LANG: base.LANG };
  // Picked by name: a spec carrying more fields than §9 must not widen what the agent sees.
  for (const name of AGENT_VARIABLES) env[name] = agent[name];
  return env;
}
