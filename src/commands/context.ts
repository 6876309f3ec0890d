import type { Logger } from '../config/logger.ts';
import type { RepoConfig } from '../config/repo-config.ts';
import type { RepoRow } from '../db/repos.ts';
import type { TaskRow } from '../db/tasks.ts';
import type { FeatureState } from '../domain/lifecycle.ts';
import type { Requirement } from '../domain/permissions.ts';
import type { Reaction } from '../gitea/types.ts';
import type { BotDeps } from '../handlers/bot.ts';
import type { IssueRef } from '../handlers/comment-writer.ts';
import type { CommandInvocation } from './parser.ts';
import type { CommandRegistry } from './registry.ts';

/** What a command's `run` receives: one command of one comment, permission already checked. */
export interface CommandContext {
  deps: BotDeps;
  repo: RepoRow;
  config: RepoConfig;
  issue: IssueRef & { title: string; author: string; isPull: boolean };
  comment: { id: number; author: string; createdAt: Date };
  command: CommandInvocation;
  /** The managed task of this issue, if any. */
  task: TaskRow | undefined;
  /** `c<commentId>.<index>`: what makes this command's effects happen once. */
  causeKey: string;
  deliveryId: string;
  log: Logger;
  /** The commands this instance runs (for `/help`). */
  registry: CommandRegistry;
  /** Replies once to this command (a redelivery edits the same reply instead of adding one). */
  reply(body: string): Promise<void>;
  /**
   * Replies once to the whole comment under `topic`: every command of the comment (and every
   * redelivery) edits the same reply, e.g. the questions still open after several `/answer` lines.
   */
  replyToComment(topic: string, body: string): Promise<void>;
  /** Reacts to the comment (idempotent). */
  react(reaction: Reaction): Promise<void>;
}

/** A slash command: its catalog entry's name plus its behaviour (docs/architecture.md §7). */
export interface CommandDescriptor {
  name: string;
  usage: string;
  examples: readonly string[];
  permission: Requirement;
  /** The feature states in which it does something; 'any' when it always answers. */
  states: readonly FeatureState[] | 'any';
  run(ctx: CommandContext): Promise<void>;
}

/** The feature conversation this command acts on, or a reply saying there is none. */
export async function requireFeature(ctx: CommandContext): Promise<TaskRow | null> {
  if (ctx.task?.kind === 'feature') return ctx.task;
  await ctx.reply(
    ctx.task
      ? `\`/${ctx.command.name}\` works on the feature issue, not on a subtask.`
      : `There is no AiWorker conversation on this issue yet. Add the \`${ctx.config.triggerLabel}\` label to start one.`,
  );
  return null;
}
