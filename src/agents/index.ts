import type { Env } from '../config/env.ts';
import { secretValues } from '../config/env.ts';
import type { Logger } from '../config/logger.ts';
import type { WorkKind, WorkProcessor } from '../domain/work.ts';
import type { AgentControl } from './control.ts';
import { Dispatcher } from './dispatcher.ts';
import type { AgentRunDeps, DispatcherSettings } from './run-deps.ts';
import { createKubernetesRunner } from './runners/kubernetes.ts';
import { LocalRunner } from './runners/local.ts';
import type { AgentRunner } from './runners/types.ts';
import { startPeriodic } from './watchdog.ts';

/**
 * Coding agents in one call for the composition root: the runner chosen by AGENT_RUNNER, the
 * dispatcher (the AgentControl of the `/dispatch`, `/retry`, `/cancel` commands and of the
 * readiness changes), the runner watch, the periodic reconcile + watchdog, and the `dispatch`
 * work processor. With AGENT_RUNNER=none there is no dispatcher (control: null).
 */

export interface StartAgentsOptions {
  env: Env;
  deps: AgentRunDeps;
  /** The bot's login (per-run git tokens are minted under it). */
  botLogin: string;
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
}

export interface Agents {
  /** What commands and jobs ask of the dispatcher; null without a runner. */
  control: AgentControl | null;
  /** Work processors to add to the work worker (kind `dispatch`). */
  processors: Partial<Record<WorkKind, WorkProcessor>>;
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
  const { env, deps } = options;
  const logger = deps.log.child({ component: 'agents' });
  const runner = options.runner ?? createRunner(options, logger);
  if (!runner) {
    logger.info('AGENT_RUNNER=none: subtasks are not dispatched to agents');
    return { control: null, processors: {}, close: async () => undefined };
  }
  const dispatcher = new Dispatcher(deps, runner, {
    runnerKind: runner.kind,
    maxConcurrent: env.AGENT_MAX_CONCURRENT,
    publicUrl: env.PUBLIC_URL,
    giteaUrl: env.GITEA_URL,
    botLogin: options.botLogin,
    botPassword: env.GITEA_BOT_PASSWORD,
    agentGitToken: env.AGENT_GIT_TOKEN,
    cloneUrlFor: options.cloneUrlFor,
  });
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
    control: dispatcher,
    processors: { dispatch: (job) => dispatcher.processJob(job) },
    async close() {
      await periodic.stop();
      await dispatcher.close();
      await runner.close();
    },
  };
}
