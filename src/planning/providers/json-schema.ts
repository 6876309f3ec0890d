import { type ZodType, z } from 'zod';

/**
 * The JSON schema sent to a model for structured output. Constrained decoding (Anthropic
 * `output_config`, OpenAI `strict: true`, Ollama/vLLM grammars) accepts only a subset of JSON
 * Schema: every object closed and fully required, no length or size bounds. Keywords outside
 * that subset move into the field's description in words, so the model still sees them; the
 * full rules are enforced afterwards by zod, with a repair round when they are broken.
 */

type JsonSchema = { [key: string]: unknown };

/** Keywords constrained decoders accept, per kind of node. */
const KEPT_KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'items',
  'enum',
  'const',
  'anyOf',
  'description',
  'title',
  '$ref',
  '$defs',
]);

const DESCRIBED: Record<string, (value: unknown) => string> = {
  minLength: (v) => `at least ${v} characters`,
  maxLength: (v) => `at most ${v} characters`,
  minItems: (v) => `at least ${v} items`,
  maxItems: (v) => `at most ${v} items`,
  pattern: (v) => `must match the regular expression ${v}`,
  minimum: (v) => `at least ${v}`,
  maximum: (v) => `at most ${v}`,
  exclusiveMinimum: (v) => `greater than ${v}`,
  exclusiveMaximum: (v) => `less than ${v}`,
  multipleOf: (v) => `a multiple of ${v}`,
  format: (v) => `format ${v}`,
};

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function transform(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  const notes: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, isObject(child) ? transform(child) : child]),
      );
    } else if (key === 'items' && isObject(value)) {
      out.items = transform(value);
    } else if (key === 'anyOf' && Array.isArray(value)) {
      out.anyOf = value.map((child) => (isObject(child) ? transform(child) : child));
    } else if (key === '$defs' && isObject(value)) {
      out.$defs = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, isObject(child) ? transform(child) : child]),
      );
    } else if (key === 'minItems' && (value === 0 || value === 1)) {
      out.minItems = value; // the one array bound decoders support
    } else if (KEPT_KEYWORDS.has(key)) {
      out[key] = value;
    } else {
      const describe = DESCRIBED[key];
      if (describe) notes.push(describe(value));
      // other keywords ($schema, additionalProperties, default, …) are dropped or re-set below
    }
  }
  if (out.type === 'object') {
    const properties = isObject(out.properties) ? out.properties : {};
    out.properties = properties;
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  }
  if (notes.length > 0) {
    const existing = typeof out.description === 'string' ? `${out.description} ` : '';
    out.description = `${existing}(${notes.join('; ')})`;
  }
  return out;
}

/** The structured-output JSON schema of a zod schema (refinements are checked by zod only). */
export function toStructuredOutputSchema(schema: ZodType): JsonSchema {
  const full = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return transform(full);
}
