import type { Requirement } from '../domain/permissions.ts';

/**
 * Who may act on each environment by default (`/promote`, `/rollback`): staging needs write
 * access, production admin. An environment not listed (a typo, or one added in the repo
 * config) needs the strictest level, which is the commands' own permission.
 */
export const ENVIRONMENT_PERMISSIONS = { staging: 'write', production: 'admin' } as const satisfies Record<
  string,
  Requirement
>;
