import { STATUS_LABEL_SCOPE } from '../domain/labels.ts';
import { type SubtaskState, statusLabelFor } from '../domain/lifecycle.ts';
import type { McpGitea } from './deps.ts';

/**
 * Puts the `ai-status/*` label of a subtask state on the issue and takes every other
 * `ai-status/*` label off (Gitea drops other exclusive labels itself; removing them too keeps
 * non-exclusive setups right). Returns the label shown.
 */
export async function showStatusLabel(
  gitea: Pick<McpGitea, 'issues' | 'labels'>,
  issue: { owner: string; repo: string; number: number },
  state: SubtaskState,
): Promise<string> {
  const wanted = statusLabelFor(state);
  if (wanted === null) throw new Error(`the subtask state "${state}" has no ai-status label`);
  const current = await gitea.issues.get(issue.owner, issue.repo, issue.number);
  const names = current.labels.map((label) => label.name);
  if (!names.includes(wanted)) await gitea.labels.add(issue.owner, issue.repo, issue.number, [wanted]);
  for (const name of names) {
    if (name !== wanted && name.startsWith(`${STATUS_LABEL_SCOPE}/`)) {
      await gitea.labels.remove(issue.owner, issue.repo, issue.number, name);
    }
  }
  return wanted;
}
