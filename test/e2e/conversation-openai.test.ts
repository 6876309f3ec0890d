import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiFake, type RecordedChatRequest, startOpenAiFake } from '../fakes/openai/server.ts';
import { BOT, botComments, type Harness, REPO, startHarness } from './harness.ts';

/**
 * The conversation loop with LLM_PROVIDER=openai: the bot talks to an OpenAI-compatible
 * `/v1/chat/completions` fake (as it would to Ollama or vLLM) whose scripted answers stand in
 * for the model. Tests act as people in Gitea and check what they see there, what the model
 * was sent, and `llm_usage`.
 */

const MODEL = 'qwen2.5:14b';
const API_KEY = 'local-inference-key-5f1c2a9e';

const QUESTIONS = {
  featureType: 'import_export',
  questions: [
    {
      question: 'Which orders should the CSV export include: all of them, or only a date range?',
      why: 'A date range needs query parameters on the export endpoint and an index on the order date.',
      options: ['All orders', 'A date range'],
      assumption: 'Staff pick a date range; the default is the last 30 days.',
    },
    {
      question: 'Which columns do the accountants need?',
      why: 'Decides whether the export joins cart items or stays on the Order table.',
      options: ['Order totals only', 'One line per item'],
      assumption: 'One row per order with id, date, status and total.',
    },
  ],
};

const SPEC = {
  title: 'CSV export of orders for the back office',
  summary: 'Staff download the orders of a date range as a CSV file that opens in a spreadsheet.',
  goals: ['Staff can export orders without database access', 'Accountants get one line per cart item'],
  context: 'Order lives in src/orders/orders.ts and prisma/schema.prisma; the Express app is src/server.ts.',
  architecture:
    'Add GET /api/orders/export?from=&to= to src/server.ts streaming text/csv rows built from a Prisma query; tested with vitest.',
  edgeCases: ['A date range with no orders yields a header-only file', 'Commas and quotes in product names'],
  acceptanceCriteria: [
    'The export of a range lists exactly the orders created in it',
    'The file opens in a spreadsheet',
  ],
  estimatedComplexity: 'low',
  assumptions: ['Amounts are exported in EUR with two decimals'],
  changeSummary: 'First version.',
};

const DECOMPOSITION = {
  subtasks: [
    {
      key: 'orders-query',
      title: 'Query orders and their items by date range',
      description:
        'Add listOrderLines(from, to) next to Order in src/orders/orders.ts using Prisma; one row per cart item.',
      acceptanceCriteria: ['Only orders created inside the range are returned'],
      estimate: '4h',
      dependsOn: [],
    },
    {
      key: 'csv-endpoint',
      title: 'Serve GET /api/orders/export as CSV',
      description:
        'Stream the rows of listOrderLines as text/csv from src/server.ts, quoting commas and quotes.',
      acceptanceCriteria: ['The response opens in a spreadsheet', 'An empty range gives a header-only file'],
      estimate: '1d',
      dependsOn: ['orders-query'],
    },
  ],
};

interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format: {
    type: string;
    json_schema: {
      name: string;
      strict: boolean;
      schema: { type: string; additionalProperties: boolean; properties: Record<string, unknown> };
    };
  };
}

interface UsageRow {
  provider: string;
  model: string;
  purpose: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cost_usd: string;
  ok: number;
}

const DATA_BLOCK = /<untrusted_data label="[^"]*">\n([\s\S]*?)\n<\/untrusted_data>/g;
const bodyOf = (request: RecordedChatRequest) => request.body as ChatBody;
const dataBlocks = (text: string) => [...text.matchAll(DATA_BLOCK)].map((m) => m[1]!);

let fake: OpenAiFake;
let h: Harness;

