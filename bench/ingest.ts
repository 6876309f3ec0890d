import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { createLogger } from '../src/config/logger.ts';
import type { GiteaEventType } from '../src/domain/event-names.ts';
import { createDeliveryQueue } from '../src/queue/delivery-queue.ts';
import { createHttpApp, WEBHOOK_PATH } from '../src/server/app.ts';
import { listen } from '../src/server/listen.ts';
import { createMetrics } from '../src/server/metrics.ts';
import { giteaEventHeaderFor, signPayload } from '../test/support/webhooks.ts';
import type { BenchSection } from './run.ts';

/**
 * Webhook ingest: how many signed deliveries per second each server verifies and answers, and
 * how long the answer takes. Ours verifies, parses and durably enqueues into Redis (BullMQ);
 * the reference is a Probot app that verifies, parses and runs a no-op handler (nothing is
 * stored). Same real Gitea payloads, same headers, same machine, same run, loopback only.
 *
 * Each server runs in its own process; autocannon runs in this one. Redis is a dedicated
 * redis-server started for the run with append-only persistence (fsync every second, as a
 * production BullMQ Redis runs), in a temporary directory removed afterwards.
 */

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CLOCK_TICKS = clockTicksPerSecond();
const WARMUP_S = 3;
const CONNECTIONS = 50;
const FIXED_RATE = 500;
const SECRET = 'bench-webhook-secret-0123456789';
const FIXTURES = new URL('../fixtures/gitea/', import.meta.url);
/** X-GitHub-Event values Probot (GitHub's event names) knows; Gitea's review groups are not among them. */
const GITHUB_NAMED = new Set(['issues', 'issue_comment', 'pull_request', 'push', 'create', 'release']);

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface AutocannonRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonRun extends PromiseLike<{ errors: number; timeouts: number }> {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void,
  ): void;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: AutocannonRequest[];
}) => AutocannonRun;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Payload {
  file: string;
  body: string;
  headers: Record<string, string>;
}

interface Measurement {
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

export const ingestSection: BenchSection = {
  name: 'ingest',
  description: 'signed webhook deliveries verified and enqueued (vs. a no-op Probot app)',
  run: runIngest,
};

function loadPayloads(): Payload[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      const eventType = file.split('.')[0] as GiteaEventType;
      const event = giteaEventHeaderFor(eventType);
      if (!GITHUB_NAMED.has(event)) return [];
      const body = readFileSync(new URL(file, FIXTURES), 'utf8');
      const signature = signPayload(SECRET, body);
      // Every header Gitea 1.26 sends with a delivery.
      const headers = {
        'content-type': 'application/json',
        'x-gitea-event': event,
        'x-gitea-event-type': eventType,
        'x-gitea-signature': signature,
        'x-github-event': event,
        'x-github-event-type': eventType,
        'x-gogs-event': event,
        'x-gogs-event-type': eventType,
        'x-gogs-signature': signature,
        'x-hub-signature': `sha1=${'0'.repeat(40)}`,
        'x-hub-signature-256': `sha256=${signature}`,
      };
      return [{ file, body, headers }];
    });
}

