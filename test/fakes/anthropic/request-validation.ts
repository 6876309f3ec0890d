/**
 * The checks the Messages API applies to a request body before any model runs, with the
 * API's own error phrasing (`<field path>: <problem>`). A request the real API would refuse
 * with 400 is refused here too, so a client bug cannot hide behind the fake.
 */

type Json = Record<string, unknown>;

const TOP_LEVEL_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_k',
  'top_p',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
  'inference_geo',
  'cache_control',
]);

const MAX_CACHE_BREAKPOINTS = 4;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class InvalidRequest extends Error {}

function fail(message: string): never {
  throw new InvalidRequest(message);
}

function checkCacheControl(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (!isObject(value) || value.type !== 'ephemeral') fail(`${path}.type: Input should be 'ephemeral'`);
  if (value.ttl !== undefined && value.ttl !== '5m' && value.ttl !== '1h')
    fail(`${path}.ttl: Input should be '5m' or '1h'`);
  return 1;
}

/** Returns how many cache breakpoints the blocks carry. */
function checkContent(content: unknown, path: string): number {
  if (typeof content === 'string') {
    if (content.length === 0) fail(`${path}: text content blocks must be non-empty`);
    return 0;
  }
  if (!Array.isArray(content)) fail(`${path}: Input should be a valid list`);
  if (content.length === 0) fail(`${path}: List should have at least 1 item after validation, not 0`);
  let breakpoints = 0;
  content.forEach((block, i) => {
    const at = `${path}.${i}`;
    if (!isObject(block) || typeof block.type !== 'string') fail(`${at}.type: Field required`);
    if (block.type === 'text') {
      if (typeof block.text !== 'string') fail(`${at}.text: Field required`);
      if (block.text.length === 0) fail(`${at}: text content blocks must be non-empty`);
    }
    breakpoints += checkCacheControl(block.cache_control, `${at}.cache_control`);
  });
  return breakpoints;
}

/** Structured outputs accept a subset of JSON Schema; the rest is refused with 400. */
const UNSUPPORTED_SCHEMA_KEYWORDS: Record<string, string[]> = {
  string: ['minLength', 'maxLength'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  array: ['maxItems', 'uniqueItems', 'contains'],
};

function checkOutputSchema(schema: unknown, path: string): void {
  if (!isObject(schema)) fail(`${path}: Input should be a valid dictionary`);
  const type = schema.type;
  if (type === 'object') {
    if (schema.additionalProperties !== false) {
      fail(`${path}: For 'object' type, 'additionalProperties' must be explicitly set to false`);
    }
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const [name, child] of Object.entries(properties))
      checkOutputSchema(child, `${path}.properties.${name}`);
  }
  if (type === 'array') {
    if (schema.minItems !== undefined && schema.minItems !== 0 && schema.minItems !== 1) {
      fail(`${path}: For 'array' type, 'minItems' values other than 0 or 1 are not supported`);
    }
    if (schema.items !== undefined) checkOutputSchema(schema.items, `${path}.items`);
  }
  if (typeof type === 'string') {
    for (const keyword of UNSUPPORTED_SCHEMA_KEYWORDS[type] ?? []) {
      if (keyword in schema) fail(`${path}: For '${type}' type, property '${keyword}' is not supported`);
    }
  }
  if (Array.isArray(schema.anyOf)) {
    for (const [i, child] of schema.anyOf.entries()) checkOutputSchema(child, `${path}.anyOf.${i}`);
  }
}

function validate(body: unknown): void {
  if (!isObject(body)) fail('Input should be a valid dictionary');
  for (const key of Object.keys(body)) {
    if (!TOP_LEVEL_FIELDS.has(key)) fail(`${key}: Extra inputs are not permitted`);
  }
  if (body.model === undefined) fail('model: Field required');
  if (typeof body.model !== 'string' || body.model.length === 0)
    fail('model: Input should be a valid string');
  if (body.max_tokens === undefined) fail('max_tokens: Field required');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens)) {
    fail('max_tokens: Input should be a valid integer');
  }
  if (body.max_tokens < 1) fail('max_tokens: Input should be greater than or equal to 1');
  if (body.temperature !== undefined) {
    if (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 1) {
      fail('temperature: Input should be less than or equal to 1');
    }
  }

  let breakpoints = 0;
  if (body.system !== undefined) {
    if (typeof body.system !== 'string') {
      breakpoints += checkContent(body.system, 'system');
      for (const [i, block] of (body.system as unknown[]).entries()) {
        if (!isObject(block) || block.type !== 'text') fail(`system.${i}.type: Input should be 'text'`);
      }
    }
  }

  if (body.messages === undefined) fail('messages: Field required');
  if (!Array.isArray(body.messages)) fail('messages: Input should be a valid list');
  if (body.messages.length === 0) fail('messages: at least one message is required');
  body.messages.forEach((message, i) => {
    if (!isObject(message)) fail(`messages.${i}: Input should be a valid dictionary`);
    if (message.role !== 'user' && message.role !== 'assistant') {
      fail(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    if (message.content === undefined) fail(`messages.${i}.content: Field required`);
    breakpoints += checkContent(message.content, `messages.${i}.content`);
  });

  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) fail('tools: Input should be a valid list');
    body.tools.forEach((tool, i) => {
      if (!isObject(tool) || typeof tool.name !== 'string') fail(`tools.${i}.name: Field required`);
      if (!isObject(tool.input_schema)) fail(`tools.${i}.input_schema: Field required`);
      breakpoints += checkCacheControl(tool.cache_control, `tools.${i}.cache_control`);
    });
  }

  if (body.output_config !== undefined) {
    if (!isObject(body.output_config)) fail('output_config: Input should be a valid dictionary');
    const format = body.output_config.format;
    if (format !== undefined && format !== null) {
      if (!isObject(format) || format.type !== 'json_schema')
        fail("output_config.format.type: Input should be 'json_schema'");
      if (format.schema === undefined) fail('output_config.format.schema: Field required');
      checkOutputSchema(format.schema, 'output_config.format.schema');
    }
  }

  if (breakpoints > MAX_CACHE_BREAKPOINTS) {
    fail(
      `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
  }
}

/** null when the API would accept the body; otherwise its `invalid_request_error` message. */
export function messagesRequestProblem(body: unknown): string | null {
  try {
    validate(body);
    return null;
  } catch (error) {
    if (error instanceof InvalidRequest) return error.message;
    throw error;
  }
}