beforeAll(async () => {
  fake = await startOpenAiFake({ apiKey: API_KEY });
  h = await startHarness({
    label: 'conv_openai',
    env: { LLM_PROVIDER: 'openai', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: API_KEY, LLM_MODEL: MODEL },
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await h.db.pool.query(sql, params);
  return rows as T[];
}

async function usageOf(issue: number): Promise<UsageRow[]> {
  return query<UsageRow>(
    'SELECT u.* FROM llm_usage u JOIN tasks t ON t.id = u.task_id WHERE t.issue_number = ? ORDER BY u.id',
    [issue],
  );
}

describe('the conversation loop with an OpenAI-compatible planner', () => {
  it('asks with a json_schema response format, posts the questions and the spec, approves it and creates its subtasks', async () => {
    const { gitea } = h;
    const from = fake.requests.length;
    fake.enqueue({ json: QUESTIONS });
    const issue = await gitea.as('alice').openIssue(REPO, {
      title: 'Export orders as CSV',
      body: 'Our accountants want the orders of a month as a spreadsheet.',
      labels: ['ai'],
    });
    await h.settle();

    // The request: bearer key, the model, system rules + repository, the issue as data, a strict schema.
    const first = fake.requests[from]!;
    expect(first.status).toBe(200);
    expect(first.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const body = bodyOf(first);
    expect(body.model).toBe(MODEL);
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[0]!.content).toContain('<repository_context>');
    expect(body.messages[0]!.content).toContain('src/orders/orders.ts');
    expect(dataBlocks(body.messages[1]!.content)).toEqual([
      'Export orders as CSV',
      'Our accountants want the orders of a month as a spreadsheet.',
    ]);
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema).toMatchObject({
      name: 'aiworker_questions',
      strict: true,
      schema: { type: 'object', additionalProperties: false },
    });
    expect(Object.keys(body.response_format.json_schema.schema.properties)).toEqual([
      'featureType',
      'questions',
    ]);

    const questions = botComments(gitea, issue.number, 'questions');
    expect(questions).toHaveLength(1);
    for (const q of QUESTIONS.questions) {
      expect(questions[0]!.body).toContain(q.question);
      expect(questions[0]!.body).toContain(q.assumption);
    }
    expect(questions[0]!.body).toContain('**import/export**');
    expect(gitea.issue(REPO, issue.number)?.labels).toContain('ai-status/clarifying');

    // Both answers as a numbered list in one comment; the server reports part of the prompt as cached.
    fake.enqueue({ json: SPEC, cachedTokens: 600 });
    const answers = await gitea
      .as('alice')
      .comment(REPO, issue.number, '/answer\n1. A date range\n2. One line per item');
    await h.settle();
    expect(gitea.reactions(REPO, { comment: answers.id })).toContainEqual({ user: BOT, content: '+1' });

    const specRequest = bodyOf(fake.requests[from + 1]!);
    expect(specRequest.response_format.json_schema.name).toBe('aiworker_spec');
    const answered = dataBlocks(specRequest.messages[1]!.content).find((b) => b.includes('Answer:'));
    expect(answered).toContain('Answer: A date range (answered by alice)');
    expect(answered).toContain('Answer: One line per item (answered by alice)');

    const specs = botComments(gitea, issue.number, 'spec');
    expect(specs).toHaveLength(1);
    expect(specs[0]!.body).toContain(`Specification v1: ${SPEC.title}`);
    for (const text of [SPEC.summary, SPEC.architecture, ...SPEC.edgeCases, ...SPEC.assumptions]) {
      expect(specs[0]!.body).toContain(text);
    }
    expect(gitea.issue(REPO, issue.number)?.labels).toContain('ai-status/spec-review');

    // Usage: tokens of both calls, the cached part of the second; a self-hosted model costs nothing.
    const usage = await usageOf(issue.number);
    expect(usage.map((u) => [u.purpose, u.provider, u.model, u.ok])).toEqual([
      ['questions', 'openai', MODEL, 1],
      ['spec', 'openai', MODEL, 1],
    ]);
    for (const row of usage) {
      expect(row.input_tokens).toBeGreaterThan(0);
      expect(row.output_tokens).toBeGreaterThan(0);
      expect(Number(row.cost_usd)).toBe(0);
    }
    expect(usage.map((u) => u.cache_read_tokens)).toEqual([0, 600]);

    // Approval freezes the spec, and the model splits it into subtask issues.
    fake.enqueue({ json: DECOMPOSITION });
    const approve = await gitea.as('alice').comment(REPO, issue.number, '/approve-spec v1');
    await h.settle();
    expect(gitea.reactions(REPO, { comment: approve.id })).toContainEqual({ user: BOT, content: 'hooray' });
    const specRows = await query<{ version: number; provider: string; model: string; approved_by: string }>(
      'SELECT s.version, s.provider, s.model, s.approved_by FROM task_specifications s JOIN tasks t ON t.id = s.task_id WHERE t.issue_number = ?',
      [issue.number],
    );
    expect(specRows).toEqual([{ version: 1, provider: 'openai', model: MODEL, approved_by: 'alice' }]);
    expect(fake.requests.length - from).toBe(3);
    expect(bodyOf(fake.requests[from + 2]!).response_format.json_schema.name).toBe('aiworker_decompose');
    const subtasks = gitea.issues(REPO).filter((i) => i.labels.includes('ai-subtask'));
    expect(subtasks.map((i) => i.title).sort()).toEqual(DECOMPOSITION.subtasks.map((s) => s.title).sort());
    expect(gitea.issue(REPO, issue.number)?.labels).toContain('ai-status/in-progress');
    expect((await usageOf(issue.number)).map((u) => u.purpose)).toEqual(['questions', 'spec', 'decompose']);
    expect(fake.pendingReplies()).toBe(0);
  });

  it('repairs an answer that is not JSON by sending the problem back, and posts the repaired questions', async () => {
    const { gitea } = h;
    const from = fake.requests.length;
    const chatty = 'Sure! Here are my questions:\n1. Which columns do you need?';
    fake.enqueue({ text: chatty }, { json: QUESTIONS });
    const issue = await gitea.as('alice').openIssue(REPO, {
      title: 'Download orders for the accountants',
      body: 'A CSV of orders per month, please.',
      labels: ['ai'],
    });
    await h.settle();

    expect(fake.requests.length - from).toBe(2);
    const repair = bodyOf(fake.requests[from + 1]!);
    expect(repair.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(repair.messages[2]!.content).toBe(chatty);
    expect(repair.messages[3]!.content).toMatch(/^- the answer is not valid JSON/m);
    expect(repair.response_format.json_schema.name).toBe('aiworker_questions');

    const questions = botComments(gitea, issue.number, 'questions');
    expect(questions).toHaveLength(1);
    expect(questions[0]!.body).toContain(QUESTIONS.questions[0]!.question);
    expect(questions[0]!.body).not.toContain('Sure! Here are my questions');
    expect(botComments(gitea, issue.number, 'failure')).toHaveLength(0);
    expect((await usageOf(issue.number)).map((u) => [u.purpose, u.ok])).toEqual([
      ['questions', 0],
      ['repair', 1],
    ]);
  });
});