async function runIngest({ machine }: { machine: string }): Promise<string> {
  const payloads = loadPayloads();
  const sizes = payloads.map((p) => Buffer.byteLength(p.body));
  console.log(
    `${payloads.length} real payloads, ${Math.min(...sizes)}–${Math.max(...sizes)} bytes, ` +
      `${ROUNDS} rounds of ${DURATION_S}s per run`,
  );
  const loadBefore = loadavg()[0] ?? 0;
  const children: ChildProcess[] = [];
  const workdir = mkdtempSync(join(tmpdir(), 'aiworker-bench-'));
  // Hard stop: whatever happens, nothing outlives the benchmark.
  const budgetMs = (ROUNDS * 6 * DURATION_S + 3 * WARMUP_S + 120) * 1000;
  const guard = setTimeout(() => {
    console.error('ingest benchmark exceeded its time budget; stopping');
    for (const child of children) child.kill('SIGKILL');
    process.exit(1);
  }, budgetMs);
  guard.unref();
  try {
    // Two Redis instances: one as a production queue runs (append-only file, fsync every
    // second) and one without persistence, to show what durability costs on this machine.
    const durable = await startRedis(await freePort(), workdir, 'yes');
    const volatile = await startRedis(await freePort(), workdir, 'no');
    children.push(durable.child, volatile.child);
    const redisVersion =
      ((await durable.admin.info('server')).match(/redis_version:(\S+)/) ?? [])[1] ?? 'unknown';

    const serve = (redis: StartedRedis) =>
      spawnServer(['--serve-aiworker'], { BENCH_REDIS_URL: redis.url }, children);
    const probotScript = fileURLToPath(new URL('./probot-noop.ts', import.meta.url));
    const targets: Target[] = [
      { name: 'AiWorker, Redis with AOF', ...(await serve(durable)), redis: durable, runs: [] },
      { name: 'AiWorker, Redis in memory', ...(await serve(volatile)), redis: volatile, runs: [] },
      { name: 'Probot 14 no-op', ...(await spawnServer([probotScript], {}, children)), runs: [] },
    ];
    for (const target of targets) {
      await measure(target.port, payloads, { connections: CONNECTIONS, duration: WARMUP_S });
      await target.redis?.admin.flushall();
    }
    // Rounds alternate between the servers, so that load from elsewhere on a shared machine
    // falls on all of them; each figure below is the best of the rounds.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of targets) {
        const before = cpuTicks(target);
        const max = await measure(target.port, payloads, { connections: CONNECTIONS, duration: DURATION_S });
        const after = cpuTicks(target);
        await target.redis?.admin.flushall(); // each run starts from an empty Redis; memory stays bounded
        const fixed = await measureAtFixedRate(target.port, payloads, FIXED_RATE, DURATION_S);
        await target.redis?.admin.flushall();
        const cpu = cpuPerDelivery(before, after, max.ok);
        target.runs.push({ max, fixed, cpu });
        console.log(
          `round ${round} ${target.name}: ${max.deliveriesPerSecond.toFixed(0)} deliveries/s, ` +
            `p50 ${max.p50.toFixed(2)} ms, p99 ${max.p99.toFixed(2)} ms; ` +
            `at ${FIXED_RATE}/s p50 ${fixed.p50.toFixed(2)} ms, p99 ${fixed.p99.toFixed(2)} ms; ` +
            `CPU ${cpu.server.toFixed(0)} µs/delivery${cpu.redis === undefined ? '' : ` + Redis ${cpu.redis.toFixed(0)} µs`}` +
            (max.failed + fixed.failed > 0 ? ` (${max.failed + fixed.failed} non-2xx or errors)` : ''),
        );
      }
    }
    durable.admin.disconnect();
    volatile.admin.disconnect();
    const serialisation = measureJobSerialisation(payloads);
    const summaries = targets.map(summarise) as [Summary, Summary, Summary];
    const probot = summaries[2];
    for (const summary of summaries) {
      const ratio =
        summary === probot
          ? ''
          : `, ${(summary.max.deliveriesPerSecond / probot.max.deliveriesPerSecond).toFixed(2)}× Probot`;
      console.log(
        `best of ${ROUNDS}, ${summary.name}: ${summary.max.deliveriesPerSecond.toFixed(0)} deliveries/s${ratio}; ` +
          `p50/p99 ack ${summary.max.p50.toFixed(2)}/${summary.max.p99.toFixed(2)} ms; ` +
          `at ${FIXED_RATE}/s p99 ${summary.fixed.p99.toFixed(2)} ms`,
      );
    }
    console.log(
      `job data serialisation per delivery: as text ${serialisation.rawUs.toFixed(1)} µs, as the parsed object ${serialisation.objectUs.toFixed(1)} µs`,
    );
    const load = { before: loadBefore, after: loadavg()[0] ?? 0 };
    return renderMarkdown({ machine, redisVersion, payloads, sizes, summaries, serialisation, load });
  } finally {
    clearTimeout(guard);
    for (const child of children.reverse()) {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
    await sleep(300);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(workdir, { recursive: true, force: true });
  }
}

interface StartedRedis {
  child: ChildProcess;
  url: string;
  admin: Redis;
}

interface Target {
  name: string;
  port: number;
  pid: number | undefined;
  redis?: StartedRedis;
  runs: Array<{ max: Measurement; fixed: Measurement; cpu: CpuPerDelivery }>;
}

interface CpuPerDelivery {
  server: number;
  redis: number | undefined;
}

interface Summary {
  name: string;
  max: Measurement;
  fixed: Measurement;
  cpu: CpuPerDelivery;
  rounds: number[];
  runs: Target['runs'];
}

