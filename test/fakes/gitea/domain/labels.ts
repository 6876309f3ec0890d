import { ApiError, unprocessable } from '../errors.ts';
import type { IssueRecord, LabelRecord, RepoRecord, UserRecord } from '../state.ts';
import type { World } from '../world.ts';

/**
 * Labels and issue labels (models/issues/label.go, issue_label.go, services/issue/label.go).
 * An exclusive label `scope/name` replaces any other exclusive label of the same scope on the
 * issue; the scope is everything before the last '/'.
 */

export function exclusiveScope(label: Pick<LabelRecord, 'name' | 'exclusive'>): string {
  if (!label.exclusive) return '';
  const last = label.name.lastIndexOf('/');
  if (last <= 0 || last === label.name.length - 1) return '';
  return label.name.slice(0, last);
}

/** `#rgb`, `rgb`, `#rrggbb` or `rrggbb` → `rrggbb` (Gitea stores `#rrggbb` and answers without '#'). */
export function normalizeColor(color: string): string {
  const hex = color.trim().replace(/^#/, '');
  if (/^[0-9a-fA-F]{6}$/.test(hex)) return hex.toLowerCase();
  if (/^[0-9a-fA-F]{3}$/.test(hex)) {
    return [...hex.toLowerCase()].map((c) => c + c).join('');
  }
  throw unprocessable('invalid color format');
}

export function createLabel(
  world: World,
  repo: RepoRecord,
  opts: { name: string; color: string; description?: string; exclusive?: boolean; isArchived?: boolean },
): LabelRecord {
  const label: LabelRecord = {
    id: world.state.nextId('label'),
    repoId: repo.id,
    name: opts.name,
    color: normalizeColor(opts.color),
    description: opts.description ?? '',
    exclusive: opts.exclusive ?? false,
    isArchived: opts.isArchived ?? false,
  };
  repo.labels.set(label.id, label);
  return label;
}

export function editLabel(
  label: LabelRecord,
  opts: { name?: string; color?: string; description?: string; exclusive?: boolean; isArchived?: boolean },
): LabelRecord {
  if (opts.name !== undefined && opts.name !== '') label.name = opts.name;
  if (opts.color !== undefined && opts.color !== '') label.color = normalizeColor(opts.color);
  if (opts.description !== undefined) label.description = opts.description;
  if (opts.exclusive !== undefined) label.exclusive = opts.exclusive;
  if (opts.isArchived !== undefined) label.isArchived = opts.isArchived;
  return label;
}

export function deleteLabel(repo: RepoRecord, label: LabelRecord): void {
  repo.labels.delete(label.id);
  for (const issue of repo.issues.values()) {
    issue.labelIds = issue.labelIds.filter((id) => id !== label.id);
  }
}

export function labelByName(repo: RepoRecord, name: string): LabelRecord | undefined {
  for (const label of repo.labels.values()) if (label.name === name) return label;
  return undefined;
}

/**
 * prepareForReplaceOrAdd: `labels` holds ids or names (not both). Unknown ids and names are
 * silently dropped, as Gitea does.
 */
export function resolveLabelRefs(repo: RepoRecord, refs: readonly unknown[]): LabelRecord[] {
  const ids: number[] = [];
  const names: string[] = [];
  for (const ref of refs) {
    if (typeof ref === 'number') ids.push(Math.trunc(ref));
    else if (typeof ref === 'string') names.push(ref);
    else throw new ApiError(400, 'a label must be an integer or a string');
  }
  if (ids.length > 0 && names.length > 0) {
    throw new ApiError(400, 'labels should be an array of strings or integers');
  }
  for (const name of names) {
    for (const label of repo.labels.values()) if (label.name === name) ids.push(label.id);
  }
  return [...new Set(ids)]
    .sort((a, b) => a - b)
    .map((id) => repo.labels.get(id))
    .filter((label): label is LabelRecord => label !== undefined);
}

/** newIssueLabel: attach one label, dropping other exclusive labels of its scope. */
export function attachLabel(repo: RepoRecord, issue: IssueRecord, label: LabelRecord): void {
  if (issue.labelIds.includes(label.id)) return;
  const scope = exclusiveScope(label);
  if (scope !== '') {
    issue.labelIds = issue.labelIds.filter((id) => {
      const other = repo.labels.get(id);
      return !other || exclusiveScope(other) !== scope;
    });
  }
  issue.labelIds.push(label.id);
}

/** RemoveDuplicateExclusiveLabels: of several labels of one exclusive scope, the last wins. */
function withoutDuplicateScopes(labels: LabelRecord[]): LabelRecord[] {
  return labels.filter((label, i) => {
    const scope = exclusiveScope(label);
    return scope === '' || !labels.slice(i + 1).some((other) => exclusiveScope(other) === scope);
  });
}

function touch(world: World, issue: IssueRecord): void {
  issue.updatedAt = world.state.now();
}

export function addIssueLabels(
  world: World,
  repo: RepoRecord,
  issue: IssueRecord,
  doer: UserRecord,
  labels: LabelRecord[],
): void {
  for (const label of labels) attachLabel(repo, issue, label);
  touch(world, issue);
  world.notify.labelsUpdated(repo, issue, doer);
}

export function replaceIssueLabels(
  world: World,
  repo: RepoRecord,
  issue: IssueRecord,
  doer: UserRecord,
  labels: LabelRecord[],
): void {
  issue.labelIds = withoutDuplicateScopes(labels).map((label) => label.id);
  touch(world, issue);
  world.notify.labelsUpdated(repo, issue, doer);
}

export function removeIssueLabel(
  world: World,
  repo: RepoRecord,
  issue: IssueRecord,
  doer: UserRecord,
  label: LabelRecord,
): void {
  issue.labelIds = issue.labelIds.filter((id) => id !== label.id);
  touch(world, issue);
  world.notify.labelsUpdated(repo, issue, doer);
}

export function clearIssueLabels(world: World, repo: RepoRecord, issue: IssueRecord, doer: UserRecord): void {
  issue.labelIds = [];
  touch(world, issue);
  world.notify.labelsCleared(repo, issue, doer);
}
