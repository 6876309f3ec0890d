import { and, eq, isNull, ne, or } from 'drizzle-orm';
import { type RepoConfig, renderConfigErrorComment } from '../config/repo-config.ts';
import { repos } from '../db/schema.ts';
import { type RepoRow, upsertRepo } from '../db/tasks.ts';
import type { BotDeps } from './bot.ts';
import type { IssueRef } from './comment-writer.ts';
import type { RepoRef } from './payloads.ts';

/**
 * Loads the repository's `.gitea/aiworker.yaml`. When it is invalid, the issue that caused
 * the event gets one comment quoting every problem (once per version of the bad file, for the
 * whole repository) and nothing else happens until it is fixed.
 */
export async function settingsFor(
  deps: BotDeps,
  repoRef: RepoRef,
  issue: IssueRef | null,
): Promise<{ repo: RepoRow; config: RepoConfig } | null> {
  const repo = await upsertRepo(deps.db, {
    owner: repoRef.owner,
    name: repoRef.name,
    giteaId: repoRef.id || null,
    defaultBranch: repoRef.defaultBranch || null,
  });
  const settings = await deps.settings.get(repo.owner, repo.name, repo.defaultBranch);
  if (settings.ok) {
    if (repo.configError !== null) {
      await deps.db.update(repos).set({ configError: null, configSha: null }).where(eq(repos.id, repo.id));
    }
    return { repo, config: settings.config };
  }
  deps.log.warn({ repo: repo.fullName, problems: settings.problems }, 'invalid .gitea/aiworker.yaml');
  if (!issue) return null;
  // Claim the report for this version of the file atomically: of two events racing here,
  // exactly one posts it. If posting fails, the claim is undone so a retry posts it.
  const [claim] = await deps.db
    .update(repos)
    .set({ configSha: settings.contentHash, configError: settings.problems.join('\n') })
    .where(
      and(eq(repos.id, repo.id), or(isNull(repos.configSha), ne(repos.configSha, settings.contentHash))),
    );
  if ((claim as { affectedRows?: number }).affectedRows !== 1) return null;
  try {
    await deps.comments.ensure(
      issue,
      { kind: 'config-error', attrs: { file: settings.contentHash } },
      renderConfigErrorComment(settings.problems, null),
    );
  } catch (error) {
    await deps.db.update(repos).set({ configSha: null }).where(eq(repos.id, repo.id));
    throw error;
  }
  return null;
}