function summarise(target: Target): Summary {
  const best = [...target.runs].sort((x, y) => y.max.deliveriesPerSecond - x.max.deliveriesPerSecond)[0];
  const calmest = [...target.runs].sort((x, y) => x.fixed.p99 - y.fixed.p99)[0];
  if (!best || !calmest) throw new Error(`no runs for ${target.name}`);
  return {
    name: target.name,
    max: best.max,
    fixed: calmest.fixed,
    cpu: best.cpu,
    rounds: target.runs.map((run) => Math.round(run.max.deliveriesPerSecond)),
    runs: target.runs,
  };
}

/** User + system CPU time of a process, in microseconds (Linux /proc; 0 elsewhere). */
function processCpuMicros(pid: number | undefined): number {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return 0;
  // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
}

function cpuTicks(target: Target): { server: number; redis: number | undefined } {
  return {
    server: processCpuMicros(target.pid),
    redis: target.redis === undefined ? undefined : processCpuMicros(target.redis.child.pid),
  };
}

function cpuPerDelivery(
  before: { server: number; redis: number | undefined },
  after: { server: number; redis: number | undefined },
  deliveries: number,
): CpuPerDelivery {
  const per = (a: number, b: number) => (deliveries > 0 ? (b - a) / deliveries : Number.NaN);
  return {
    server: per(before.server, after.server),
    redis:
      before.redis === undefined || after.redis === undefined ? undefined : per(before.redis, after.redis),
  };
}

async function measure(
  port: number,
  payloads: Payload[],
  options: { connections: number; duration: number },
): Promise<Measurement> {
  const latencies: number[] = [];
  let failed = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: options.connections,
    duration: options.duration,
    requests: payloads.map((payload) => ({
      method: 'POST',
      path: WEBHOOK_PATH,
      headers: payload.headers,
      body: payload.body,
      // A fresh delivery id per request: every delivery is new work, never a duplicate.
      setupRequest: (request: AutocannonRequest): AutocannonRequest => {
        const id = randomUUID();
        return {
          ...request,
          headers: {
            ...request.headers,
            'x-gitea-delivery': id,
            'x-github-delivery': id,
            'x-gogs-delivery': id,
          },
        };
      },
    })),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    else failed += 1;
  });
  const result = await instance;
  failed += result.errors + result.timeouts;
  latencies.sort((x, y) => x - y);
  return {
    deliveriesPerSecond: latencies.length / options.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ok: latencies.length,
    failed,
  };
}

/**
 * Latency at a steady rate, open loop: requests leave evenly spaced (whatever the answers do),
 * over a keep-alive pool, and each is timed from send to the end of its answer. autocannon's
 * own rate limit is not used here: it lets each connection send its quota for the second
 * back-to-back and then pause, so it measures bursts at full concurrency, not a steady rate.
 */
