import type { Requirement } from '../domain/permissions.ts';

/**
 * Every slash command AiWorker knows, as data: what the parser recognises, what `/help` shows
 * and who may run each one by default (docs/architecture.md §3). Command modules add their behaviour on top
 * of these entries; a per-repo config may override the permissions (see permissions.ts).
 */
export interface CommandCatalogEntry {
  /** Lowercase, without the slash: `approve-spec`. */
  name: string;
  /** How to write it, with placeholders: `/revise-spec <feedback>`. */
  usage: string;
  /** One line for `/help`. */
  description: string;
  /** Complete, copy-pasteable single-line examples. */
  examples: readonly string[];
  /** Who may run it when no argument-specific rule applies. */
  permission: Requirement;
  /**
   * Rules that depend on the first argument (lowercase), e.g. `/promote production` needs more
   * than `/promote staging`. An argument not listed here falls back to `permission`.
   */
  permissionByArgument?: Readonly<Record<string, Requirement>>;
}

const byEnvironment = { staging: 'write', production: 'admin' } as const satisfies Record<
  string,
  Requirement
>;

export const COMMAND_CATALOG: readonly CommandCatalogEntry[] = [
  {
    name: 'help',
    usage: '/help',
    description: 'Show this list of commands.',
    examples: ['/help'],
    permission: 'anyone',
  },
  {
    name: 'status',
    usage: '/status',
    description: 'Show where this issue stands: its state, spec version, subtasks and agent runs.',
    examples: ['/status'],
    permission: 'anyone',
  },
  {
    name: 'answer',
    usage: '/answer <number> <answer>',
    description:
      'Answer a clarifying question. Several `/answer` lines in one comment are fine, or write ' +
      '`/answer` alone followed by a numbered list (`1. Stripe`, `2) EUR and USD`).',
    examples: ['/answer 1 Stripe only', '/answer 2 EUR and USD'],
    permission: 'author-or-write',
  },
  {
    name: 'spec',
    usage: '/spec',
    description: 'Write the specification now; unanswered questions use the stated assumptions.',
    examples: ['/spec'],
    permission: 'write',
  },
  {
    name: 'revise-spec',
    usage: '/revise-spec <feedback>',
    description: 'Write a new version of the specification that takes your feedback into account.',
    examples: ['/revise-spec Also support refunds; drop PayPal.'],
    permission: 'write',
  },
  {
    name: 'approve-spec',
    usage: '/approve-spec',
    description: 'Approve the current specification; it is frozen and split into subtasks.',
    examples: ['/approve-spec'],
    permission: 'write',
  },
  {
    name: 'decompose',
    usage: '/decompose',
    description: 'Split the approved specification into subtask issues (again, e.g. after a failure).',
    examples: ['/decompose'],
    permission: 'write',
  },
  {
    name: 'plan',
    usage: '/plan',
    description: 'Show the subtasks, their dependencies and the order in which they will be built.',
    examples: ['/plan'],
    permission: 'anyone',
  },
  {
    name: 'dispatch',
    usage: '/dispatch',
    description: 'Start agent runs for the subtasks whose dependencies are done.',
    examples: ['/dispatch'],
    permission: 'write',
  },
  {
    name: 'retry',
    usage: '/retry',
    description: 'Retry the step that failed last (spec, decomposition or agent run).',
    examples: ['/retry'],
    permission: 'write',
  },
  {
    name: 'cancel',
    usage: '/cancel',
    description: 'Stop the agent runs of this issue.',
    examples: ['/cancel'],
    permission: 'write',
  },
  {
    name: 'promote',
    usage: '/promote <staging|production>',
    description: 'Deploy the current release to an environment through the GitOps repository.',
    examples: ['/promote production', '/promote staging'],
    // An environment not listed (a typo, or one added in the repo config) needs the strictest level.
    permission: 'admin',
    permissionByArgument: byEnvironment,
  },
  {
    name: 'rollback',
    usage: '/rollback <staging|production>',
    description: 'Return an environment to its previous release.',
    examples: ['/rollback production', '/rollback staging'],
    permission: 'admin',
    permissionByArgument: byEnvironment,
  },
];

/** The names the parser recognises by default, in catalog order. */
export const KNOWN_COMMAND_NAMES: readonly string[] = COMMAND_CATALOG.map((entry) => entry.name);

/** The catalog entry for a name typed with or without the slash, in any case. */
export function findCommand(name: string): CommandCatalogEntry | undefined {
  const wanted = name.trim().replace(/^\//, '').toLowerCase();
  return COMMAND_CATALOG.find((entry) => entry.name === wanted);
}
