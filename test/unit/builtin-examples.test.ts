import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../src/planning/builtin/example-repos.ts';
import { renderExample, renderIndex } from '../../src/planning/builtin/examples.ts';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/examples');

describe('docs/examples', () => {
  it('covers eight different repositories and kinds of work', () => {
    expect(EXAMPLES).toHaveLength(8);
    expect(new Set(EXAMPLES.map((e) => e.context.repo)).size).toBe(8);
  });

  it('are exactly what the planner produces today (regenerate with src/planning/builtin/examples.ts)', async () => {
    const rendered = [];
    for (const [index, example] of EXAMPLES.entries()) {
      const result = await renderExample(example, index);
      rendered.push(result);
      expect(await readFile(path.join(docs, result.file), 'utf8')).toBe(result.markdown);
    }
    expect(await readFile(path.join(docs, 'README.md'), 'utf8')).toBe(renderIndex(rendered));
    expect(new Set(rendered.map((r) => r.featureType)).size).toBeGreaterThanOrEqual(8);
  });
});
