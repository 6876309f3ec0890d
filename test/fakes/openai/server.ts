import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatRequestProblem } from './request-validation.ts';

/**
 * A stand-in for an OpenAI-compatible server (Ollama, vLLM, OpenAI) at
 * `POST /v1/chat/completions`: bearer auth when a key is configured, request validation with
 * OpenAI's error JSON, `chat.completion` responses with `usage`, scripted answers per call
 * and every request recorded.
 */

type FinishReason = 'stop' | 'length' | 'content_filter';

export type OpenAiReply = { delayMs?: number } & (
  | { json: unknown; finishReason?: FinishReason; cachedTokens?: number }
  | { text: string; finishReason?: FinishReason; cachedTokens?: number }
  | { refusal: string }
  | { status: number; message?: string; type?: string; code?: string; headers?: Record<string, string> }
);

export interface RecordedChatRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number | null;
  aborted: boolean;
}

export interface OpenAiFakeOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (Ollama needs none). */
  apiKey?: string;
}

export interface OpenAiFake {
  /** `OPENAI_BASE_URL`, including `/v1`. */
  url: string;
  requests: RecordedChatRequest[];
  enqueue(...replies: OpenAiReply[]): void;
  pendingReplies(): number;
  close(): Promise<void>;
}

const ERROR_DEFAULTS: Record<number, { type: string; code: string | null; message: string }> = {
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request.',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The engine is currently overloaded, please try again later.',
  },
};

const estimateTokens = (text: string) => Math.ceil(text.length / 4);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function promptText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ content?: unknown }>) : [];
  return messages
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n');
}

export async function startOpenAiFake(options: OpenAiFakeOptions = {}): Promise<OpenAiFake> {
  const script: OpenAiReply[] = [];
  const requests: RecordedChatRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  function send(
    res: ServerResponse,
    record: RecordedChatRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    if (res.destroyed || res.writableEnded) return;
    record.status = status;
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-request-id': `req_${randomBytes(8).toString('hex')}`,
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  function sendError(
    res: ServerResponse,
    record: RecordedChatRequest,
    status: number,
    error: { message: string; type: string; param?: string | null; code: string | null },
    headers?: Record<string, string>,
  ) {
    send(
      res,
      record,
      status,
      { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code } },
      headers,
    );
  }

  function reply(
    res: ServerResponse,
    record: RecordedChatRequest,
    body: Record<string, unknown>,
    next: OpenAiReply,
  ) {
    if ('status' in next) {
      const defaults = ERROR_DEFAULTS[next.status] ?? { type: 'server_error', code: null, message: 'error' };
      sendError(
        res,
        record,
        next.status,
        {
          message: next.message ?? defaults.message,
          type: next.type ?? defaults.type,
          code: next.code ?? defaults.code,
        },
        next.headers,
      );
      return;
    }
    const refusal = 'refusal' in next ? next.refusal : null;
    const content = 'json' in next ? JSON.stringify(next.json) : 'text' in next ? next.text : null;
    const promptTokens = estimateTokens(promptText(body));
    const completionTokens = estimateTokens(content ?? refusal ?? '');
    const cached = 'refusal' in next ? 0 : Math.min(next.cachedTokens ?? 0, promptTokens);
    send(res, record, 200, {
      id: `chatcmpl-${randomBytes(12).toString('hex')}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal },
          logprobs: null,
          finish_reason: 'refusal' in next ? 'stop' : (next.finishReason ?? 'stop'),
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: cached },
      },
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const record: RecordedChatRequest = {
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

    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/chat/completions') {
      sendError(res, record, 404, {
        message: `Invalid URL (${req.method} ${req.url})`,
        type: 'invalid_request_error',
        code: null,
      });
      return;
    }
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      sendError(res, record, 401, { ...ERROR_DEFAULTS[401]! });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      sendError(res, record, 400, {
        message: 'We could not parse the JSON body of your request.',
        type: 'invalid_request_error',
        code: null,
      });
      return;
    }
    record.body = body;
    const problem = chatRequestProblem(body);
    if (problem) {
      sendError(res, record, 400, { ...problem, type: 'invalid_request_error' });
      return;
    }
    const next = script.shift();
    if (!next) {
      sendError(res, record, 400, {
        message: 'fake: no reply scripted for this request',
        type: 'invalid_request_error',
        code: null,
      });
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
      res.end(
        JSON.stringify({ error: { message: String(error), type: 'server_error', param: null, code: null } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
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
