import type { RepoRow } from '../db/repos.ts';
import type { GiteaIssue } from '../gitea/types.ts';
import type { IssueInput } from '../planning/planner.ts';

/** The issue as the planner sees it, read fresh from Gitea (title and body may have changed). */
export function issueInputOf(repo: Pick<RepoRow, 'fullName'>, issue: GiteaIssue): IssueInput {
  return {
    repo: repo.fullName,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    author: issue.author,
  };
}
