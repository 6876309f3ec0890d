import { ApiError } from '../errors.ts';
import type { IssueRecord } from '../state.ts';

/**
 * Issue dependencies (models/issues/dependency.go `CreateIssueDependency`, the same in 1.24.7,
 * 1.25.4 and 1.26.3). Gitea only detects an existing link and two issues blocking each other,
 * not longer cycles; its model errors reach the API as 500s. Nothing refuses a self-dependency:
 * both checks look for a row that is not there yet, so the API (routers/api/v1/repo/
 * issue_dependency.go) stores it and the issue can no longer be closed. Only the web UI
 * (routers/web/repo/issue_dependency.go) refuses it, see `user-actions.ts`.
 */

function circular(issue: IssueRecord, dep: IssueRecord): ApiError {
  return new ApiError(
    500,
    `circular dependencies exists (two issues blocking each other) [issue id: ${issue.id}, dependency id: ${dep.id}]`,
  );
}

/** Makes `issue` depend on (be blocked by) `dep`. */
export function addDependency(issue: IssueRecord, dep: IssueRecord): void {
  if (issue.dependsOn.includes(dep.id)) {
    throw new ApiError(
      500,
      `issue dependency does already exist [issue id: ${issue.id}, dependency id: ${dep.id}]`,
    );
  }
  if (dep.dependsOn.includes(issue.id)) throw circular(issue, dep);
  issue.dependsOn.push(dep.id);
}

export function removeDependency(issue: IssueRecord, dep: IssueRecord): void {
  if (!issue.dependsOn.includes(dep.id)) {
    throw new ApiError(
      500,
      `issue dependency does not exist [issue id: ${issue.id}, dependency id: ${dep.id}]`,
    );
  }
  issue.dependsOn = issue.dependsOn.filter((id) => id !== dep.id);
}
