import { redactSecrets } from '../config/redact.ts';
import type { DbOrTx } from '../db/client.ts';
import type { NamedLocks } from '../db/named-lock.ts';
import { findRepo } from '../db/repos.ts';
import type { RepoRef } from '../domain/payloads.ts';
import type { CommentWriter } from '../publish/comment-writer.ts';
import { withIssueLock } from '../publish/issue-lock.ts';

export interface DeliveryFailureDeps {
  db: DbOrTx;
  locks: NamedLocks;
  comments: Pick<CommentWriter, 'ensure'>;
  /** Secret values that must never reach a comment. */
  secrets: readonly string[];
}

/** A delivery that failed for good, as the queue's permanent-failure hook reports it. */
export interface FailedDelivery {
  deliveryId: string;
  /** `issue_comment.created`, `push`, … */
  name: string;
  repo: RepoRef | null;
  issueNumber: number | null;
  error: Error;
  reason: 'permanent' | 'attempts_exhausted';
  attempts: number;
}

/**
 * A delivery that failed for good leaves a comment on its issue that says what failed and what
 * to do (docs/architecture.md, Event rules: nothing is swallowed). Keyed by the delivery, so it
 * is posted once.
 */
export async function reportDeliveryFailure(
  deps: DeliveryFailureDeps,
  failure: FailedDelivery,
): Promise<void> {
  if (!failure.repo || failure.issueNumber === null) return;
  const repo = await findRepo(deps.db, failure.repo.fullName);
  if (!repo) return; // not a repository AiWorker has worked in: nobody is waiting for an answer
  const ref = { owner: failure.repo.owner, repo: failure.repo.name, number: failure.issueNumber };
  const why =
    failure.reason === 'attempts_exhausted'
      ? `It kept failing after ${failure.attempts} attempts`
      : 'It failed in a way that retrying would not fix';
  const message = redactSecrets(failure.error.message, deps.secrets).slice(0, 2_000);
  await withIssueLock(deps.locks, repo, failure.issueNumber, () =>
    deps.comments.ensure(
      ref,
      { kind: 'failure', attrs: { delivery: failure.deliveryId } },
      [
        `### ⚠️ AiWorker could not process \`${failure.name}\``,
        '',
        `${why}: ${message}`,
        '',
        'Nothing was half-applied: try the command again, or ask whoever runs AiWorker to check its logs for delivery',
        `\`${failure.deliveryId}\`, then redeliver it from the repository's webhook settings.`,
      ].join('\n'),
    ),
  );
}
