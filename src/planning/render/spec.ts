import type { Spec } from '../schemas.ts';
import { bulletList, checklist, neutralize, oneLine } from './markdown.ts';

export interface SpecCommentInput {
  spec: Spec;
  version: number;
  status: 'review' | 'approved';
  approvedBy?: string | null;
  /** Every version so far, oldest first (the current one included or not; it is shown once). */
  history: Array<{ version: number; changeSummary: string }>;
}

const COMPLEXITY_TEXT: Record<Spec['estimatedComplexity'], string> = {
  low: 'low — a day or two of focused work',
  medium: 'medium — several days; a few subtasks',
  high: 'high — a week or more; several coordinated subtasks',
  very_high: 'very high — multiple weeks; consider splitting the issue',
};

/** The specification comment, edited in place on every revision. */
export function renderSpecComment(input: SpecCommentInput): string {
  const { spec, version, status } = input;
  const lines: string[] = [`## Specification v${version}: ${oneLine(spec.title)}`, ''];
  lines.push(
    status === 'approved'
      ? `**Status:** approved${input.approvedBy ? ` by @${oneLine(input.approvedBy)}` : ''} — this version is frozen.`
      : '**Status:** in review',
  );
  lines.push(`**What changed in v${version}:** ${oneLine(spec.changeSummary)}`, '');
  lines.push(`> ${oneLine(spec.summary)}`, '');
  lines.push('### Goals', bulletList(spec.goals), '');
  lines.push('### Context', neutralize(spec.context.trim()), '');
  lines.push('### Architecture', neutralize(spec.architecture.trim()), '');
  lines.push('### Edge cases', bulletList(spec.edgeCases), '');
  lines.push('### Acceptance criteria', checklist(spec.acceptanceCriteria), '');
  lines.push('### Estimated complexity', `**${COMPLEXITY_TEXT[spec.estimatedComplexity]}**`, '');
  lines.push(
    '### Assumptions',
    spec.assumptions.length > 0
      ? bulletList(spec.assumptions)
      : 'None: every decision comes from the issue or an answer.',
    '',
  );
  const history = input.history.filter((h) => h.version !== version).sort((a, b) => a.version - b.version);
  if (history.length > 0) {
    lines.push(
      '<details><summary>Earlier versions</summary>',
      '',
      ...history.map((h) => `- v${h.version}: ${oneLine(h.changeSummary)}`),
      '',
      '</details>',
      '',
    );
  }
  lines.push('---');
  if (status === 'review') {
    lines.push(
      `- \`/revise-spec <what to change>\` — a new version with your feedback (e.g. \`/revise-spec also support PayPal\`, \`/revise-spec out of scope: refunds\`).`,
      `- \`/approve-spec v${version}\` — approve this version and create the subtasks (write permission).`,
    );
  } else {
    lines.push('Subtasks are created from this version; progress is tracked in the plan comment.');
  }
  return lines.join('\n');
}
