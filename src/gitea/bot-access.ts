import type { RepoPermission } from '../domain/permissions.ts';

/**
 * What to say when the bot account is not an administrator of a repository. Pure. Gitea tells
 * only site and repository administrators what access other people have (GetRepoPermissions
 * answers 403 otherwise), so without admin AiWorker cannot check who may run a command; the
 * webhook and the labels that `aiworker setup` manages need admin as well.
 */
export interface BotAccessProblem {
  problem: string;
  fix: string;
}

export function botNeedsAdmin(repo: string, bot: string, has: RepoPermission): BotAccessProblem {
  const level = has === 'none' ? 'no' : has;
  return {
    problem:
      `the bot account ${bot} needs admin on ${repo} (it has ${level} access): Gitea tells only ` +
      'repository administrators what access other people have, so AiWorker cannot check who may run a command',
    fix:
      `In ${repo} → Settings → Collaborators, give ${bot} the Administrator role (or add it to a team ` +
      `with admin rights on ${repo}); \`aiworker doctor --repo ${repo}\` checks it.`,
  };
}
