import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layering of src/ (docs/architecture.md, Code layout) as a test: every import goes to the
 * same directory or to a lower layer, directories of one layer never import each other, and no
 * file imports itself through a circle. Imports are read with TypeScript's own pre-processor,
 * so `import type` and re-exports count like any other import.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Layer of each top-level entry of src/ (lower may be imported by higher). */
const LAYERS: Record<string, number> = {
  domain: 0,
  config: 1,
  db: 2,
  gitea: 2,
  kubernetes: 2,
  context: 3,
  planning: 4,
  publish: 5,
  agents: 6,
  deploy: 6,
  jobs: 7,
  commands: 8,
  handlers: 9,
  mcp: 9,
  events: 10,
  queue: 11,
  server: 12,
  app: 13,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function topOf(file: string): string {
  return relative(SRC, file).split('/')[0] ?? '';
}

interface Edge {
  from: string;
  to: string;
}

function importsOf(file: string): Edge[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((ref) => ref.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => ({ from: file, to: resolve(dirname(file), name) }));
}

const files = sourceFiles(SRC);
const edges = files.flatMap(importsOf);
const show = (edge: Edge) => `${relative(SRC, edge.from)} → ${relative(SRC, edge.to)}`;

describe('the layers of src/', () => {
  it('gives every top-level directory and file of src/ a layer', () => {
    const unknown = [...new Set(files.map(topOf))].filter((top) => !(top in LAYERS));
    expect(unknown).toEqual([]);
  });

  it('imports only the same directory or a lower layer', () => {
    const upward = edges.filter((edge) => {
      const from = topOf(edge.from);
      const to = topOf(edge.to);
      if (from === to) return false;
      return (LAYERS[to] ?? Number.POSITIVE_INFINITY) >= (LAYERS[from] ?? -1);
    });
    expect(upward.map(show)).toEqual([]);
  });

  it('never imports from outside src/', () => {
    const outside = edges.filter((edge) => relative(SRC, edge.to).startsWith('..'));
    expect(outside.map(show)).toEqual([]);
  });

  it('has no import circle', () => {
    const next = new Map<string, string[]>();
    for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
    // Tarjan's strongly connected components; any component of two or more files is a circle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    let counter = 0;
    const visit = (file: string) => {
      index.set(file, counter);
      low.set(file, counter);
      counter += 1;
      stack.push(file);
      onStack.add(file);
      for (const to of next.get(file) ?? []) {
        if (!index.has(to)) {
          visit(to);
          low.set(file, Math.min(low.get(file)!, low.get(to)!));
        } else if (onStack.has(to)) {
          low.set(file, Math.min(low.get(file)!, index.get(to)!));
        }
      }
      if (low.get(file) === index.get(file)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(relative(SRC, member));
        } while (member !== file);
        if (component.length > 1) circles.push(component.sort());
      }
    };
    for (const file of files) if (!index.has(file)) visit(file);
    expect(circles).toEqual([]);
  });
});
