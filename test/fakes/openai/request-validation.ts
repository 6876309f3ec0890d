/**
 * The checks an OpenAI-compatible `/v1/chat/completions` server applies before generating,
 * phrased like OpenAI's errors (`param` names the offending field). Strict json_schema
 * response formats are checked as OpenAI does: every object closed and fully required.
 */

type Json = Record<string, unknown>;

export interface RequestProblem {
  message: string;
  param: string | null;
  code: string | null;
}

const FIELDS = new Set([
  'model',
  'messages',
  'response_format',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stream',
  'stop',
  'seed',
  'n',
  'user',
  'frequency_penalty',
  'presence_penalty',
  'tools',
  'tool_choice',
  'stream_options',
  'reasoning_effort',
]);

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Invalid extends Error {
  constructor(
    message: string,
    readonly param: string | null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

function checkStrictSchema(schema: unknown, path: string, name: string): void {
  if (!isObject(schema)) return;
  if (schema.type === 'object') {
    if (schema.additionalProperties !== false) {
      throw new Invalid(
        `Invalid schema for response_format '${name}': In context=${path}, 'additionalProperties' is required to be supplied and to be false.`,
        'response_format',
        'invalid_json_schema',
      );
    }
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = Object.keys(properties).filter((key) => !required.includes(key));
    if (missing.length > 0) {
      throw new Invalid(
        `Invalid schema for response_format '${name}': In context=${path}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`,
        'response_format',
        'invalid_json_schema',
      );
    }
    for (const [key, child] of Object.entries(properties))
      checkStrictSchema(child, `${path}.properties.${key}`, name);
  }
  if (schema.type === 'array') checkStrictSchema(schema.items, `${path}.items`, name);
  if (Array.isArray(schema.anyOf)) {
    for (const [i, child] of schema.anyOf.entries()) checkStrictSchema(child, `${path}.anyOf.${i}`, name);
  }
}

function validate(body: unknown): void {
  if (!isObject(body)) throw new Invalid('The request body must be a JSON object.', null);
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) throw new Invalid(`Unrecognized request argument supplied: ${key}`, null);
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw new Invalid('you must provide a model parameter', 'model');
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new Invalid("[] is too short - 'messages'", 'messages', 'empty_array');
  }
  body.messages.forEach((message, i) => {
    if (!isObject(message) || typeof message.role !== 'string' || !ROLES.has(message.role)) {
      throw new Invalid(`Invalid value for 'messages[${i}].role'.`, `messages[${i}].role`, 'invalid_value');
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      throw new Invalid(
        `Invalid type for 'messages[${i}].content'.`,
        `messages[${i}].content`,
        'invalid_type',
      );
    }
  });
  if (
    body.max_tokens !== undefined &&
    (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1)
  ) {
    throw new Invalid('max_tokens must be a positive integer', 'max_tokens', 'invalid_value');
  }
  const format = body.response_format;
  if (format !== undefined) {
    if (!isObject(format) || !['text', 'json_object', 'json_schema'].includes(String(format.type))) {
      throw new Invalid("Invalid value for 'response_format.type'.", 'response_format.type', 'invalid_value');
    }
    if (format.type === 'json_schema') {
      const spec = format.json_schema;
      if (!isObject(spec))
        throw new Invalid(
          "Missing required parameter: 'response_format.json_schema'.",
          'response_format.json_schema',
          'missing_required_parameter',
        );
      if (typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name)) {
        throw new Invalid(
          "Invalid 'response_format.json_schema.name': string does not match pattern.",
          'response_format.json_schema.name',
          'invalid_value',
        );
      }
      if (!isObject(spec.schema)) {
        throw new Invalid(
          "Missing required parameter: 'response_format.json_schema.schema'.",
          'response_format.json_schema.schema',
          'missing_required_parameter',
        );
      }
      if (spec.strict === true) checkStrictSchema(spec.schema, '()', spec.name);
    }
  }
}

/** null when the server would accept the body. */
export function chatRequestProblem(body: unknown): RequestProblem | null {
  try {
    validate(body);
    return null;
  } catch (error) {
    if (error instanceof Invalid) return { message: error.message, param: error.param, code: error.code };
    throw error;
  }
}
