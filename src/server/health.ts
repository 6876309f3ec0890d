import { type Request, type Response, Router } from 'express';
import type { Registry } from 'prom-client';

/**
 * GET /healthz: the process is up (no dependency is checked, so a Redis outage does not get
 * every replica restarted). GET /readyz: MariaDB and Redis answer; 503 names which do not.
 * GET /metrics: Prometheus text of this instance's registry.
 */

/** Named dependency checks; each resolves when the dependency answers. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface OpsRouterOptions {
  readiness: ReadinessChecks;
  registry: Registry;
  /** Longest a single readiness check may take (default 2 s). */
  checkTimeoutMs?: number;
}

export function createOpsRouter(options: OpsRouterOptions): Router {
  const router = Router();
  const timeoutMs = options.checkTimeoutMs ?? 2_000;

  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req: Request, res: Response) => {
    const results = await Promise.all(
      Object.entries(options.readiness).map(
        async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const,
      ),
    );
    const checks = Object.fromEntries(results);
    const down = results.filter(([, result]) => result !== 'up').map(([name]) => name);
    res
      .status(down.length === 0 ? 200 : 503)
      .json({ status: down.length === 0 ? 'ready' : 'unavailable', down, checks });
  });

  router.get('/metrics', async (_req: Request, res: Response) => {
    const text = await options.registry.metrics();
    res.type(options.registry.contentType).send(text);
  });

  return router;
}

/** 'up', or 'down: <why>'. */
async function runCheck(check: () => Promise<unknown>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'up';
  } catch (error) {
    return `down: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}
