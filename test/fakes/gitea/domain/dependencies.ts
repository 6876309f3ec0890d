import { ApiError } from '../errors.ts';
import type { IssueRecord } from '../state.ts';

/**
 * Issue dependencies (models/issues/dependency.go). Gitea only detects two issues blocking
 * each other, not longer cycles; its model errors reach the API as 500s. A self-dependency is
 * refused the same way.
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
  if (issue.id === dep.id || dep.dependsOn.includes(issue.id)) throw circular(issue, dep);
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
