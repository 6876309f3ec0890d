import type { HandlerRegistrar } from '../domain/events.ts';
import type { RepoSettingsService } from '../gitea/repo-settings.ts';

/**
 * A push may change `.gitea/aiworker.yaml`: the next read of the repository's settings checks
 * the branch head again instead of trusting a recent one.
 */
export function registerRepoSettingsHandler(
  app: HandlerRegistrar,
  deps: { settings: Pick<RepoSettingsService, 'invalidate'> },
): void {
  app.on('push', (ctx) => {
    if (ctx.repo) deps.settings.invalidate(ctx.repo.owner, ctx.repo.name);
  });
}
