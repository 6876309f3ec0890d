import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createNodeMiddleware, Probot } from 'probot';

/**
 * The comparison point of the ingest benchmark: a Probot 14 app that verifies and parses each
 * webhook and runs a handler that does nothing. Gitea sends X-GitHub-Event,
 * X-GitHub-Delivery and X-Hub-Signature-256, so Probot accepts its deliveries as they are.
 * The GitHub App key is generated on the spot: it is never used to call anything.
 */

export interface RunningProbot {
  port: number;
  close(): Promise<void>;
}

export async function startProbotNoop(options: {
  secret: string;
  path: string;
  port?: number;
}): Promise<RunningProbot> {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const probot = new Probot({ appId: 1, privateKey, secret: options.secret, logLevel: 'warn' });
  const middleware = await createNodeMiddleware(
    (app) => {
      app.onAny(async () => {});
    },
    { probot, webhooksPath: options.path },
  );
  const server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Run as its own process by the ingest benchmark, so it gets a core of its own like our server.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.BENCH_WEBHOOK_SECRET;
  const path = process.env.BENCH_WEBHOOK_PATH ?? '/webhooks/gitea';
  if (!secret) throw new Error('BENCH_WEBHOOK_SECRET is required');
  const running = await startProbotNoop({ secret, path });
  process.stdout.write(`${JSON.stringify({ port: running.port })}\n`);
  process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
}
