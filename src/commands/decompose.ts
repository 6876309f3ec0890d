import { listSubtaskTasks, markSuperseded } from '../db/subtasks.ts';
import { type Command, requireFeature } from './command.ts';
import { transitionByCommand } from './transition.ts';

/**
 * `/decompose`: split the approved spec into subtasks again. Allowed while nothing has been
 * dispatched: every subtask is still blocked or ready. The previous plan's issues are closed.
 */
export const decomposeCommand: Command = {
  name: 'decompose',
  usage: '/decompose',
  description: 'Split the approved specification into subtask issues (again, e.g. after a failure).',
  examples: ['/decompose'],
  permission: 'write',
  async run(ctx) {
    const task = await requireFeature(ctx);
    if (!task) return;
    const outcome = await transitionByCommand(ctx, task, async (tx, current) => {
      if (current.state === 'in_progress') {
        const started = (await listSubtaskTasks(tx, current.id)).filter(
          (t) => t.state !== 'blocked' && t.state !== 'ready',
        );
        if (started.length > 0) {
          return {
            refuse: `work has started on ${started.map((t) => `#${t.issueNumber}`).join(', ')}; a new plan would throw it away`,
          };
        }
        await markSuperseded(tx, current.id);
      }
      return { type: 'decomposition_started' };
    });
    if (outcome.kind === 'refused') return ctx.reply(`Not decomposed again: ${outcome.reason}.`);
    await ctx.react('rocket');
  },
};
