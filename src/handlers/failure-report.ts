import { findRepo } from '../db/repos.ts';
import { redactSecrets } from '../planning/llm/redact.ts';
import type { DeliveryFailure } from '../queue/delivery-processor.ts';
import type { BotDeps } from './bot.ts';
import { withIssueLock } from './publish.ts';

/**
 * A delivery that failed for good leaves a comment on its issue that says what failed and what
 * to do (docs/architecture.md §3: nothing is swallowed). Keyed by the delivery, so it is posted once.
 */
export async function reportDeliveryFailure(deps: BotDeps, failure: DeliveryFailure): Promise<void> {
  if (!failure.repo || failure.issueNumber === null) return;
  const repo = await findRepo(deps.db, failure.repo.fullName);
  if (!repo) return; // not a repository AiWorker has worked in: nobody is waiting for an answer
  const ref = { owner: failure.repo.owner, repo: failure.repo.name, number: failure.issueNumber };
  const why =
    failure.reason === 'attempts_exhausted'
      ? `It kept failing after ${failure.attempts} attempts`
      : 'It failed in a way that retrying would not fix';
  const message = redactSecrets(failure.error.message, deps.secrets).slice(0, 2_000);
  await withIssueLock(deps, repo, failure.issueNumber, () =>
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
