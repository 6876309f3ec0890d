import { renderMarker } from '../gitea/markers.ts';
import { addressTo, oneLine } from '../planning/render/markdown.ts';

/**
 * What the MCP tools write into Gitea, as pure functions of their data. Agent-supplied text
 * arrives already cleaned (`cleanAgentText`): redacted and unable to forge a marker.
 */

export interface ChecklistItem {
  item: string;
  done: boolean;
}

export interface ProgressView {
  runId: number;
  branch: string;
  /** The subtask's status (`running`, `review`, `blocked`, `failed`, …). */
  status: string;
  /** The latest message ('' before the first one). */
  message: string;
  checklist: ChecklistItem[];
  /** `agent`: the agent's own checklist; `criteria`: the acceptance criteria, not yet ticked. */
  checklistSource: 'agent' | 'criteria';
  /** Number of the run's pull request once it is open. */
  pullRequest: number | null;
  updatedAt: Date;
}

const STATUS_ICONS: Record<string, string> = {
  ready: '⏳',
  running: '🔄',
  review: '👀',
  blocked: '⛔',
  failed: '❌',
  done: '✅',
};

/** `2026-11-24 03:08 UTC` */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
}

export function progressMarker(runId: number): { kind: string; attrs: { run: number } } {
  return { kind: 'progress', attrs: { run: runId } };
}

/** The visible part of the run's one progress comment (`comments.ensure` adds the marker). */
export function renderProgressBody(view: ProgressView, intervalSeconds: number): string {
  const icon = STATUS_ICONS[view.status] ?? '•';
  const lines = [
    `### 🤖 Agent progress — run #${view.runId}`,
    '',
    `**Status:** ${icon} ${view.status} · **Branch:** \`${view.branch}\` · **Updated:** ${utcMinute(view.updatedAt)}`,
  ];
  if (view.pullRequest !== null) lines.push(`**Pull request:** #${view.pullRequest}`);
  lines.push('', '**Latest:**', view.message === '' ? '> (no message yet)' : quote(view.message));
  if (view.checklist.length > 0) {
    lines.push('', view.checklistSource === 'agent' ? '**Checklist**' : '**Acceptance criteria**');
    for (const entry of view.checklist) lines.push(`- [${entry.done ? 'x' : ' '}] ${oneLine(entry.item)}`);
  }
  lines.push(
    '',
    `<sub>AiWorker edits this one comment as the agent reports (at most once every ${intervalSeconds} s).</sub>`,
  );
  return lines.join('\n');
}

/** The whole comment as stored in Gitea: the marker line, then the body (as `comments.ensure` writes it). */
export function renderProgressComment(view: ProgressView, intervalSeconds: number): string {
  const marker = progressMarker(view.runId);
  return `${renderMarker(marker.kind, marker.attrs)}\n${renderProgressBody(view, intervalSeconds)}`;
}

export interface BlockerView {
  runId: number;
  branch: string;
  /** Logins to mention (without `@`). */
  mention: string[];
  question: string;
  details: string;
}

export function renderBlockerBody(view: BlockerView): string {
  const lines = [
    '### ⛔ The agent is blocked and needs an answer',
    '',
    addressTo(
      view.mention,
      `The agent working on this subtask (run #${view.runId}, branch \`${view.branch}\`) cannot go on without an answer:`,
    ),
    '',
    quote(view.question),
  ];
  if (view.details !== '') {
    lines.push(
      '',
      '<details><summary>What the agent found so far</summary>',
      '',
      view.details,
      '',
      '</details>',
    );
  }
  lines.push(
    '',
    'The run is paused. Answer in a comment here, then `/retry` to start the agent again with your answer.',
  );
  return lines.join('\n');
}

export interface PullRequestBodyView {
  runId: number;
  issueNumber: number;
  /** The agent's description ('' for none). */
  body: string;
  subtaskTitle: string;
  parent: { issueNumber: number; title: string; specUrl: string | null; specVersion: number | null };
}

export function renderPullRequestBody(view: PullRequestBodyView): string {
  const spec =
    view.parent.specUrl === null
      ? 'approved specification on the parent issue'
      : `[approved specification${view.parent.specVersion === null ? '' : ` v${view.parent.specVersion}`}](${view.parent.specUrl})`;
  return [
    renderMarker('pr', { task: view.issueNumber, run: view.runId }),
    view.body === '' ? `Implements #${view.issueNumber}: ${oneLine(view.subtaskTitle)}` : view.body,
    '',
    '---',
    '',
    `Closes #${view.issueNumber}`,
    '',
    `Part of #${view.parent.issueNumber} (${oneLine(view.parent.title)}) · ${spec} · agent run #${view.runId}`,
  ].join('\n');
}
