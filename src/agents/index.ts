import type { Env } from '../config/env.ts';
import { secretValues } from '../config/env.ts';
import type { Logger } from '../config/logger.ts';
import type { HandlerRegistrar } from '../domain/events.ts';
import type { WorkKind, WorkProcessor } from '../domain/work.ts';
import { createGiteaClient } from '../gitea/client.ts';
import type { BotDeps } from '../handlers/bot.ts';
import { registerPullRequestActivityHandlers } from '../handlers/pull-request-activity.ts';
import { registerPullRequestHandlers } from '../handlers/pull-requests.ts';
import {
  type AgentsGitea,
  attachDispatcher,
  Dispatcher,
  type DispatcherSettings,
  detachDispatcher,
} from './dispatcher.ts';
import { createKubernetesRunner } from './runners/kubernetes.ts';
import { LocalRunner } from './runners/local.ts';
import type { AgentRunner } from './runners/types.ts';
import { startPeriodic } from './watchdog.ts';

/**
 * Coding agents in one call for the composition root: the runner chosen by AGENT_RUNNER, the
 * dispatcher (reachable from the `/dispatch`, `/retry`, `/cancel` commands through the deps),
 * the pull request handlers (state, new commits, reviews), the runner watch and the periodic reconcile + watchdog, and the
 * `dispatch` work processor. With AGENT_RUNNER=none only the pull request handlers run.
 */

export interface StartAgentsOptions {
  env: Env;
  deps: BotDeps;
  registry: HandlerRegistrar;
  logger?: Logger;
  /** A ready runner instead of the one AGENT_RUNNER names (tests). */
  runner?: AgentRunner;
  /** Local runner: where run directories live (default `<tmpdir>/aiworker-runs`). */
  localRoot?: string;
  /** Local runner: extra variables every agent gets (e.g. a model API key). None by default. */
  agentEnv?: Readonly<Record<string, string>>;
  /** Where runners clone from; default the clone URL Gitea reports. */
  cloneUrlFor?: DispatcherSettings['cloneUrlFor'];
  /** How often runs are reconciled with the runner and the watchdog looks (ms). Default 30 s. */
  reconcileIntervalMs?: number;
  /** Gitea client for token minting and pull request lookups; default one built from the env. */
  gitea?: AgentsGitea;
}

export interface Agents {
  /** Work processors to add to the work worker (kind `dispatch`). */
  processors: Partial<Record<WorkKind, WorkProcessor>>;
  dispatcher: Dispatcher | null;
  close(): Promise<void>;
}

export function createRunner(
  options: Pick<StartAgentsOptions, 'env' | 'localRoot' | 'agentEnv'>,
  logger: Logger,
): AgentRunner | null {
  const { env } = options;
  switch (env.AGENT_RUNNER) {
    case 'none':
      return null;
    case 'local':
      return new LocalRunner({
        command: env.AGENT_COMMAND ?? '',
        root: options.localRoot,
        secrets: secretValues(env),
        agentEnv: options.agentEnv,
        logger: logger.child({ runner: 'local' }),
      });
    case 'kubernetes':
      return createKubernetesRunner(env, { redact: secretValues(env), logger });
  }
}

export async function startAgents(options: StartAgentsOptions): Promise<Agents> {
  const { env, deps, registry } = options;
  const logger = (options.logger ?? deps.log).child({ component: 'agents' });
  registerPullRequestHandlers(registry, deps);
  registerPullRequestActivityHandlers(registry, deps);
  const runner = options.runner ?? createRunner(options, logger);
  if (!runner) {
    logger.info('AGENT_RUNNER=none: subtasks are not dispatched to agents');
    return { processors: {}, dispatcher: null, close: async () => undefined };
  }
  const gitea =
    options.gitea ?? createGiteaClient({ baseUrl: env.GITEA_URL, token: env.GITEA_TOKEN, logger });
  const dispatcher = new Dispatcher(deps, gitea, runner, {
    runnerKind: runner.kind,
    maxConcurrent: env.AGENT_MAX_CONCURRENT,
    publicUrl: env.PUBLIC_URL,
    giteaUrl: env.GITEA_URL,
    botLogin: deps.botLogin,
    botPassword: env.GITEA_BOT_PASSWORD,
    agentGitToken: env.AGENT_GIT_TOKEN,
    cloneUrlFor: options.cloneUrlFor,
  });
  attachDispatcher(deps, dispatcher);
  dispatcher.watch();
  // The first reconcile re-attaches to the runs of a previous process and launches queued ones.
  const periodic = startPeriodic(
    'agent run reconcile',
    options.reconcileIntervalMs ?? 30_000,
    () => dispatcher.reconcile(),
    logger,
  );
  logger.info({ runner: runner.kind, maxConcurrent: env.AGENT_MAX_CONCURRENT }, 'agent dispatcher ready');
  return {
    processors: { dispatch: (job) => dispatcher.processJob(job) },
    dispatcher,
    async close() {
      await periodic.stop();
      await dispatcher.close();
      detachDispatcher(deps);
      await runner.close();
    },
  };
}
