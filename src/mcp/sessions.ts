import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from '../config/logger.ts';

/**
 * Open MCP sessions of this process. A session is bound to the token that opened it (by hash),
 * so a session id alone is worth nothing to someone holding another token. Sessions hold no
 * state of their own — every tool reads the database — so losing them (a restart, the idle
 * sweep) costs an agent only a new `initialize` (clients do that on the 404 the spec requires).
 */

export interface McpSession {
  id: string;
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  tokenHash: string;
  runId: number;
  lastSeenAt: number;
}

export interface McpSessionRegistryOptions {
  /** Sessions unused this long are closed. */
  idleMs: number;
  /** Sessions open at once in this process. */
  maxSessions: number;
  /** Sessions of one run; opening one more closes that run's least recently used. */
  maxPerRun: number;
  log: Logger;
  clock?: () => number;
}

export class McpSessionRegistry {
  private readonly sessions = new Map<string, McpSession>();
  private readonly clock: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: McpSessionRegistryOptions) {
    this.clock = options.clock ?? Date.now;
    this.sweeper = setInterval(() => void this.sweepIdle(), Math.min(options.idleMs, 60_000));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): McpSession | undefined {
    return this.sessions.get(id);
  }

  touch(session: McpSession): void {
    session.lastSeenAt = this.clock();
  }

  /** Whether a session for this run can be opened (after closing idle ones if needed). */
  async makeRoom(runId: number): Promise<boolean> {
    const ofRun = [...this.sessions.values()]
      .filter((session) => session.runId === runId)
      .sort((a, b) => a.lastSeenAt - b.lastSeenAt);
    for (const session of ofRun.slice(0, Math.max(0, ofRun.length - this.options.maxPerRun + 1))) {
      await this.close(session.id, 'the run opened a newer session');
    }
    if (this.sessions.size >= this.options.maxSessions) await this.sweepIdle();
    return this.sessions.size < this.options.maxSessions;
  }

  add(session: McpSession): void {
    this.sessions.set(session.id, session);
    this.options.log.info({ session: session.id, runId: session.runId }, 'MCP session opened');
  }

  /** Drops a session whose transport closed (DELETE, or closed by us). */
  forget(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.options.log.info({ session: id, runId: session.runId }, 'MCP session closed');
  }

  async close(id: string, why: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.options.log.info({ session: id, runId: session.runId, why }, 'closing MCP session');
    this.forget(id);
    await session.server
      .close()
      .catch((error: unknown) =>
        this.options.log.warn({ err: error, session: id }, 'MCP session did not close cleanly'),
      );
  }

  async sweepIdle(): Promise<void> {
    const cutoff = this.clock() - this.options.idleMs;
    for (const session of [...this.sessions.values()]) {
      if (session.lastSeenAt < cutoff) await this.close(session.id, 'idle');
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    for (const id of [...this.sessions.keys()]) await this.close(id, 'shutdown');
  }
}
