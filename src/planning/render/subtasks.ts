import type { Subtask } from '../schemas.ts';
import { checklist, neutralize, oneLine } from './markdown.ts';
import { type GraphNode, renderMermaidGraph } from './mermaid.ts';

export interface SubtaskBodyInput {
  subtask: Subtask;
  parent: { number: number; title: string };
  specVersion: number;
  /** The subtask's dependencies, with their issue numbers once created. */
  dependencies: Array<{ key: string; title: string; issueNumber: number | null }>;
}

/** The body of a subtask issue: back-link, description, acceptance criteria, estimate, dependencies. */
export function renderSubtaskBody(input: SubtaskBodyInput): string {
  const { subtask, parent, specVersion, dependencies } = input;
  const lines = [
    `Part of #${parent.number} (${oneLine(parent.title)}), from specification v${specVersion}.`,
    '',
    neutralize(subtask.description.trim()),
    '',
    '### Acceptance criteria',
    checklist(subtask.acceptanceCriteria),
    '',
    `**Estimate:** ${oneLine(subtask.estimate)}`,
  ];
  if (dependencies.length === 0) {
    lines.push('**Depends on:** nothing — can start right away.');
  } else {
    lines.push(
      '**Depends on:**',
      ...dependencies.map(
        (d) => `- ${d.issueNumber ? `#${d.issueNumber}` : `\`${d.key}\``} ${oneLine(d.title)}`,
      ),
    );
  }
  return lines.join('\n');
}

export interface TaskListItem {
  key: string;
  title: string;
  issueNumber: number | null;
  state: 'open' | 'closed';
}

/** `- [ ] #12 title`, `- [x] #13 title` once closed; subtasks without an issue yet show their title only. */
export function renderTaskList(items: TaskListItem[]): string {
  return items
    .map((item) => {
      const box = item.state === 'closed' ? '[x]' : '[ ]';
      return item.issueNumber
        ? `- ${box} #${item.issueNumber} ${oneLine(item.title)}`
        : `- ${box} ${oneLine(item.title)} (issue not created yet)`;
    })
    .join('\n');
}

export interface PlanCommentInput {
  specVersion: number;
  subtasks: Array<TaskListItem & GraphNode & { estimate?: string }>;
  waves: string[][];
}

/** The parent's plan comment: task list, Mermaid graph and waves. */
export function renderPlanComment(input: PlanCommentInput): string {
  const { subtasks, waves, specVersion } = input;
  const done = subtasks.filter((s) => s.state === 'closed').length;
  const byKey = new Map(subtasks.map((s) => [s.key, s]));
  const ref = (key: string) => {
    const s = byKey.get(key);
    return s?.issueNumber ? `#${s.issueNumber}` : `\`${key}\``;
  };
  const lines = [
    `## Plan: ${subtasks.length} subtask${subtasks.length === 1 ? '' : 's'} in ${waves.length} wave${waves.length === 1 ? '' : 's'} (spec v${specVersion})`,
    '',
    `${done} of ${subtasks.length} done.`,
    '',
    '### Tasks',
    renderTaskList(subtasks),
    '',
    '### Dependencies',
    renderMermaidGraph(subtasks, waves),
    '',
    '### Waves',
    ...waves.map((wave, i) => {
      const open = wave.filter((k) => byKey.get(k)?.state !== 'closed');
      const note = i === 0 ? ' — no dependencies, can start now' : ` — after wave ${i}`;
      return `${i + 1}. ${wave.map(ref).join(', ')}${open.length === 0 ? ' — done' : note}`;
    }),
  ];
  return lines.join('\n');
}
