import { managedLabelSpecs, parseStatusLabel } from '../../domain/labels.ts';
import { statusLabelFor, type TaskState } from '../../domain/lifecycle.ts';
import type { GiteaPick } from '../client.ts';
import type { BoardAdapter, BoardIssue, BoardPreparation, BoardRef, BoardRepo } from './types.ts';

/**
 * The board as labels: the exclusive `ai-status/*` label of an issue is its column. Works on
 * every Gitea (no web session needed); used when GITEA_BOT_PASSWORD is not set.
 */

export type LabelsBoardClient = GiteaPick<{ labels: 'ensure' | 'add' | 'remove'; issues: 'get' }>;

const LABELS_BOARD: BoardRef = { kind: 'labels' };

/** The `ai-status/*` labels only: the trigger and `ai-subtask` labels belong to `setup`. */
function statusLabelSpecs() {
  return managedLabelSpecs().filter((spec) => parseStatusLabel(spec.name) !== null);
}

export class LabelsBoard implements BoardAdapter {
  readonly kind = 'labels' as const;

  constructor(private readonly client: LabelsBoardClient) {}

  async prepare(repo: BoardRepo): Promise<BoardPreparation> {
    const result = await this.client.labels.ensure(repo.owner, repo.name, statusLabelSpecs());
    const notes = result.outcomes
      .filter(({ outcome }) => outcome !== 'unchanged')
      .map(({ name, outcome }) => `label ${name}: ${outcome}`);
    return { board: { ...LABELS_BOARD }, notes };
  }

  /**
   * Puts `statusLabelFor(state)` on the issue and takes every other `ai-status/*` label off
   * (Gitea removes them on add, as the labels are exclusive; any left over are removed one by
   * one). Reads the issue first: nothing is written when the labels are already right.
   */
  async place(repo: BoardRepo, _board: BoardRef, issue: BoardIssue, state: TaskState): Promise<BoardRef> {
    const wanted = statusLabelFor(state);
    const current = await this.client.issues.get(repo.owner, repo.name, issue.number);
    let statusLabels = current.labels
      .map((label) => label.name)
      .filter((name) => parseStatusLabel(name) !== null);
    if (wanted !== null && !statusLabels.includes(wanted)) {
      const after = await this.client.labels.add(repo.owner, repo.name, issue.number, [wanted]);
      statusLabels = after.map((label) => label.name).filter((name) => parseStatusLabel(name) !== null);
    }
    for (const name of statusLabels) {
      if (name !== wanted) await this.client.labels.remove(repo.owner, repo.name, issue.number, name);
    }
    return { ...LABELS_BOARD };
  }
}
