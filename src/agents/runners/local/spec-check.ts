import type { AgentRunSpec } from '../types.ts';
import { AGENT_VARIABLES } from './agent-env.ts';

/**
 * What a local run needs from its spec, checked before anything is created: a bad spec is a
 * bug in the caller, reported at once with every problem, never a half-started run.
 */

export class InvalidRunSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cannot start the agent run: ${problems.join('; ')}`);
    this.name = 'InvalidRunSpecError';
  }
}

const CLONE_PROTOCOLS = new Set(['http:', 'https:', 'file:']);

/** Branch names git accepts and that cannot be mistaken for an option. */
export function isSafeBranchName(name: string): boolean {
  return (
    /^[A-Za-z0-9._/-]+$/.test(name) &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.') &&
    !name.endsWith('.lock') &&
    !name.includes('..') &&
    !name.includes('//')
  );
}

export function cloneUrlProblem(cloneUrl: string): string | null {
  if (!URL.canParse(cloneUrl)) return `cloneUrl "${cloneUrl}" is not an http://, https:// or file:// URL`;
  const url = new URL(cloneUrl);
  if (!CLONE_PROTOCOLS.has(url.protocol)) {
    return `cloneUrl must be http://, https:// or file:// (got ${url.protocol}//)`;
  }
  if (url.username || url.password) {
    return 'cloneUrl must not carry credentials; the runner adds AIWORKER_GIT_TOKEN itself';
  }
  return null;
}

export function runSpecProblems(spec: AgentRunSpec): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(spec.runId) || spec.runId <= 0) problems.push('runId must be a positive integer');
  if (!/^[^/\s]+\/[^/\s]+$/.test(spec.repo)) problems.push(`repo "${spec.repo}" must look like owner/name`);
  const urlProblem = cloneUrlProblem(spec.cloneUrl);
  if (urlProblem) problems.push(urlProblem);
  if (!isSafeBranchName(spec.defaultBranch)) {
    problems.push(`defaultBranch "${spec.defaultBranch}" is not a valid branch name`);
  }
  if (!Number.isFinite(spec.deadlineSeconds) || spec.deadlineSeconds <= 0) {
    problems.push('deadlineSeconds must be a positive number');
  }
  const missing = AGENT_VARIABLES.filter(
    (name) => typeof spec.env?.[name] !== 'string' || spec.env[name] === '',
  );
  if (missing.length > 0) problems.push(`env is missing ${missing.join(', ')}`);
  return problems;
}

export function assertRunSpec(spec: AgentRunSpec): void {
  const problems = runSpecProblems(spec);
  if (problems.length > 0) throw new InvalidRunSpecError(problems);
}
