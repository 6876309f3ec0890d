/**
 * The labels AiWorker manages (docs/architecture.md §2). Every module that reads or sets a label takes the
 * name from here. The `ai-status/*` labels are exclusive (scoped): Gitea keeps at most one of
 * them on an issue, removing the previous one when another is added.
 */

export const DEFAULT_TRIGGER_LABEL = 'ai';
export const SUBTASK_LABEL = 'ai-subtask';
export const STATUS_LABEL_SCOPE = 'ai-status';

export const AI_STATUSES = [
  'clarifying',
  'spec-review',
  'approved',
  'in-progress',
  'blocked',
  'ready',
  'running',
  'review',
  'done',
  'failed',
] as const;

export type AiStatus = (typeof AI_STATUSES)[number];

export interface LabelSpec {
  name: string;
  /** Six hex digits, lower case, without `#`. */
  color: string;
  description: string;
  exclusive: boolean;
}

/** `ai-status/<status>` */
export function statusLabel(status: AiStatus): string {
  return `${STATUS_LABEL_SCOPE}/${status}`;
}

/** The status a label name stands for, or null when it is not an `ai-status/*` label. */
export function parseStatusLabel(name: string): AiStatus | null {
  const prefix = `${STATUS_LABEL_SCOPE}/`;
  if (!name.startsWith(prefix)) return null;
  const status = name.slice(prefix.length);
  return (AI_STATUSES as readonly string[]).includes(status) ? (status as AiStatus) : null;
}

const STATUS_LOOK: Record<AiStatus, { color: string; description: string }> = {
  clarifying: { color: 'fbca04', description: 'AiWorker is asking clarifying questions' },
  'spec-review': { color: '1d76db', description: 'A specification is waiting for review (/approve-spec)' },
  approved: { color: '0e8a16', description: 'The specification is approved and frozen' },
  'in-progress': { color: '5319e7', description: 'Subtasks are being built' },
  blocked: { color: 'b60205', description: 'Waiting on other subtasks or on a person' },
  ready: { color: 'c2e0c6', description: 'All dependencies are done; can be dispatched' },
  running: { color: 'f9d0c4', description: 'An agent is working on this subtask' },
  review: { color: '006b75', description: 'A pull request is waiting for review' },
  done: { color: '2ea44f', description: 'Merged and closed' },
  failed: { color: 'd93f0b', description: 'AiWorker stopped; the last comment says why and what to do' },
};

/** Every label `setup` creates: the trigger, the exclusive status labels, and `ai-subtask`. */
export function managedLabelSpecs(triggerLabel: string = DEFAULT_TRIGGER_LABEL): LabelSpec[] {
  const trigger = triggerLabel.trim();
  if (!trigger) throw new Error('the trigger label name must not be empty');
  if (trigger === SUBTASK_LABEL || parseStatusLabel(trigger) !== null) {
    throw new Error(`the trigger label "${trigger}" collides with a label AiWorker manages`);
  }
  return [
    {
      name: trigger,
      color: '7057ff',
      description: 'Hand this issue to AiWorker: questions, spec, subtasks, pull requests',
      exclusive: false,
    },
    ...AI_STATUSES.map((status) => ({
      name: statusLabel(status),
      color: STATUS_LOOK[status].color,
      description: STATUS_LOOK[status].description,
      exclusive: true,
    })),
    {
      name: SUBTASK_LABEL,
      color: 'bfd4f2',
      description: 'A subtask AiWorker split from a parent issue',
      exclusive: false,
    },
  ];
}
