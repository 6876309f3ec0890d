/**
 * Mermaid flowchart of the subtask graph: one subgraph per wave, edges from a dependency to
 * its dependents. Node ids are generated (`t1`, `t2`, …) so no key can collide with Mermaid
 * keywords; labels are quoted and every character Mermaid treats as syntax is written as an
 * entity code.
 */

export interface GraphNode {
  key: string;
  title: string;
  dependsOn: string[];
  issueNumber?: number | null;
  state?: 'open' | 'closed';
}

const ENTITIES: Record<string, string> = {
  '#': '#35;',
  '"': '#quot;',
  '&': '#38;',
  '<': '#lt;',
  '>': '#gt;',
  '[': '#91;',
  ']': '#93;',
  '(': '#40;',
  ')': '#41;',
  '{': '#123;',
  '}': '#125;',
  '|': '#124;',
  ';': '#59;',
  '`': '#96;',
  '\\': '#92;',
};

/** A label safe inside `["…"]`: one line, every syntax character as an entity code. */
export function escapeMermaidLabel(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[#"&<>[\](){}|;`\\]/g, (ch) => ENTITIES[ch]!);
}

export function renderMermaidGraph(subtasks: GraphNode[], waves: string[][]): string {
  const ids = new Map(subtasks.map((s, i) => [s.key, `t${i + 1}`]));
  const byKey = new Map(subtasks.map((s) => [s.key, s]));
  const lines = ['```mermaid', 'flowchart TD'];
  waves.forEach((wave, w) => {
    lines.push(`  subgraph w${w + 1}["Wave ${w + 1}"]`);
    for (const key of wave) {
      const node = byKey.get(key);
      const id = ids.get(key);
      if (!node || !id) continue;
      const label = `${node.issueNumber ? `#${node.issueNumber} ` : ''}${node.title}`;
      lines.push(`    ${id}["${escapeMermaidLabel(label)}"]`);
    }
    lines.push('  end');
  });
  for (const node of subtasks) {
    for (const dep of node.dependsOn) {
      const from = ids.get(dep);
      const to = ids.get(node.key);
      if (from && to) lines.push(`  ${from} --> ${to}`);
    }
  }
  const closed = subtasks.filter((s) => s.state === 'closed').map((s) => ids.get(s.key)!);
  if (closed.length > 0) {
    lines.push('  classDef done fill:#d3f9d8,stroke:#2b8a3e');
    lines.push(`  class ${closed.join(',')} done`);
  }
  lines.push('```');
  return lines.join('\n');
}