async function measureAtFixedRate(
  port: number,
  payloads: Payload[],
  rate: number,
  seconds: number,
): Promise<Measurement> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  let failed = 0;
  let sent = 0;
  const total = rate * seconds;
  const inFlight = new Set<Promise<void>>();
  const sendOne = (payload: Payload) => {
    const id = randomUUID();
    const started = performance.now();
    const done = new Promise<void>((resolve) => {
      const req = httpRequest(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: WEBHOOK_PATH,
          headers: {
            ...payload.headers,
            'x-gitea-delivery': id,
            'x-github-delivery': id,
            'x-gogs-delivery': id,
          },
        },
        (res) => {
          res.resume();
          res.once('end', () => {
            if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
              latencies.push(performance.now() - started);
            } else failed += 1;
            resolve();
          });
        },
      );
      req.once('error', () => {
        failed += 1;
        resolve();
      });
      req.end(payload.body);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  const start = performance.now();
  while (sent < total) {
    // Catch up to the schedule: timers fire late under load, the rate must not drift.
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (sent < due) sendOne(payloads[sent++ % payloads.length] as Payload);
    await sleep(1);
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((x, y) => x - y);
  return {
    deliveriesPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ok: latencies.length,
    failed,
  };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * BullMQ stores job data with JSON.stringify. Measures the two ways the endpoint could hand
 * the payload over: the received text as a string field (one escape pass), or the parsed
 * object (a full walk of it). Both include the parse that validates the body. Also the bytes
 * each stores in Redis.
 */
function measureJobSerialisation(payloads: Payload[]): Serialisation {
  const rounds = 4_000;
  const meta = { deliveryId: randomUUID(), event: 'issues', eventType: 'issues', receivedAt: Date.now() };
  const raw = (body: string) => {
    JSON.parse(body);
    return JSON.stringify({ ...meta, rawPayload: body });
  };
  const object = (body: string) => JSON.stringify({ ...meta, payload: JSON.parse(body) });
  const time = (fn: (body: string) => string): number => {
    let sink = 0;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) {
      for (const payload of payloads) sink += fn(payload.body).length;
    }
    const elapsed = performance.now() - start;
    if (sink === 0) throw new Error('nothing serialised');
    return (elapsed * 1000) / (rounds * payloads.length);
  };
  const bytes = (fn: (body: string) => string) =>
    payloads.reduce((sum, p) => sum + Buffer.byteLength(fn(p.body)), 0);
  time(raw);
  time(object); // warm both paths up
  return { rawUs: time(raw), objectUs: time(object), rawBytes: bytes(raw), objectBytes: bytes(object) };
}

interface Serialisation {
  rawUs: number;
  objectUs: number;
  rawBytes: number;
  objectBytes: number;
}

function renderMarkdown(r: {
  machine: string;
  redisVersion: string;
  payloads: Payload[];
  sizes: number[];
  summaries: [Summary, Summary, Summary];
  serialisation: Serialisation;
  load: { before: number; after: number };
}): string {
  const [durable, volatile, probot] = r.summaries;
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const micros = (value: number | undefined) => (value === undefined ? '—' : `${value.toFixed(0)} µs`);
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  const row = (label: string, cell: (s: Summary) => string) =>
    `| ${label} | ${r.summaries.map((s) => cell(s)).join(' | ')} |`;
  const ratioOf = (s: Summary) => s.max.deliveriesPerSecond / probot.max.deliveriesPerSecond;
  const date = new Date().toISOString().slice(0, 10);
  return `## Webhook ingest

Measured ${date} on: ${r.machine}; Redis ${r.redisVersion}. The machine is shared: its load average was ${r.load.before.toFixed(2)} when the run started and ${r.load.after.toFixed(2)} when it ended, so each figure is the best of ${ROUNDS} rounds that alternate between the servers. Load generator: autocannon in the benchmark process; each server and each Redis in a process of its own; all on loopback, all sharing the same cores.

What is compared: AiWorker's webhook endpoint (verify the HMAC, parse, enqueue a BullMQ job, answer 202) with a dedicated Redis as a production queue runs it (append-only file, fsync every second), the same with a Redis that keeps everything in memory only, and a Probot 14 app whose only handler does nothing (verify, parse, answer 200; it stores nothing).

Payloads: the ${r.payloads.length} real Gitea payloads of \`fixtures/gitea/\` whose X-GitHub-Event is a GitHub event name (${Math.min(...r.sizes)}–${Math.max(...r.sizes)} bytes), cycled, each signed and sent with every header Gitea 1.26 sends, and a fresh delivery id per request so that every request is new work. Throughput: ${CONNECTIONS} connections for ${DURATION_S} s after a ${WARMUP_S} s warm-up. Fixed rate: ${FIXED_RATE} requests/s for ${DURATION_S} s, evenly spaced over a keep-alive pool (open loop; autocannon's rate limit sends each second's quota in one burst, so it is not used for this figure). Latency is the time to the answer as the sender sees it.

| | ${r.summaries.map((s) => s.name).join(' | ')} |
| --- | --- | --- | --- |
${row('deliveries/s', (s) => `**${s.max.deliveriesPerSecond.toFixed(0)}**`)}
${row('deliveries/s in each round', (s) => s.rounds.join(', '))}
${row('vs. Probot', (s) => (s === probot ? '1.00×' : `${ratioOf(s).toFixed(2)}×`))}
${row('ack latency p50 / p99 at full load', (s) => `${ms(s.max.p50)} / ${ms(s.max.p99)}`)}
${row(`ack latency p50 / p99 at ${FIXED_RATE}/s`, (s) => `${ms(s.fixed.p50)} / **${ms(s.fixed.p99)}**`)}
${row('server CPU per delivery', (s) => micros(s.cpu.server))}
${row('Redis CPU per delivery', (s) => micros(s.cpu.redis))}
${row('failed requests', (s) => String(s.runs.reduce((n, run) => n + run.max.failed + run.fixed.failed, 0)))}

Targets (docs/benchmarks.md), for AiWorker with the durable Redis: ≥ 3,000 deliveries/s — ${verdict(durable.max.deliveriesPerSecond >= 3000)}; more than the no-op Probot app — ${verdict(ratioOf(durable) > 1)}; p99 ack < 10 ms at ${FIXED_RATE}/s — ${verdict(durable.fixed.p99 < 10)}. With Redis in memory only: ${verdict(volatile.max.deliveriesPerSecond >= 3000)}, ${verdict(ratioOf(volatile) > 1)}, ${verdict(volatile.fixed.p99 < 10)}.

Where the difference comes from: all three read the body, check the HMAC, parse the JSON and answer through Node's own HTTP server (webhook requests bypass express's router, which re-prototypes every request and cost about as much CPU as the enqueue itself, ≈150 µs per request when measured here). On top of that, AiWorker builds a BullMQ job, serialises it and runs BullMQ's add script in Redis: that is the gap in server CPU per delivery, and Redis's own CPU per delivery comes on top, on the same cores. The append-only file adds Redis CPU and, through its fsync, latency spikes. At a fixed rate, an AiWorker answer also waits for two more wake-ups than Probot's (Redis, then the server again); when the machine's run queue is longer than its cores, each wake-up can wait milliseconds for a CPU, which is what the p99 at 500/s shows. The no-op Probot app stores nothing: a delivery it answered is lost if its process dies.

Job data: the endpoint enqueues the parsed body (the parse is also its validation) rather than the received text. Parse + serialise per delivery on these payloads: as text ${r.serialisation.rawUs.toFixed(1)} µs, as the parsed object ${r.serialisation.objectUs.toFixed(1)} µs. Gitea indents its JSON and a text field is stored escaped, so the object stores ${((1 - r.serialisation.objectBytes / r.serialisation.rawBytes) * 100).toFixed(0)} % fewer bytes in Redis (${r.serialisation.objectBytes} vs ${r.serialisation.rawBytes} bytes for the set), and the worker parses it once instead of twice.
`;
}

// ---- processes -------------------------------------------------------------------------

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startRedis(port: number, parent: string, appendOnly: 'yes' | 'no'): Promise<StartedRedis> {
  const dir = join(parent, `redis-${port}`);
  mkdirSync(dir);
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      appendOnly,
      '--appendfsync',
      'everysec',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const admin = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  admin.on('error', () => undefined);
  for (let i = 0; i < 100; i++) {
    try {
      await admin.connect();
      await admin.ping();
      return { child, url: `redis://127.0.0.1:${port}/0`, admin };
    } catch {
      admin.disconnect();
      await sleep(50);
    }
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start (is it installed?)');
}

/** Starts a server process that prints `{"port": N}` once listening. */
function spawnServer(
  args: string[],
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<{ port: number; pid: number | undefined }> {
  const script = args[0]?.startsWith('--') ? [fileURLToPath(import.meta.url), ...args] : args;
  const child = spawn(process.execPath, ['--import', 'tsx', ...script], {
    env: {
      ...process.env,
      ...env,
      BENCH_WEBHOOK_SECRET: SECRET,
      BENCH_WEBHOOK_PATH: WEBHOOK_PATH,
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server ${script.join(' ')} did not start`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{"port"'));
      if (line) {
        clearTimeout(timer);
        resolve({ port: (JSON.parse(line) as { port: number }).port, pid: child.pid });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server ${script.join(' ')} exited with ${code}`));
    });
  });
}

/** Our server as the benchmark runs it: the production composition, without workers. */
async function serveAiWorker(): Promise<void> {
  const redisUrl = process.env.BENCH_REDIS_URL;
  const secret = process.env.BENCH_WEBHOOK_SECRET;
  if (!redisUrl || !secret) throw new Error('BENCH_REDIS_URL and BENCH_WEBHOOK_SECRET are required');
  const logger = createLogger({ level: 'warn' });
  const queue = createDeliveryQueue(redisUrl, { prefix: 'aiworker-bench', logger });
  await queue.queue.waitUntilReady();
  const metrics = createMetrics({ queueDepth: () => queue.depth() });
  const app = createHttpApp({
    webhookSecret: secret,
    enqueue: queue.enqueue,
    readiness: { redis: () => queue.ping() },
    metrics,
    logger,
  });
  const server = await listen(app, { port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
  process.once('SIGTERM', () => {
    void server.close(500).then(async () => {
      await queue.close();
      process.exit(0);
    });
  });
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  process.argv.includes('--serve-aiworker')
) {
  await serveAiWorker();
}
