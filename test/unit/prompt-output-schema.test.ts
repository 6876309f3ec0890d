import { describe, expect, it } from 'vitest';
import { toStructuredOutputSchema } from '../../src/planning/providers/json-schema.ts';
import { checkModelOutput } from '../../src/planning/providers/output-validation.ts';
import { decompositionSchema, questionsSchema, specSchema } from '../../src/planning/schemas.ts';

type Node = Record<string, unknown>;

/** Every object node of a JSON schema. */
function objects(node: unknown, out: Node[] = []): Node[] {
  if (typeof node !== 'object' || node === null) return out;
  const n = node as Node;
  if (n.type === 'object') out.push(n);
  for (const value of Object.values(n)) {
    if (typeof value === 'object') objects(value, out);
  }
  return out;
}

describe('toStructuredOutputSchema', () => {
  it.each([
    ['questions', questionsSchema],
    ['spec', specSchema],
    ['decomposition', decompositionSchema],
  ])('closes every object of the %s schema and requires all its fields', (_name, schema) => {
    const json = toStructuredOutputSchema(schema);
    const all = objects(json);
    expect(all.length).toBeGreaterThan(0);
    for (const node of all) {
      expect(node.additionalProperties).toBe(false);
      expect(node.required).toEqual(Object.keys(node.properties as Node));
    }
    expect(json.$schema).toBeUndefined();
  });

  it('moves bounds decoders refuse into the description, in words', () => {
    const json = toStructuredOutputSchema(decompositionSchema) as {
      properties: { subtasks: Node & { items: { properties: Record<string, Node> } } };
    };
    const subtasks = json.properties.subtasks;
    expect(subtasks.maxItems).toBeUndefined();
    expect(subtasks.minItems).toBe(1);
    expect(subtasks.description).toContain('at most 50 items');
    const title = subtasks.items.properties.title!;
    expect(title.minLength).toBeUndefined();
    expect(title.description).toBe('(at least 3 characters; at most 200 characters)');
    expect(subtasks.items.properties.key!.description).toContain('must match the regular expression');
  });

  it('keeps enums so the model can only pick a valid value', () => {
    const json = toStructuredOutputSchema(specSchema) as { properties: Record<string, Node> };
    expect(json.properties.estimatedComplexity!.enum).toEqual(['low', 'medium', 'high', 'very_high']);
  });
});

describe('checkModelOutput', () => {
  it('accepts JSON wrapped in a markdown fence', () => {
    const result = checkModelOutput(
      questionsSchema,
      '```json\n{"featureType":"general","questions":[]}\n```',
    );
    expect(result).toEqual({ ok: true, value: { featureType: 'general', questions: [] } });
  });

  it('names the path of each problem', () => {
    const result = checkModelOutput(
      decompositionSchema,
      JSON.stringify({
        subtasks: [
          {
            key: 'Bad Key',
            title: 'Do it',
            description: 'short',
            acceptanceCriteria: [],
            estimate: '1d',
            dependsOn: [],
          },
        ],
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'subtasks[0].key: keys are short slugs: lowercase letters, digits and dashes',
      'subtasks[0].description: Too small: expected string to have >=10 characters',
      'subtasks[0].acceptanceCriteria: Too small: expected array to have >=1 items',
    ]);
  });

  it('explains text that is not JSON', () => {
    const result = checkModelOutput(specSchema, 'Here is the spec: …');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatch(/^the answer is not valid JSON/);
  });

  it('explains an empty answer', () => {
    expect(checkModelOutput(specSchema, '  ')).toEqual({
      ok: false,
      problems: ['the answer was empty; a JSON object was expected'],
    });
  });
});
