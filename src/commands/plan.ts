import { renderPlanFor } from '../publish/plan.ts';
import { type Command, requireFeature } from './command.ts';

/** `/plan`: the subtasks, their dependency graph and waves, again. */
export const planCommand: Command = {
  name: 'plan',
  usage: '/plan',
  description: 'Show the subtasks, their dependencies and the order in which they will be built.',
  examples: ['/plan'],
  permission: 'anyone',
  async run(ctx) {
    const task = await requireFeature(ctx);
    if (!task) return;
    const plan = await renderPlanFor(ctx.services.db, task);
    await ctx.reply(
      plan?.body ??
        'There is no plan yet: the spec is split into subtasks once it is approved (`/approve-spec`).',
    );
  },
};
