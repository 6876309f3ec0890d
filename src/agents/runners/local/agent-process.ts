import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * How the agent process is started. AGENT_COMMAND runs under `/bin/sh -c` inside a tiny
 * wrapper shell that writes the exit code to a file; output goes straight into the run's log
 * file, not through pipes to the bot. So an agent survives a bot restart (no broken pipe), and
 * the runner started afterwards still learns how it ended.
 *
 * The process is detached: it leads its own process group, which is what gets signalled on a
 * deadline or a cancel, taking everything the agent started with it.
 */

// $1 = the command, $2 = the exit-code file. Positional arguments, never interpolated.
const WRAPPER = `/bin/sh -c "$1"
code=$?
printf '%s\\n' "$code" > "$2"
exit "$code"`;

export interface AgentProcessRequest {
  command: string;
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  exitCodeFile: string;
}

export function spawnAgentProcess(request: AgentProcessRequest): ChildProcess {
  const fd = openSync(request.logFile, 'a', 0o600);
  try {
    return spawn('/bin/sh', ['-c', WRAPPER, 'aiworker-agent', request.command, request.exitCodeFile], {
      cwd: request.cwd,
      env: request.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
}

/** The exit code the wrapper recorded, or null when the agent has not ended normally (yet). */
export async function readRecordedExitCode(file: string): Promise<number | null> {
  try {
    const match = /^(\d{1,3})\n$/.exec(await readFile(file, 'utf8'));
    return match?.[1] ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
