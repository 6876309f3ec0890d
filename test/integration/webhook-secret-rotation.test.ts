import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGiteaClient, type GiteaClient } from '../../src/gitea/client.ts';
import { formatSetupReport, setupRepo } from '../../src/gitea/setup.ts';
import { verifySignature } from '../../src/server/signature.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';

/**
 * Rotating WEBHOOK_SECRET and running `aiworker setup` again must leave a hook that signs with
 * the new secret, on every supported Gitea: their hook edit never changes a secret, and only
 * 1.26 names hooks, so the secret's fingerprint rides in the hook's URL. The receiver checks
 * signatures like AiWorker's webhook endpoint does.
 */

const REPO = 'acme/shop';
const OLD_SECRET = 'old-webhook-secret-0123456789';
const NEW_SECRET = 'new-webhook-secret-9876543210';

interface CheckingReceiver {
  publicUrl: string;
  secret: string;
  close(): Promise<void>;
}

/** Answers 202 to a delivery signed with `secret`, 401 otherwise. */
async function startCheckingReceiver(secret: string): Promise<CheckingReceiver> {
  const receiver = { secret } as CheckingReceiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const check = verifySignature(receiver.secret, Buffer.concat(chunks), {
        giteaSignature: req.headers['x-gitea-signature'] as string | undefined,
      });
      res.writeHead(check === 'valid' ? 202 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

for (const version of ['1.24.7', '1.25.4', '1.26.3']) {
  describe(`webhook secret rotation on Gitea ${version}`, () => {
    let fake: GiteaFake;
    let client: GiteaClient;
    let receiver: CheckingReceiver;

    beforeEach(async () => {
      fake = await startGiteaFake({ version });
      fake.addUser('acme');
      fake.addUser('alice');
      const bot = fake.addUser('aiworker-bot');
      fake.createRepo('acme', 'shop');
      fake.setPermission(REPO, 'aiworker-bot', 'admin');
      client = createGiteaClient({ baseUrl: fake.url, token: bot.token, retry: { baseDelayMs: 1 } });
      receiver = await startCheckingReceiver(OLD_SECRET);
    });

    afterEach(async () => {
      await fake.close();
      await receiver.close();
    });

    const setup = (webhookSecret: string) =>
      setupRepo(client, { owner: 'acme', repo: 'shop', publicUrl: receiver.publicUrl, webhookSecret });

    /** Statuses of the deliveries caused by opening one more issue. */
    async function deliverOne(title: string): Promise<Array<number | null>> {
      await fake.waitForDeliveries();
      const before = fake.deliveries.length;
      await fake.as('alice').openIssue(REPO, { title });
      await fake.waitForDeliveries();
      return fake.deliveries.slice(before).map((delivery) => delivery.status);
    }

    it('replaces the hook, new one first, and the receiver accepts what follows', async () => {
      expect((await setup(OLD_SECRET)).webhook.outcome).toBe('created');
      expect(await deliverOne('before rotation')).toEqual([202]);

      receiver.secret = NEW_SECRET;
      fake.resetCalls();
      const report = await setup(NEW_SECRET);
      expect(report.webhook).toMatchObject({
        outcome: 'replaced',
        reason: 'secret-changed',
      });
      expect(formatSetupReport(report)).toMatch(
        /webhook .+: replaced: .+; Gitea cannot change a hook's secret in place/,
      );
      const writes = fake.calls.filter((call) => call.method !== 'GET' && call.path.includes('/hooks'));
      expect(writes.map((call) => call.method)).toEqual(['POST', 'DELETE']);
      expect(await client.hooks.list('acme', 'shop')).toHaveLength(1);

      const statuses = await deliverOne('after rotation');
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses.every((status) => status === 202)).toBe(true);
    });

    it('runs again with the same secret and keeps one working hook', async () => {
      await setup(NEW_SECRET);
      receiver.secret = NEW_SECRET;
      fake.resetCalls();
      const again = await setup(NEW_SECRET);
      // The hook's URL carries the secret's fingerprint: nothing to do.
      expect(again.webhook.outcome).toBe('unchanged');
      expect(fake.calls.filter((call) => call.method !== 'GET')).toEqual([]);
      expect(await client.hooks.list('acme', 'shop')).toHaveLength(1);
      expect(await deliverOne('still delivered')).toEqual([202]);
    });

    it('replaces a hook to its endpoint that someone made by hand, whose secret it cannot know', async () => {
      fake.addHook(REPO, { url: `${receiver.publicUrl}/webhooks/gitea`, secret: 'typed-in-by-a-person-123' });
      receiver.secret = NEW_SECRET;
      const report = await setup(NEW_SECRET);
      expect(report.webhook).toMatchObject({ outcome: 'replaced', reason: 'secret-unknown' });
      expect(await client.hooks.list('acme', 'shop')).toHaveLength(1);
      expect(await deliverOne('after adoption')).toEqual([202]);
    });
  });
}
