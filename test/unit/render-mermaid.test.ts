import { describe, expect, it } from 'vitest';
import { escapeMermaidLabel, renderMermaidGraph } from '../../src/planning/render/mermaid.ts';

/** The lines the renderer may emit; anything else would be a syntax risk. */
const GRAMMAR = [
  /^```mermaid$/,
  /^flowchart TD$/,
  /^ {2}subgraph w\d+\["Wave \d+"\]$/,
  /^ {4}t\d+\["[^"[\]{}()<>|`#;\\]*(?:#(?:\d+|quot|lt|gt);[^"[\]{}()<>|`#;\\]*)*"\]$/,
  /^ {2}end$/,
  /^ {2}t\d+ --> t\d+$/,
  /^ {2}classDef done fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6}$/,
  /^ {2}class t\d+(,t\d+)* done$/,
  /^```$/,
];

describe('renderMermaidGraph', () => {
  const subtasks = [
    {
      key: 'schema',
      title: 'Payment records: model and migration',
      dependsOn: [],
      issueNumber: 42,
      state: 'closed' as const,
    },
    {
      key: 'api',
      title: 'Checkout "endpoints" [v2] (REST) #1',
      dependsOn: ['schema'],
      issueNumber: 43,
      state: 'open' as const,
    },
    { key: 'ui', title: 'UI <Checkout/> {page} | a;b `x` \\ end', dependsOn: ['api'], issueNumber: null },
    { key: 'docs', title: 'Docs', dependsOn: ['api', 'ui'] },
  ];
  const waves = [['schema'], ['api'], ['ui'], ['docs']];
  const text = renderMermaidGraph(subtasks, waves);
  const lines = text.split('\n');

  it('emits only valid flowchart lines', () => {
    for (const line of lines)
      expect(
        GRAMMAR.some((rule) => rule.test(line)),
        line,
      ).toBe(true);
  });

  it('has one subgraph per wave with its nodes, and edges from dependency to dependent', () => {
    expect(lines.filter((l) => l.startsWith('  subgraph'))).toEqual([
      '  subgraph w1["Wave 1"]',
      '  subgraph w2["Wave 2"]',
      '  subgraph w3["Wave 3"]',
      '  subgraph w4["Wave 4"]',
    ]);
    expect(text).toContain(
      '  subgraph w1["Wave 1"]\n    t1["#35;42 Payment records: model and migration"]\n  end',
    );
    expect(lines.filter((l) => l.includes('-->'))).toEqual([
      '  t1 --> t2',
      '  t2 --> t3',
      '  t2 --> t4',
      '  t3 --> t4',
    ]);
  });

  it('escapes quotes, brackets, # and other syntax characters in labels', () => {
    expect(text).toContain('t2["#35;43 Checkout #quot;endpoints#quot; #91;v2#93; #40;REST#41; #35;1"]');
    expect(text).toContain('t3["UI #lt;Checkout/#gt; #123;page#125; #124; a#59;b #96;x#96; #92; end"]');
  });

  it('marks closed subtasks', () => {
    expect(lines).toContain('  class t1 done');
  });

  it('keeps labels on one line', () => {
    expect(escapeMermaidLabel('two\nlines')).toBe('two lines');
  });
});
