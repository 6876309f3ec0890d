import { renderPlanFor } from '../handlers/publish.ts';
import { type CommandDescriptor, requireFeature } from './context.ts';
import { describeCommand } from './descriptor.ts';

/** `/plan`: the subtasks, their dependency graph and waves, again. */
export const planCommand: CommandDescriptor = describeCommand('plan', {
  states: 'any',
  async run(ctx) {
    const task = await requireFeature(ctx);
    if (!task) return;
    const plan = await renderPlanFor(ctx.deps, task);
    await ctx.reply(
      plan?.body ??
        'There is no plan yet: the spec is split into subtasks once it is approved (`/approve-spec`).',
    );
  },
});
