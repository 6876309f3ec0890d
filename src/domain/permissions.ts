/**
 * Who may run a command: pure decisions over data the caller fetched.
 *
 * Ordering matters in the caller: decide permission FIRST — before loading or even looking at
 * the state — and only then check whether the command makes sense in that state. A
 * refused user must learn nothing about the issue and change nothing (docs/architecture.md §3); checking
 * state first would let "spec not ready yet" style replies leak to people without access.
 */

/** A user's access to a repository, as Gitea's collaborator-permission endpoint reports it. */
export type RepoPermission = 'none' | 'read' | 'write' | 'admin';

/** What a command asks of the person who runs it. */
export type Requirement = 'anyone' | 'author-or-write' | 'write' | 'admin';

export const REQUIREMENTS: readonly Requirement[] = ['anyone', 'author-or-write', 'write', 'admin'];

/** Who may run a command by default: the permission part of a command (commands/command.ts). */
export interface PermissionRule {
  /** Lowercase, without the slash: `approve-spec`. */
  name: string;
  /** Who may run it when no argument-specific rule applies. */
  permission: Requirement;
  /**
   * Rules that depend on the first argument (lowercase), e.g. `/promote production` needs more
   * than `/promote staging`. An argument not listed here falls back to `permission`.
   */
  permissionByArgument?: Readonly<Record<string, Requirement>>;
}

/**
 * Per-repo overrides from `.gitea/aiworker.yaml`, keyed by command name (`approve-spec`) or by
 * command name and first argument (`promote production`). Keys may carry a slash and any case.
 */
export type PermissionOverrides = Readonly<Record<string, Requirement>>;

export type PermissionDecision =
  | { allowed: true }
  | { allowed: false; needed: Exclude<Requirement, 'anyone'>; message: string };

const RANK: Record<RepoPermission, number> = { none: 0, read: 1, write: 2, admin: 3 };

/**
 * Gitea's `permission` field as one of our levels. Gitea reports a repository's owner as
 * `owner`, which can do everything an admin can; anything unrecognised counts as no access,
 * so a surprising answer from the API can never grant more than intended.
 */
export function parseRepoPermission(raw: string | null | undefined): RepoPermission {
  switch (raw?.trim().toLowerCase()) {
    case 'owner':
    case 'admin':
      return 'admin';
    case 'write':
      return 'write';
    case 'read':
      return 'read';
    default:
      return 'none';
  }
}

/** `/Promote  Production` → `promote production`, the form override keys are compared in. */
export function normaliseKey(key: string): string {
  return key.trim().replace(/^\//, '').replace(/\s+/gu, ' ').toLowerCase();
}

function normaliseOverrides(overrides: PermissionOverrides | undefined): Map<string, Requirement> {
  const byKey = new Map<string, Requirement>();
  for (const [key, requirement] of Object.entries(overrides ?? {})) byKey.set(normaliseKey(key), requirement);
  return byKey;
}

/**
 * The requirement for one invocation of a command described by `entry`. Most specific first:
 * a per-repo override for this command and argument, then a per-repo override for the whole
 * command, then the built-in rule for this argument, then the built-in default. A per-repo
 * setting for the whole command therefore applies to all its arguments unless the repo also
 * configured that argument: the repo's admins wrote it, so it wins over our defaults.
 */
export function requirementFor(
  entry: PermissionRule,
  argv: readonly string[],
  overrides?: PermissionOverrides,
): Requirement {
  const configured = normaliseOverrides(overrides);
  const name = normaliseKey(entry.name);
  const argument = argv[0]?.toLowerCase();
  return (
    (argument === undefined ? undefined : configured.get(`${name} ${argument}`)) ??
    configured.get(name) ??
    (argument === undefined ? undefined : entry.permissionByArgument?.[argument]) ??
    entry.permission
  );
}

export interface PermissionQuestion {
  requirement: Requirement;
  /** The user's access to the repository (see `parseRepoPermission`). */
  permission: RepoPermission;
  /** Whether the user opened the issue the command was written on. */
  isAuthor: boolean;
  /** For the message: the command as the user wrote it, e.g. `/promote production`. */
  command?: string;
  /** For the message: `owner/repo`. */
  repo?: string;
}

function describeAccess(permission: RepoPermission): string {
  return permission === 'none' ? 'no access' : `${permission} access`;
}

/** Whether the user may run the command; a refusal says, in plain words, what is missing. */
export function decide(question: PermissionQuestion): PermissionDecision {
  const { requirement, permission, isAuthor } = question;
  const rank = RANK[permission];
  const command = question.command ? `\`/${question.command.trim().replace(/^\//, '')}\`` : 'This command';
  const repo = question.repo ?? 'this repository';
  switch (requirement) {
    case 'anyone':
      return { allowed: true };
    case 'author-or-write':
      if (isAuthor || rank >= RANK.write) return { allowed: true };
      return {
        allowed: false,
        needed: requirement,
        message:
          `${command} can be used by the issue's author or by someone with write access to ${repo}; ` +
          `you have ${describeAccess(permission)} and did not open this issue.`,
      };
    case 'write':
    case 'admin':
      if (rank >= RANK[requirement]) return { allowed: true };
      return {
        allowed: false,
        needed: requirement,
        message: `${command} needs ${requirement} access to ${repo}; you have ${describeAccess(permission)}.`,
      };
  }
}

/** How `/help` and error messages name a requirement. */
export function describeRequirement(requirement: Requirement): string {
  switch (requirement) {
    case 'anyone':
      return 'anyone';
    case 'author-or-write':
      return 'issue author or write access';
    case 'write':
      return 'write access';
    case 'admin':
      return 'admin access';
  }
}
