import { parseStatusLabel, STATUS_LABEL_SCOPE } from '../gitea/labels.ts';
import type { McpGitea } from './deps.ts';

/**
 * Puts `ai-status/<status>` on the issue and takes every other `ai-status/*` label off (Gitea
 * drops other exclusive labels itself; removing them too keeps non-exclusive setups right).
 */
export async function showStatusLabel(
  gitea: Pick<McpGitea, 'getIssue' | 'addLabels' | 'removeLabel'>,
  issue: { owner: string; repo: string; number: number },
  status: string,
): Promise<string> {
  const wanted = `${STATUS_LABEL_SCOPE}/${status}`;
  if (parseStatusLabel(wanted) === null) throw new Error(`"${status}" has no ai-status label`);
  const current = await gitea.getIssue(issue.owner, issue.repo, issue.number);
  const names = current.labels.map((label) => label.name);
  if (!names.includes(wanted)) await gitea.addLabels(issue.owner, issue.repo, issue.number, [wanted]);
  for (const name of names) {
    if (name !== wanted && name.startsWith(`${STATUS_LABEL_SCOPE}/`)) {
      await gitea.removeLabel(issue.owner, issue.repo, issue.number, name);
    }
  }
  return wanted;
}
