import type { AgentControl, ClaimResult } from '../agents/control.ts';
import { listSubtaskTasks } from '../db/subtasks.ts';
import { getTask, type TaskRow } from '../db/tasks.ts';
import { describeState, type SubtaskState } from '../domain/lifecycle.ts';
import type { CommandContext } from './command.ts';

/**
 * What the agent commands (`/dispatch`, `/retry`, `/cancel`) share: the dispatcher and which
 * subtasks a command acts on (or why there are none), and the reply to a claim.
 */

/** The subtasks a command acts on: this subtask, `#N` of this feature, or the whole feature. */
export interface AgentTarget {
  feature: TaskRow;
  /** The named subtask, or every subtask of the feature. */
  subtasks: TaskRow[];
  /** Whether one subtask was named (the subtask issue itself, or `#N`). */
  named: boolean;
  /** Whether the command was written on the feature issue. */
  onFeature: boolean;
}

async function resolveAgentTarget(ctx: CommandContext): Promise<AgentTarget | null> {
  const task = ctx.task;
  const name = `/${ctx.command.name}`;
  if (!task) {
    await ctx.reply(
      `AiWorker manages no feature or subtask on this issue, so there is nothing for \`${name}\` to do.`,
    );
    return null;
  }
  const arg = ctx.command.argv[0];
  const named = arg === undefined ? null : /^#?(\d{1,9})$/.exec(arg);
  if (arg !== undefined && !named) {
    await ctx.reply(
      `Name a subtask like this: \`${name} #14\` (on the feature issue), or say \`${name}\` on the subtask issue itself.`,
    );
    return null;
  }
  if (task.kind === 'subtask') {
    if (task.parentTaskId === null) throw new Error(`subtask #${task.issueNumber} has no feature`);
    const feature = await getTask(ctx.services.db, task.parentTaskId);
    if (named && Number(named[1]) !== task.issueNumber) {
      await ctx.reply(
        `On a subtask, \`${name}\` acts on the subtask itself; say \`${name} #${named[1]}\` on #${feature.issueNumber} instead.`,
      );
      return null;
    }
    return { feature, subtasks: [task], named: true, onFeature: false };
  }
  const subtasks = await listSubtaskTasks(ctx.services.db, task.id);
  if (!named) return { feature: task, subtasks, named: false, onFeature: true };
  const number = Number(named[1]);
  const subtask = subtasks.find((t) => t.issueNumber === number);
  if (!subtask) {
    await ctx.reply(`#${number} is not a subtask of #${task.issueNumber}.`);
    return null;
  }
  return { feature: task, subtasks: [subtask], named: true, onFeature: true };
}

/**
 * The agent dispatcher and the subtasks the command acts on; or null, with a reply saying that
 * no agent can run on this instance, or what is wrong with the target.
 */
export async function agentCommandTarget(
  ctx: CommandContext,
): Promise<{ agents: AgentControl; target: AgentTarget } | null> {
  const agents = ctx.services.agents;
  if (!agents) {
    await ctx.reply(
      'No agent runner is configured on this AiWorker (`AGENT_RUNNER=none`), so no agent can run. An administrator can set `AGENT_RUNNER=local` or `AGENT_RUNNER=kubernetes`.',
    );
    return null;
  }
  const target = await resolveAgentTarget(ctx);
  return target ? { agents, target } : null;
}

/** "2 blocked by their dependencies, 1 in review" */
export function summariseStates(subtasks: readonly TaskRow[]): string {
  const counts = new Map<string, number>();
  for (const t of subtasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  if (counts.size === 0) return 'it has no subtasks';
  return [...counts].map(([state, n]) => `${n} ${describeState(state as SubtaskState)}`).join(', ');
}

/** Tells what started and what waits for a slot; a redelivered command says nothing new. */
export async function replyToClaim(
  ctx: CommandContext,
  result: ClaimResult,
  manual: boolean,
  prefix = '',
): Promise<void> {
  if (result.kind === 'replayed') return;
  if (result.kind === 'refused') return ctx.reply(`${prefix}${result.reason}`);
  const lines: string[] = [];
  if (result.started.length > 0) {
    lines.push(
      `${prefix}Started ${result.started.map((r) => `#${r.issueNumber} (run #${r.id}, attempt ${r.attempt}, branch \`${r.branch}\`)`).join(', ')}.`,
    );
  }
  if (result.waiting.length > 0) {
    const why = (w: (typeof result.waiting)[number]) =>
      w.limit === 'global'
        ? `all ${w.max} agent slots of this AiWorker are busy (\`AGENT_MAX_CONCURRENT\`)`
        : `${w.max} of ${w.max} runs of ${ctx.repo.fullName} are going (\`agents.maxConcurrent\`)`;
    const first = result.waiting[0];
    lines.push(
      `${result.started.length > 0 ? '' : prefix}Waiting for a free slot: ${result.waiting.map((w) => `#${w.issueNumber}`).join(', ')}${first ? ` — ${why(first)}` : ''}. ${
        manual ? 'Say `/dispatch` again once a run ends.' : 'They start as soon as a run ends.'
      }`,
    );
  }
  if (lines.length === 0)
    lines.push(
      `${prefix}Nothing was started: the subtasks changed meanwhile. Say \`/status\` to see where they stand.`,
    );
  if (result.started.length > 0) await ctx.react('rocket');
  await ctx.reply(lines.join('\n'));
}
