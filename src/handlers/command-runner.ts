import type { Command, CommandContext, CommandServices } from '../commands/command.ts';
import { type CommandInvocation, parseComment } from '../commands/parser.ts';
import { requiredPermission } from '../commands/permissions.ts';
import { audit } from '../db/audit.ts';
import type { RepoRow } from '../db/repos.ts';
import { findTask } from '../db/tasks.ts';
import type { CommentContext, HandlerRegistrar } from '../domain/events.ts';
import { decide, type RepoPermission } from '../domain/permissions.ts';
import type { GiteaPick } from '../gitea/client.ts';
import { BotNotRepoAdminError } from '../gitea/errors.ts';
import { addressTo } from '../planning/render/markdown.ts';
import { withIssueLock } from '../publish/issue-lock.ts';
import type { IssueWriters } from '../publish/issue-writers.ts';
import type { Publisher } from '../publish/publisher.ts';
import type { SettingsGate } from '../publish/settings-gate.ts';

export interface CommandRunnerDeps extends IssueWriters {
  gitea: GiteaPick<{ permissions: 'get'; comments: 'react' }>;
  gate: Pick<SettingsGate, 'settingsFor'>;
  publisher: Pick<Publisher, 'feature'>;
  /** Every command AiWorker knows (commands/index.ts). */
  commands: readonly Command[];
  /** What the commands use. */
  services: CommandServices;
}

/**
 * Slash commands in new comments (docs/architecture.md §3): parsed as a pure function, then each command is
 * checked for permission FIRST — before the task's state is even read, so a refused user
 * learns nothing and changes nothing — and run. Edited and deleted comments never run
 * commands: only `comment.created` is handled.
 */
export function registerCommandHandler(app: HandlerRegistrar, deps: CommandRunnerDeps): void {
  const known = deps.commands.map((command) => command.name);
  app.on('comment.created', (ctx) => onComment(deps, known, ctx));
}

async function onComment(
  deps: CommandRunnerDeps,
  known: readonly string[],
  ctx: CommentContext,
): Promise<void> {
  const c = ctx.payload;
  if (c.comment.id === null) return; // a review without a comment id: nothing to key its effects by
  const parsed = parseComment(c.comment.body, { knownCommands: known });
  if (parsed.kind === 'ignore') return;
  const ref = { owner: c.repo.owner, repo: c.repo.name, number: c.issue.number };
  const gate = await deps.gate.settingsFor(c.repo, ref);
  if (!gate) return;
  const { repo, config } = gate;
  const commentId = c.comment.id;
  const reply = (key: string) => (body: string) =>
    withIssueLock(deps.locks, repo, ref.number, async () => {
      await deps.comments.ensure(
        ref,
        { kind: 'reply', attrs: { cause: key } },
        addressTo(c.comment.author, body),
      );
    });

  let touchedTask = false;
  for (const item of parsed.items) {
    if (item.kind !== 'command') {
      await reply(`c${commentId}.l${item.line}`)(item.message);
      continue;
    }
    const causeKey = `c${commentId}.${item.index}`;
    const log = ctx.log.child({ command: item.name, causeKey });
    const command = deps.commands.find((known) => known.name === item.name);
    if (!command?.run) {
      await reply(causeKey)(
        `\`/${item.name}\` is not available on this AiWorker instance yet. Say \`/help\` for the commands it runs.`,
      );
      continue;
    }
    // 1. Permission, before anything about the task is read.
    const requirement = requiredPermission(item.name, item.argv, config.permissions);
    const isAuthor = c.comment.author.toLowerCase() === c.issue.author.toLowerCase();
    // Asked only when the answer can change the decision.
    const decidedWithout = requirement === 'anyone' || (requirement === 'author-or-write' && isAuthor);
    let permission: RepoPermission = 'none';
    if (!decidedWithout) {
      try {
        permission = await deps.gitea.permissions.get(ref.owner, ref.repo, c.comment.author);
      } catch (error) {
        if (!(error instanceof BotNotRepoAdminError)) throw error;
        await reportBotNotAdmin(deps, ctx, repo, item, error);
        continue;
      }
    }
    const decision = decide({
      requirement,
      permission,
      isAuthor,
      command: `/${item.name}`,
      repo: repo.fullName,
    });
    if (!decision.allowed) {
      log.info({ requirement, permission }, 'command refused: permission');
      await audit(deps.db, {
        deliveryId: ctx.deliveryId,
        repoFullName: repo.fullName,
        issueNumber: ref.number,
        actor: c.comment.author,
        command: item.name,
        args: item.args,
        result: 'forbidden',
        detail: decision.message,
      });
      await reply(causeKey)(decision.message);
      continue;
    }
    // 2. The command itself (it reads the state and refuses with a reason where needed).
    const task = await findTask(deps.db, repo.id, ref.number);
    const context: CommandContext = {
      services: deps.services,
      commands: deps.commands,
      repo,
      config,
      issue: { ...ref, title: c.issue.title, author: c.issue.author, isPull: c.issue.isPull },
      comment: {
        id: commentId,
        author: c.comment.author,
        createdAt: new Date(c.comment.createdAt ?? Date.now()),
      },
      command: item,
      task,
      causeKey,
      deliveryId: ctx.deliveryId,
      log,
      reply: reply(causeKey),
      replyToComment: (topic, body) => reply(`c${commentId}.${topic}`)(body),
      react: (reaction) => deps.gitea.comments.react(ref.owner, ref.repo, commentId, reaction),
    };
    await command.run(context);
    if (task) touchedTask = true;
  }
  if (touchedTask) {
    const task = await findTask(deps.db, repo.id, ref.number);
    if (task?.kind === 'feature') await deps.publisher.feature(task.id);
  }
}

/**
 * The bot account may not ask Gitea about other people's access: AiWorker's setup is wrong, not
 * the user's access. The issue gets one comment saying so and how to fix it (one per issue, by
 * its marker, however many commands hit it); the command is not run.
 */
async function reportBotNotAdmin(
  deps: CommandRunnerDeps,
  ctx: CommentContext,
  repo: RepoRow,
  item: CommandInvocation,
  error: BotNotRepoAdminError,
): Promise<void> {
  const c = ctx.payload;
  ctx.log.warn(
    { command: item.name, err: error.message },
    'command not run: the bot account is not a repository admin',
  );
  await audit(deps.db, {
    deliveryId: ctx.deliveryId,
    repoFullName: repo.fullName,
    issueNumber: c.issue.number,
    actor: c.comment.author,
    command: item.name,
    args: item.args,
    result: 'config-error',
    detail: error.message,
  });
  await withIssueLock(deps.locks, repo, c.issue.number, async () => {
    await deps.comments.ensure(
      { owner: c.repo.owner, repo: c.repo.name, number: c.issue.number },
      { kind: 'config', attrs: { repo: repo.fullName, need: 'admin' } },
      renderBotAccessComment({ repo: repo.fullName, problem: error.problem, fix: error.fix }),
    );
  });
}

/**
 * The issue comment for a command that could not be permission-checked because the bot account
 * is not an administrator of the repository: a problem of AiWorker's setup, which the comment
 * says plainly, so nobody takes it for a verdict on their own access.
 */
export function renderBotAccessComment(access: { repo: string; problem: string; fix: string }): string {
  return [
    `### ⚠️ AiWorker is not set up correctly for ${access.repo}`,
    '',
    `Commands that need a permission check are not run: ${access.problem}.`,
    '',
    `This is not about anyone's own access. To fix it: ${access.fix} Then write the command again.`,
  ].join('\n');
}
