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

  /** Puts the status label of `state` on the issue (see `placeStatusLabel`). */
  async place(repo: BoardRepo, _board: BoardRef, issue: BoardIssue, state: TaskState): Promise<BoardRef> {
    await placeStatusLabel(this.client, repo, issue.number, statusLabelFor(state));
    return { ...LABELS_BOARD };
  }
}

/** What placing a status label needs from the client. */
export type StatusLabelClient = GiteaPick<{ issues: 'get'; labels: 'add' | 'remove' }>;

/**
 * Puts `wanted` (an `ai-status/*` label, or none) on the issue and takes every other
 * `ai-status/*` label off (Gitea removes them on add, as the labels are exclusive; any left over
 * are removed one by one). Reads the issue first: nothing is written when the labels are
 * already right. The one place status labels are placed.
 */
export async function placeStatusLabel(
  client: StatusLabelClient,
  repo: BoardRepo,
  issueNumber: number,
  wanted: string | null,
): Promise<void> {
  const current = await client.issues.get(repo.owner, repo.name, issueNumber);
  let statusLabels = current.labels
    .map((label) => label.name)
    .filter((name) => parseStatusLabel(name) !== null);
  if (wanted !== null && !statusLabels.includes(wanted)) {
    const after = await client.labels.add(repo.owner, repo.name, issueNumber, [wanted]);
    statusLabels = after.map((label) => label.name).filter((name) => parseStatusLabel(name) !== null);
  }
  for (const name of statusLabels) {
    if (name !== wanted) await client.labels.remove(repo.owner, repo.name, issueNumber, name);
  }
}
