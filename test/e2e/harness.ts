import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../src/app/runtime.ts';
import { type Env, loadEnv } from '../../src/config/env.ts';
import { createLogger } from '../../src/config/logger.ts';
import { createGiteaClient, type GiteaClient } from '../../src/gitea/client.ts';
import { setupRepo } from '../../src/gitea/setup.ts';
import { DELIVERY_QUEUE_NAME } from '../../src/queue/delivery-job.ts';
import { WORK_QUEUE_NAME } from '../../src/queue/work-queue.ts';
import { type DeliveryOrder, type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';
import {
  clearRedisPrefix,
  createTestDatabase,
  createTestRedis,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueName,
} from '../support/services.ts';

/**
 * A whole AiWorker (HTTP + workers, real MariaDB and Redis) wired to the Gitea fake, with a
 * repository set up exactly as `aiworker setup` does. Tests act as people in Gitea
 * (`gitea.as('alice')…`) and read Gitea's state, like a user would.
 */

export const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789';
export const BOT = 'aiworker-bot';
export const REPO = 'acme/shop';

export const SHOP_FILES: Record<string, string> = {
  'package.json': JSON.stringify(
    {
      name: 'shop',
      private: true,
      scripts: { test: 'vitest run' },
      dependencies: { express: '^4.19.0', react: '^18.3.0', '@prisma/client': '^5.10.0' },
      devDependencies: { vitest: '^1.6.0', typescript: '^5.4.0', prisma: '^5.10.0' },
    },
    null,
    2,
  ),
  'README.md': '# Shop\n\nAn online shop: catalogue, cart and checkout for our small business customers.\n',
  'src/server.ts': "import express from 'express';\nexport const app = express();\n",
  'src/cart/cart.ts': 'export interface CartItem { sku: string; quantity: number; priceCents: number }\n',
  'src/checkout/checkout.ts':
    'export async function checkout(cartId: string) {\n  // TODO: take payment\n  return { cartId };\n}\n',
  'src/orders/orders.ts': 'export interface Order { id: string; totalCents: number; status: string }\n',
  'prisma/schema.prisma': 'model Order {\n  id String @id\n  totalCents Int\n}\n',
  'web/src/App.tsx': 'export function App() { return null; }\n',
};

export interface Harness {
  gitea: GiteaFake;
  /** The files of the repository's default branch at the start. */
  files: Record<string, string>;
  runtime: Runtime;
  /** The environment the bot runs with. */
  env: Env;
  /** The Gitea client the bot runs with (built here, so a test can wrap one of its calls). */
  botGitea: GiteaClient;
  db: TestDatabase;
  prefix: string;
  /** Waits until every webhook is delivered and both queues are empty (stable twice in a row). */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  files?: Record<string, string>;
  label: string;
  /** Agent runner settings passed to the runtime (see agents-harness.ts). */
  agents?: RuntimeOptions['agents'];
  /**
   * How the Gitea fake orders webhook deliveries. Default: like Gitea's worker pool (4 workers),
   * seeded by E2E_DELIVERY_SEED (default 1) so a failure replays with the same seed.
   */
  delivery?: DeliveryOrder;
}

/** The delivery order of every harness that does not choose one. */
export function defaultDeliveryOrder(env: NodeJS.ProcessEnv = process.env): DeliveryOrder {
  const raw = env.E2E_DELIVERY_SEED ?? '1';
  if (raw === 'in-order') return { mode: 'in-order' };
  const seed = Number(raw);
  if (!Number.isInteger(seed))
    throw new Error(`E2E_DELIVERY_SEED must be an integer or "in-order", got "${raw}"`);
  return { mode: 'pool', workers: 4, seed };
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const gitea = await startGiteaFake({ delivery: options.delivery ?? defaultDeliveryOrder() });
  const bot = gitea.addUser(BOT, { password: 'bot-password-123' });
  gitea.addUser('alice');
  gitea.addUser('bob');
  gitea.addUser('carol');
  gitea.addUser('acme-admin');
  gitea.addUser('acme'); // the owning organisation, as a user (the fake has no organisations)
  const files = options.files ?? SHOP_FILES;
  gitea.createRepo('acme', 'shop', { files, description: 'Our web shop' });
  gitea.setPermission(REPO, BOT, 'admin');
  gitea.setPermission(REPO, 'alice', 'write');
  gitea.setPermission(REPO, 'acme-admin', 'admin');
  // bob and carol are not collaborators: they may read (public repo) and comment.

  const db = await createTestDatabase(options.label);
  const prefix = `aiwt-${uniqueName(options.label)}`;
  const env = loadEnv({
    PORT: '0',
    GITEA_URL: gitea.url,
    GITEA_TOKEN: bot.token,
    WEBHOOK_SECRET,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent',
    ...options.env,
  } as NodeJS.ProcessEnv);
  const logger = createLogger({ level: env.LOG_LEVEL });
  const botGitea = createGiteaClient({ baseUrl: gitea.url, token: bot.token, logger });
  const runtime = await startRuntime({
    env,
    logger,
    roles: { http: true, workers: true },
    queuePrefix: prefix,
    host: '127.0.0.1',
    sweepIntervalMs: 0,
    backoffMs: 50,
    agents: options.agents,
    gitea: botGitea,
  });
  const client = createGiteaClient({ baseUrl: gitea.url, token: bot.token });
  await setupRepo(client, {
    owner: 'acme',
    repo: 'shop',
    publicUrl: runtime.url!,
    webhookSecret: WEBHOOK_SECRET,
  });

  const redis = createTestRedis();
  const queues = [DELIVERY_QUEUE_NAME, WORK_QUEUE_NAME].map(
    (name) => new Queue(name, { connection: redis, prefix }),
  );
  const busy = async () => {
    let total = 0;
    for (const queue of queues) {
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'waiting-children',
      );
      total += Object.values(counts).reduce((a, b) => a + b, 0);
    }
    return total;
  };
  async function settle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (Date.now() < deadline) {
      await gitea.waitForDeliveries();
      const pending = await busy();
      quiet = pending === 0 ? quiet + 1 : 0;
      if (quiet >= 3) return;
      await sleep(25);
    }
    throw new Error(`the bot did not settle within ${timeoutMs} ms`);
  }
  return {
    gitea,
    files,
    runtime,
    env,
    botGitea,
    db,
    prefix,
    settle,
    async close() {
      await runtime.close();
      for (const queue of queues) await queue.close();
      await clearRedisPrefix(redis, prefix);
      redis.disconnect();
      await gitea.close();
      await db.drop();
    },
  };
}

/** The bot's comments on an issue, by marker kind (hidden markers are part of the body). */
export function botComments(gitea: GiteaFake, number: number, kind?: string) {
  return gitea
    .comments(REPO, number)
    .filter((c) => c.user === BOT && (kind === undefined || c.body.includes(`<!-- aiworker:${kind} `)));
}
