import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessIdentity } from './run-state.ts';

/**
 * Liveness and stopping of an agent's process group. On Linux the answers come from /proc,
 * which tells a zombie from a live process and a reused pid from the original one (by start
 * time); elsewhere `kill(pid, 0)` is the best there is.
 */

const HAS_PROC = existsSync('/proc/self/stat');

interface ProcStat {
  state: string;
  pgrp: number;
  startTicks: string;
}

async function readProcStat(pid: number): Promise<ProcStat | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, , pgrp] = fields;
  const startTicks = fields[19];
  if (!state || !pgrp || !startTicks) return null;
  return { state, pgrp: Number(pgrp), startTicks };
}

function isDead(state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}

/** The identity to record for a process that was just started. */
export async function identify(pid: number): Promise<ProcessIdentity> {
  const stat = await readProcStat(pid);
  return stat ? { pid, startTicks: stat.startTicks } : { pid };
}

/** Whether the recorded process still runs (not a zombie, and not a new process with its pid). */
export async function isAlive(identity: ProcessIdentity): Promise<boolean> {
  if (HAS_PROC) {
    const stat = await readProcStat(identity.pid);
    if (!stat || isDead(stat.state)) return false;
    return identity.startTicks === undefined || identity.startTicks === stat.startTicks;
  }
  try {
    process.kill(identity.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the pid now belongs to another process. Only then is the group id unsafe to signal:
 * while any member of the old group lives, the kernel never hands its id to a new process.
 */
export async function isPidReused(identity: ProcessIdentity): Promise<boolean> {
  if (!HAS_PROC || identity.startTicks === undefined) return false;
  const stat = await readProcStat(identity.pid);
  return stat !== null && stat.startTicks !== identity.startTicks;
}

/** Whether any live process is left in the group. */
export async function isGroupAlive(pgid: number): Promise<boolean> {
  if (HAS_PROC) {
    const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
    const stats = await Promise.all(pids.map((pid) => readProcStat(Number(pid))));
    return stats.some((stat) => stat !== null && stat.pgrp === pgid && !isDead(stat.state));
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isGroupAlive(pgid))) return true;
    if (Date.now() >= until) return false;
    await sleep(50);
  }
}

/**
 * Stops a whole process group: SIGTERM so the agent can stop cleanly, SIGKILL for whatever is
 * left after the grace period. Resolves once nothing of the group runs any more.
 */
export async function killGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  if (await waitForGroupExit(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitForGroupExit(pgid, 5_000);
}
