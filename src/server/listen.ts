import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { type HttpApp, requestListenerFor } from './app.ts';

export interface RunningServer {
  server: Server;
  /** The bound port (useful with port 0). */
  port: number;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish (up to `graceMs`, default 5 s), then closes. */
  close(graceMs?: number): Promise<void>;
}

/** Starts listening; resolves once the port is bound. Webhooks take the fast path of `requestListenerFor`. */
export function listen(
  app: Express | HttpApp,
  options: { port: number; host?: string },
): Promise<RunningServer> {
  const server = createServer(requestListenerFor(app));
  // Gitea reuses connections; keep them a little longer than a typical proxy's idle timeout.
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '0.0.0.0';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        server,
        port,
        url: `http://${shownHost}:${port}`,
        close: (graceMs = 5_000) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => server.closeAllConnections(), graceMs);
            force.unref();
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
