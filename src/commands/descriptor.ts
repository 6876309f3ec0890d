import { findCommand } from './catalog.ts';
import type { CommandDescriptor } from './context.ts';

/** Builds a command's descriptor from its catalog entry plus its behaviour. */
export function describeCommand(
  name: string,
  behaviour: Pick<CommandDescriptor, 'states' | 'run'>,
): CommandDescriptor {
  const entry = findCommand(name);
  if (!entry) throw new Error(`/${name} is not in the command catalog`);
  return { name, usage: entry.usage, examples: entry.examples, permission: entry.permission, ...behaviour };
}
