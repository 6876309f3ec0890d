import { latestSpec, markSpecApproved } from '../db/specs.ts';
import { type Command, requireFeature } from './command.ts';
import { transitionByCommand } from './transition.ts';

/**
 * `/approve-spec [vN]`: freezes a spec version. The approval names the version it approves:
 * with `vN`, only that version can be approved; without it, only the version that was current
 * when the comment was written — a version posted later has not been read by the approver.
 */
export const approveSpecCommand: Command = {
  name: 'approve-spec',
  usage: '/approve-spec',
  description: 'Approve the current specification; it is frozen and split into subtasks.',
  examples: ['/approve-spec'],
  permission: 'write',
  async run(ctx) {
    const task = await requireFeature(ctx);
    if (!task) return;
    const named = parseVersion(ctx.command.argv[0]);
    if (named === 'invalid') {
      return ctx.reply(
        'Name the version like this: `/approve-spec v3` (or just `/approve-spec` for the version you read).',
      );
    }
    let approved = 0;
    const outcome = await transitionByCommand(
      ctx,
      task,
      async (tx, current) => {
        const spec = await latestSpec(tx, current.id);
        if (!spec) return { refuse: 'there is no spec to approve yet' };
        if (named !== null && named !== spec.version) {
          return {
            refuse:
              named > spec.version
                ? `there is no v${named}; the latest is v${spec.version}`
                : `v${named} is not the latest version — v${spec.version} is. Read it, then \`/approve-spec v${spec.version}\``,
          };
        }
        // Gitea stamps comments to the second, so only a version from a later second counts as unseen.
        if (
          named === null &&
          Math.floor(spec.createdAt.getTime() / 1000) > Math.floor(ctx.comment.createdAt.getTime() / 1000)
        ) {
          return {
            refuse: `v${spec.version} was posted after your comment, so it is not the version you read. Read it, then \`/approve-spec v${spec.version}\``,
          };
        }
        approved = spec.version;
        return { type: 'approved' };
      },
      {},
      async (tx, current) => {
        const spec = await latestSpec(tx, current.id);
        if (spec) await markSpecApproved(tx, spec.id, ctx.comment.author, new Date());
      },
    );
    if (outcome.kind === 'refused') return ctx.reply(`Not approved: ${outcome.reason}.`);
    await ctx.react('hooray');
    if (outcome.kind === 'applied') ctx.log.info({ version: approved }, 'spec approved');
  },
};

function parseVersion(arg: string | undefined): number | null | 'invalid' {
  if (arg === undefined) return null;
  const match = /^v?(\d{1,6})$/i.exec(arg);
  return match ? Number(match[1]) : 'invalid';
}
