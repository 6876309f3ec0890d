import type { AgentControl } from '../agents/control.ts';
import type { Logger } from '../config/logger.ts';
import type { RepoConfig } from '../config/repo-config.ts';
import type { CauseEntry } from '../db/audit.ts';
import type { Database } from '../db/client.ts';
import type { RepoRow } from '../db/repos.ts';
import type { TaskRow } from '../db/tasks.ts';
import type { IssueRef } from '../domain/payloads.ts';
import type { PermissionRule } from '../domain/permissions.ts';
import type { WorkScheduler } from '../domain/work.ts';
import type { Reaction } from '../gitea/types.ts';
import type { Planner } from '../planning/planner.ts';
import type { CommandInvocation } from './parser.ts';

/**
 * A slash command, Prow-style: everything about it in one place — what `/help` shows, who may
 * run it, and what it does. `commands/index.ts` lists them.
 */
export interface Command extends PermissionRule {
  /** Lowercase, without the slash: `approve-spec`. */
  name: string;
  /** How to write it, with placeholders: `/revise-spec <feedback>`. */
  usage: string;
  /** One line for `/help`. */
  description: string;
  /** Complete, copy-pasteable single-line examples. */
  examples: readonly string[];
  /**
   * What it does, permission already checked. Absent for a command this version reserves but
   * does not run yet: it is recognised (no "did you mean"), and answered as not available.
   */
  run?(ctx: CommandContext): Promise<void>;
}

/** What commands use besides the comment they run for: narrow services, built once. */
export interface CommandServices {
  db: Database;
  /** Queues the job a new state waits for. */
  work: WorkScheduler;
  /** The agent dispatcher; null when no agent runner is configured. */
  agents: AgentControl | null;
  /** Which planner writes the questions and specs (named by `/status`). */
  planner: Pick<Planner, 'name' | 'model'>;
}

/** What a command's `run` receives: one command of one comment, permission already checked. */
export interface CommandContext {
  services: CommandServices;
  /** The commands this instance runs (for `/help`). */
  commands: readonly Command[];
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

/** The command's cause, claimed once in the audit log (a redelivered comment claims nothing). */
export function causeOf(ctx: CommandContext): CauseEntry {
  return {
    causeKey: ctx.causeKey,
    deliveryId: ctx.deliveryId,
    repoFullName: ctx.repo.fullName,
    issueNumber: ctx.issue.number,
    actor: ctx.comment.author,
    command: ctx.command.name,
    args: ctx.command.args,
    result: 'applied',
  };
}
