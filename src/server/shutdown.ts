import type { Logger } from '../config/logger.ts';

/** One thing to stop at shutdown, e.g. `{ name: 'http', close: () => server.close() }`. */
export interface ShutdownStep {
  name: string;
  close: () => Promise<unknown>;
}

export interface ShutdownOptions {
  logger: Logger;
  signals?: NodeJS.Signals[];
  /** Called once every step ran; default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: runs the steps in order (stop taking requests, stop
 * the workers and let in-flight jobs finish, close Redis and MariaDB), then exits — 0 when
 * every step succeeded, 1 otherwise. A second signal exits at once. Returns a function that
 * runs the same sequence without a signal, and removes the listeners.
 */
export function handleShutdownSignals(
  steps: ShutdownStep[],
  options: ShutdownOptions,
): () => Promise<number> {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: Promise<number> | undefined;

  const shutdown = (reason: string): Promise<number> => {
    running ??= (async () => {
      options.logger.info({ reason }, 'shutting down');
      let code = 0;
      for (const step of steps) {
        try {
          await step.close();
          options.logger.info({ step: step.name }, 'stopped');
        } catch (error) {
          code = 1;
          options.logger.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      }
      for (const signal of signals) process.off(signal, onSignal);
      return code;
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      options.logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    void shutdown(signal).then(exit);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => shutdown('requested');
}
