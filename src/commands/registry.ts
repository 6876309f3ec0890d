import { answerCommand } from './answer.ts';
import { approveSpecCommand } from './approve-spec.ts';
import { cancelCommand } from './cancel.ts';
import { COMMAND_CATALOG, type CommandCatalogEntry, findCommand } from './catalog.ts';
import type { CommandDescriptor } from './context.ts';
import { decomposeCommand } from './decompose.ts';
import { dispatchCommand } from './dispatch.ts';
import { helpCommand } from './help-command.ts';
import { planCommand } from './plan.ts';
import { retryCommand } from './retry.ts';
import { reviseSpecCommand } from './revise-spec.ts';
import { specCommand } from './spec.ts';
import { statusCommand } from './status.ts';

/**
 * The commands this instance runs. Each descriptor's name, usage and permission come from the
 * catalog, so `/help`, the parser and the permission check never disagree.
 */
export class CommandRegistry {
  private readonly byName = new Map<string, CommandDescriptor>();

  register(descriptor: CommandDescriptor): this {
    const entry = findCommand(descriptor.name);
    if (!entry) throw new Error(`/${descriptor.name} is not in the command catalog`);
    if (entry.usage !== descriptor.usage || entry.permission !== descriptor.permission) {
      throw new Error(`/${descriptor.name}: descriptor and catalog disagree on usage or permission`);
    }
    this.byName.set(descriptor.name, descriptor);
    return this;
  }

  get(name: string): CommandDescriptor | undefined {
    return this.byName.get(name);
  }

  /** Catalog entries of the registered commands, in catalog order (for `/help`). */
  entries(): CommandCatalogEntry[] {
    return COMMAND_CATALOG.filter((entry) => this.byName.has(entry.name));
  }
}

export function conversationCommands(): CommandRegistry {
  return new CommandRegistry()
    .register(helpCommand)
    .register(statusCommand)
    .register(answerCommand)
    .register(specCommand)
    .register(reviseSpecCommand)
    .register(approveSpecCommand)
    .register(decomposeCommand)
    .register(planCommand)
    .register(dispatchCommand)
    .register(retryCommand)
    .register(cancelCommand);
}
