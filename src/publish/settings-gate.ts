import type { Logger } from '../config/logger.ts';
import {
  type RepoConfig,
  renderConfigErrorComment,
  renderConfigErrorPointer,
} from '../config/repo-config.ts';
import { clearConfigError, getRepoById, type RepoRow, recordConfigError, upsertRepo } from '../db/repos.ts';
import type { IssueRef, RepoRef } from '../domain/payloads.ts';
import type { GiteaPick } from '../gitea/client.ts';
import type { RepoSettingsService } from '../gitea/repo-settings.ts';
import type { IssueWriters } from './issue-writers.ts';

export interface SettingsGateDeps extends IssueWriters {
  settings: Pick<RepoSettingsService, 'get'>;
  gitea: GiteaPick<{ comments: 'get' }>;
  log: Logger;
}

/**
 * Loads the repository's `.gitea/aiworker.yaml`. When it is invalid nothing else happens until
 * it is fixed, and whoever asks hears why: the first issue that asks (an `ai` issue, a command)
 * gets one comment quoting every problem — once per version of the bad file for the whole
 * repository — and every other issue that asks gets one short comment linking to it.
 */
export class SettingsGate {
  constructor(private readonly deps: SettingsGateDeps) {}

  /** The repository's row and valid settings, or null (and the problems told to `issue`). */
  async settingsFor(
    repoRef: RepoRef,
    issue: IssueRef | null,
  ): Promise<{ repo: RepoRow; config: RepoConfig } | null> {
    const { db, settings, log } = this.deps;
    const repo = await upsertRepo(db, {
      owner: repoRef.owner,
      name: repoRef.name,
      giteaId: repoRef.id || null,
      defaultBranch: repoRef.defaultBranch || null,
    });
    const found = await settings.get(repo.owner, repo.name, repo.defaultBranch);
    if (found.ok) {
      if (repo.configError !== null) await clearConfigError(db, repo.id);
      return { repo, config: found.config };
    }
    log.warn({ repo: repo.fullName, problems: found.problems }, 'invalid .gitea/aiworker.yaml');
    if (issue) await this.reportConfigError(repo, issue, found);
    return null;
  }

  /**
   * One comment per issue and version of the bad file (the marker), so redeliveries and later
   * commands on the same issue add nothing. Serialised per repository: of two issues asking at
   * once, exactly one gets the problem list and the other a link to it. The list's place is
   * recorded only after it is posted, so a failed post leaves the next asker to post it.
   */
  private async reportConfigError(
    repo: RepoRow,
    issue: IssueRef,
    bad: { contentHash: string; problems: string[] },
  ): Promise<void> {
    const { db, locks, comments, gitea } = this.deps;
    const marker = { kind: 'config-error', attrs: { file: bad.contentHash } };
    await locks.hold(
      `aiworker:config-error:${repo.fullName}`,
      async () => {
        const current = await getRepoById(db, repo.id);
        const listedOn =
          current.configSha === bad.contentHash &&
          current.configErrorIssue !== null &&
          current.configErrorUrl !== null
            ? { issue: current.configErrorIssue, url: current.configErrorUrl }
            : null;
        if (listedOn && listedOn.issue !== issue.number) {
          await comments.ensure(issue, marker, renderConfigErrorPointer(listedOn));
          return;
        }
        const id = await comments.ensure(issue, marker, renderConfigErrorComment(bad.problems, null));
        if (listedOn) return;
        const posted = await gitea.comments.get(issue.owner, issue.repo, id);
        await recordConfigError(db, repo.id, {
          contentHash: bad.contentHash,
          problems: bad.problems,
          issue: issue.number,
          // Without a usable link, the next asker posts the list again rather than a dead link.
          url: posted.htmlUrl !== '' && posted.htmlUrl.length <= 1024 ? posted.htmlUrl : null,
        });
      },
      { timeoutSeconds: 60 },
    );
  }
}
