import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.ts';
import { type McpSession, McpSessionRegistry } from '../../src/mcp/sessions.ts';

/** The session registry: idle sessions are closed, a run cannot hoard sessions, the cap holds. */

const log = createLogger({ level: 'silent' });
let clock = 0;
let registry: McpSessionRegistry;

async function session(id: string, runId: number): Promise<{ session: McpSession; closed: () => boolean }> {
  const server = new McpServer({ name: 'test', version: '1' });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => id });
  let closed = false;
  transport.onclose = () => {
    closed = true;
    registry.forget(id);
  };
  await server.connect(transport);
  return {
    session: { id, transport, server, tokenHash: `hash-${runId}`, runId, lastSeenAt: clock },
    closed: () => closed,
  };
}

beforeEach(() => {
  clock = 0;
});

afterEach(async () => {
  await registry.closeAll();
});

describe('McpSessionRegistry', () => {
  it('closes sessions unused for longer than the idle time, and keeps the others', async () => {
    registry = new McpSessionRegistry({
      idleMs: 1_000,
      maxSessions: 10,
      maxPerRun: 4,
      log,
      clock: () => clock,
    });
    const old = await session('old', 1);
    registry.add(old.session);
    clock = 600;
    const fresh = await session('fresh', 2);
    registry.add(fresh.session);
    clock = 1_500;
    await registry.sweepIdle();
    expect(old.closed()).toBe(true);
    expect(registry.get('old')).toBeUndefined();
    expect(registry.get('fresh')).toBe(fresh.session);
    registry.touch(fresh.session);
    clock = 2_400;
    await registry.sweepIdle();
    expect(registry.size).toBe(1);
  });

  it("makes room for a run by closing that run's least recently used session", async () => {
    registry = new McpSessionRegistry({
      idleMs: 60_000,
      maxSessions: 10,
      maxPerRun: 2,
      log,
      clock: () => clock,
    });
    const a = await session('a', 1);
    const b = await session('b', 1);
    const other = await session('c', 2);
    for (const s of [a, b, other]) registry.add(s.session);
    clock = 10;
    registry.touch(a.session);
    expect(await registry.makeRoom(1)).toBe(true);
    expect(b.closed()).toBe(true);
    expect(a.closed()).toBe(false);
    expect(other.closed()).toBe(false);
  });

  it('refuses a new session when the process holds the most it may', async () => {
    registry = new McpSessionRegistry({
      idleMs: 60_000,
      maxSessions: 2,
      maxPerRun: 4,
      log,
      clock: () => clock,
    });
    registry.add((await session('a', 1)).session);
    registry.add((await session('b', 2)).session);
    expect(await registry.makeRoom(3)).toBe(false);
    clock = 61_000;
    expect(await registry.makeRoom(3)).toBe(true);
  });
});
