import { answerCommand } from './answer.ts';
import { approveSpecCommand } from './approve-spec.ts';
import { cancelCommand } from './cancel.ts';
import type { Command } from './command.ts';
import { decomposeCommand } from './decompose.ts';
import { dispatchCommand } from './dispatch.ts';
import { helpCommand } from './help.ts';
import { planCommand } from './plan.ts';
import { promoteCommand } from './promote.ts';
import { retryCommand } from './retry.ts';
import { reviseSpecCommand } from './revise-spec.ts';
import { rollbackCommand } from './rollback.ts';
import { specCommand } from './spec.ts';
import { statusCommand } from './status.ts';

/**
 * Every slash command AiWorker knows, in the order `/help` lists them (docs/architecture.md,
 * Event rules, for who may run each). The parser recognises these names, the command runner
 * checks their permissions and runs them, and `/help` shows those that run.
 */
export const COMMANDS: readonly Command[] = [
  helpCommand,
  statusCommand,
  answerCommand,
  specCommand,
  reviseSpecCommand,
  approveSpecCommand,
  decomposeCommand,
  planCommand,
  dispatchCommand,
  retryCommand,
  cancelCommand,
  promoteCommand,
  rollbackCommand,
];

/** The names the parser recognises, in list order. */
export const KNOWN_COMMAND_NAMES: readonly string[] = COMMANDS.map((command) => command.name);

/** The command for a name typed with or without the slash, in any case. */
export function findCommand(name: string): Command | undefined {
  const wanted = name.trim().replace(/^\//, '').toLowerCase();
  return COMMANDS.find((command) => command.name === wanted);
}
