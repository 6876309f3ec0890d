import {
  normaliseKey,
  type PermissionOverrides,
  type PermissionRule,
  REQUIREMENTS,
  type Requirement,
  requirementFor,
} from '../domain/permissions.ts';
import { COMMAND_CATALOG, findCommand } from './catalog.ts';

/** Who may run a command of this instance's catalog (the decisions are in domain/permissions.ts). */

/**
 * The requirement for `/commandName argv…` in a repo with `overrides`. A name the catalog does
 * not know needs admin unless the repo configured it, so forgetting a catalog entry fails closed.
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
 * The issue comment for a command that could not be permission-checked because the bot account
 * is not an administrator of the repository: a problem of AiWorker's setup, which the comment
 * says plainly, so nobody takes it for a verdict on their own access.
 */
export function renderBotAccessComment(access: { repo: string; problem: string; fix: string }): string {
  return [
    `### ⚠️ AiWorker is not set up correctly for ${access.repo}`,
    '',
    `Commands that need a permission check are not run: ${access.problem}.`,
    '',
    `This is not about anyone's own access. To fix it: ${access.fix} Then write the command again.`,
  ].join('\n');
}

/**
 * Problems in a repo's permission overrides, one readable sentence each (empty when fine), for
 * the per-repo config validation: unknown commands, arguments on commands whose permission does
 * not depend on one, and values that are not a requirement.
 */
export function checkPermissionOverrides(
  overrides: Readonly<Record<string, unknown>>,
  commands: readonly Pick<PermissionRule, 'name' | 'permissionByArgument'>[] = COMMAND_CATALOG,
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
