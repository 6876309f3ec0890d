import {
  normaliseKey,
  type PermissionOverrides,
  type PermissionRule,
  REQUIREMENTS,
  type Requirement,
  requirementFor,
} from '../domain/permissions.ts';
import { COMMANDS, findCommand } from './index.ts';

/** Who may run a command of this instance's catalog (the decisions are in domain/permissions.ts). */

/**
 * The requirement for `/commandName argv…` in a repo with `overrides`. A name no command has
 * needs admin unless the repo configured it, so a command missing from the list fails closed.
 */
export function requiredPermission(
  commandName: string,
  argv: readonly string[],
  overrides?: PermissionOverrides,
): Requirement {
  const entry = findCommand(commandName) ?? { name: normaliseKey(commandName), permission: 'admin' as const };
  return requirementFor(entry, argv, overrides);
}

/**
 * Problems in a repo's permission overrides, one readable sentence each (empty when fine), for
 * the per-repo config validation: unknown commands, arguments on commands whose permission does
 * not depend on one, and values that are not a requirement.
 */
export function checkPermissionOverrides(
  overrides: Readonly<Record<string, unknown>>,
  commands: readonly Pick<PermissionRule, 'name' | 'permissionByArgument'>[] = COMMANDS,
): string[] {
  const problems: string[] = [];
  for (const [rawKey, value] of Object.entries(overrides)) {
    const key = normaliseKey(rawKey);
    const [name = '', argument, ...extra] = key.split(' ');
    const entry = commands.find((command) => command.name === name);
    if (!entry) {
      problems.push(`permissions: "${rawKey}" is not a command AiWorker knows.`);
    } else if (extra.length > 0 || (argument !== undefined && entry.permissionByArgument === undefined)) {
      problems.push(
        `permissions: "${rawKey}" — only the command name can be configured for /${name}` +
          (entry.permissionByArgument ? ', or the command and one argument.' : '.'),
      );
    }
    if (typeof value !== 'string' || !(REQUIREMENTS as readonly string[]).includes(value)) {
      problems.push(
        `permissions: "${rawKey}" must be one of ${REQUIREMENTS.join(', ')} (got ${JSON.stringify(value)}).`,
      );
    }
  }
  return problems;
}
