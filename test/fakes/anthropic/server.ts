import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { estimateTokens, PromptCache } from './prompt-cache.ts';
import { messagesRequestProblem } from './request-validation.ts';

/**
 * A faithful stand-in for the Anthropic Messages API (`POST /v1/messages`) for tests: the
 * same authentication, version header, request validation, error JSON, response shape and
 * prompt-cache accounting as the real API, with scripted answers per call and every request
 * recorded.
 */

type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

/** What the fake does with the next accepted request. `delayMs` holds the answer back first. */
export type AnthropicReply = { delayMs?: number } & (
  | { json: unknown; stopReason?: StopReason }
  | { text: string; stopReason?: StopReason }
  | { toolInput: unknown }
  | { status: number; errorType?: string; message?: string; headers?: Record<string, string> }
);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** HTTP status the fake answered with (null when the client went away first). */
  status: number | null;
  /** The client closed the connection before the answer (e.g. its timeout fired). */
  aborted: boolean;
}

export interface AnthropicFakeOptions {
  /** The key the fake accepts, in `x-api-key` or `Authorization: Bearer`. */
  apiKey?: string;
  /** Smallest cacheable prefix in tokens (1024 for Sonnet models). */
  minCacheableTokens?: number;
}

export interface AnthropicFake {
  /** Base URL for the SDK (`ANTHROPIC_BASE_URL`), without `/v1`. */
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  enqueue(...replies: AnthropicReply[]): void;
  /** Scripted replies not used yet. */
  pendingReplies(): number;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'api_error',
  529: 'overloaded_error',
};

const ERROR_MESSAGES: Record<string, string> = {
  overloaded_error: 'Overloaded',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  api_error: 'Internal server error',
};

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startAnthropicFake(options: AnthropicFakeOptions = {}): Promise<AnthropicFake> {
  const apiKey = options.apiKey ?? `sk-ant-fake-${randomBytes(8).toString('hex')}`;
  const cache = new PromptCache(options.minCacheableTokens ?? 1024);
  const script: AnthropicReply[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  function send(
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    if (res.destroyed || res.writableEnded) return;
    record.status = status;
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req'), ...headers });
    res.end(JSON.stringify(body));
  }

  function sendError(
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    type: string,
    message: string,
    headers?: Record<string, string>,
  ) {
    send(res, record, status, { type: 'error', error: { type, message }, request_id: newId('req') }, headers);
  }

  function reply(
    res: ServerResponse,
    record: RecordedRequest,
    body: Record<string, unknown>,
    next: AnthropicReply,
  ) {
    if ('status' in next) {
      const type = next.errorType ?? ERROR_TYPES[next.status] ?? 'api_error';
      sendError(
        res,
        record,
        next.status,
        type,
        next.message ?? ERROR_MESSAGES[type] ?? 'error',
        next.headers,
      );
      return;
    }
    let content: Array<Record<string, unknown>>;
    let stopReason: StopReason;
    let outputText: string;
    if ('toolInput' in next) {
      const tool = Array.isArray(body.tools) ? (body.tools[0] as { name?: string } | undefined) : undefined;
      if (!tool?.name) {
        sendError(
          res,
          record,
          400,
          'invalid_request_error',
          'fake: a tool call was scripted but the request declares no tools',
        );
        return;
      }
      outputText = JSON.stringify(next.toolInput);
      content = [
        {
          type: 'tool_use',
          id: newId('toolu'),
          name: tool.name,
          input: next.toolInput,
          caller: { type: 'direct' },
        },
      ];
      stopReason = 'tool_use';
    } else {
      outputText = 'json' in next ? JSON.stringify(next.json) : next.text;
      content = [{ type: 'text', text: outputText, citations: null }];
      stopReason = next.stopReason ?? 'end_turn';
    }
    const usage = cache.account(body);
    send(res, record, 200, {
      id: newId('msg'),
      type: 'message',
      role: 'assistant',
      model: body.model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      stop_details: null,
      container: null,
      usage: {
        ...usage,
        output_tokens: estimateTokens(outputText),
        output_tokens_details: null,
        server_tool_use: null,
        service_tier: 'standard',
        inference_geo: null,
        speed: null,
      },
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: { ...req.headers },
      body: undefined,
      status: null,
      aborted: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });

    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/messages') {
      sendError(res, record, 404, 'not_found_error', 'Not Found');
      return;
    }
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const key = req.headers['x-api-key'] ?? bearer;
    if (key === undefined) {
      sendError(res, record, 401, 'authentication_error', 'x-api-key header is required');
      return;
    }
    if (key !== apiKey) {
      sendError(res, record, 401, 'authentication_error', 'invalid x-api-key');
      return;
    }
    if (!req.headers['anthropic-version']) {
      sendError(res, record, 400, 'invalid_request_error', 'anthropic-version: header is required');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      sendError(res, record, 400, 'invalid_request_error', 'There was an error parsing the body');
      return;
    }
    record.body = body;
    const problem = messagesRequestProblem(body);
    if (problem !== null) {
      sendError(res, record, 400, 'invalid_request_error', problem);
      return;
    }
    const next = script.shift();
    if (!next) {
      sendError(res, record, 400, 'invalid_request_error', 'fake: no reply scripted for this request');
      return;
    }
    const answer = () => reply(res, record, body as Record<string, unknown>, next);
    if (next.delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, next.delayMs);
      timers.add(timer);
    } else {
      answer();
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    enqueue: (...replies) => {
      script.push(...replies);
    },
    pendingReplies: () => script.length,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
