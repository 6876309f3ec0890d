import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { RunPhase, RunStatus } from '../types.ts';

/**
 * The small file a local run keeps about itself, so that a runner started after the bot
 * restarted can tell whether the run's process is still alive, finished, or was lost.
 * Tokens are never stored here: only digests to scrub them from output.
 */

const processIdentity = z.object({
  pid: z.number().int().positive(),
  /** Start time of the process (from /proc), to tell a reused pid from the original. */
  startTicks: z.string().optional(),
});

export type ProcessIdentity = z.infer<typeof processIdentity>;

const runStateSchema = z.object({
  version: z.literal(1),
  runId: z.number().int().positive(),
  repo: z.string(),
  issueNumber: z.number().int(),
  attempt: z.number().int(),
  phase: z.enum(['pending', 'running', 'succeeded', 'failed', 'cancelled']),
  /** The bot process that started the run (it clones before the agent process exists). */
  owner: processIdentity,
  /** The agent's process; it leads its own process group (pgid = pid). */
  agent: processIdentity.optional(),
  startedAt: z.iso.datetime(),
  deadlineSeconds: z.number().positive(),
  finishedAt: z.iso.datetime().optional(),
  exitCode: z.number().int().optional(),
  message: z.string().optional(),
  logTail: z.string().optional(),
  secretDigests: z.array(z.object({ sha256: z.string(), length: z.number().int(), tokenLike: z.boolean() })),
});

export type RunState = z.infer<typeof runStateSchema>;

export const FINAL_PHASES: ReadonlySet<RunPhase> = new Set(['succeeded', 'failed', 'cancelled']);

export function isFinal(phase: RunPhase): boolean {
  return FINAL_PHASES.has(phase);
}

/** Reads a state file; null when it is missing or unreadable (a run directory being removed). */
export async function readRunState(file: string): Promise<RunState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = runStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Writes atomically (temp file + rename) so a reader never sees half a file. */
export async function writeRunState(file: string, state: RunState): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

export function statusOf(state: RunState, liveTail?: string): RunStatus {
  const logTail = liveTail ?? state.logTail;
  return {
    phase: state.phase,
    ...(state.exitCode !== undefined ? { exitCode: state.exitCode } : {}),
    ...(state.message !== undefined ? { message: state.message } : {}),
    ...(logTail ? { logTail } : {}),
    startedAt: new Date(state.startedAt),
    ...(state.finishedAt ? { finishedAt: new Date(state.finishedAt) } : {}),
  };
}
