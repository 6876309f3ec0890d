import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../../bin/aiworker.js');

/** The commands `aiworker help` lists, to hold manifests and scripts that run the CLI to it. */
export function cliCommands(): string[] {
  const help = spawnSync(process.execPath, [BIN, 'help'], { cwd: tmpdir(), encoding: 'utf8' });
  if (help.status !== 0) throw new Error(`aiworker help failed: ${help.stderr}`);
  return [...help.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!);
}
