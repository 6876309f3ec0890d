import { createHash } from 'node:crypto';
import { z } from 'zod';
import { pauseRun } from '../../db/runs.ts';
import { approvedSpec } from '../../db/specs.ts';
import { findMarker } from '../../gitea/markers.ts';
import { AGENT_STATUSES } from '../agent-status.ts';
import { cleanAgentLine, cleanAgentText } from '../agent-text.ts';
import { ToolRefusal } from '../refusal.ts';
import { renderBlockerBody } from '../render.ts';
import { loadSubtaskContext, type SubtaskContext } from '../run-context.ts';
import { defineTool, type ToolEnv } from '../tool-kit.ts';
import { updateProgress } from './progress-comment.ts';
import { changeSubtaskStatus, refuseWhenDone } from './status-change.ts';

/** post_progress, update_task_status, report_blocker: what the agent tells the people. */

const MAX_MESSAGE = 2000;
const MAX_QUESTION = 4000;
const MAX_DETAILS = 8000;

export const postProgressTool = defineTool({
  name: 'post_progress',
  title: 'Report progress',
  description:
    "Shows progress on the subtask issue in the run's one progress comment, edited in place (never a " +
    'new comment per call). Edits happen at most once every few seconds; the latest message is kept ' +
    'and written when the interval ends. An optional checklist replaces the shown one.',
  input: z.strictObject({
    message: z.string().min(1).max(MAX_MESSAGE).describe('one or two sentences: what was done, what is next'),
    checklist: z
      .array(z.strictObject({ item: z.string().min(1).max(300), done: z.boolean() }))
      .max(30)
      .optional(),
  }),
  output: z.object({
    issueNumber: z.number().int(),
    state: z.enum(['published', 'queued']),
    commentId: z.number().int().nullable(),
    publishAt: z.string().nullable().describe('ISO 8601 time a queued update is written'),
  }),
  // Repeating a call leaves the same single comment with the same text: nothing is added.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, scope, env) {
    const { secrets } = env.deps;
    const ctx = await loadSubtaskContext(env.deps.db, scope);
    const result = await updateProgress(env, ctx, {
      message: cleanAgentText(args.message, secrets, MAX_MESSAGE),
      checklist: args.checklist?.map((entry) => ({
        item: cleanAgentLine(entry.item, secrets, 300),
        done: entry.done,
      })),
    });
    const publishAt = result.publishAt === null ? null : new Date(result.publishAt).toISOString();
    return {
      summary:
        result.state === 'published'
          ? `Progress shown on #${ctx.issueNumber}`
          : `Progress kept; the comment on #${ctx.issueNumber} is updated at ${publishAt}`,
      data: { issueNumber: ctx.issueNumber, state: result.state, commentId: result.commentId, publishAt },
    };
  },
});

export const updateTaskStatusTool = defineTool({
  name: 'update_task_status',
  title: 'Set the subtask status',
  description:
    "Sets the subtask's status (running, review, blocked or failed) with a short reason: recorded, " +
    "shown as the issue's ai-status label and in the progress comment. The subtask's state moves only " +
    'as its lifecycle allows (running → review or failed); blocked is shown but leaves the state as ' +
    'it is. A change the lifecycle does not allow is refused with the reason.',
  input: z.strictObject({
    status: z.enum(AGENT_STATUSES),
    message: z.string().min(1).max(MAX_MESSAGE).describe('why, in a sentence'),
  }),
  output: z.object({
    issueNumber: z.number().int(),
    status: z.enum(AGENT_STATUSES),
    previousStatus: z.string().describe("the subtask's state before the call"),
    state: z.string().describe("the subtask's state after the call"),
    label: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, scope, env) {
    const ctx = await loadSubtaskContext(env.deps.db, scope);
    refuseWhenDone(ctx);
    const message = cleanAgentText(args.message, env.deps.secrets, MAX_MESSAGE);
    const changed = await changeSubtaskStatus(env, ctx, args.status, message, {
      command: 'mcp.update_task_status',
    });
    return {
      summary:
        changed.state === args.status
          ? `#${ctx.issueNumber} is now ${args.status} (was ${changed.previous})`
          : `#${ctx.issueNumber} is shown as ${args.status}; its state stays ${changed.state}`,
      data: {
        issueNumber: ctx.issueNumber,
        status: args.status,
        previousStatus: changed.previous,
        state: changed.state,
        label: changed.label,
      },
    };
  },
});

/** Questions one run may post on its issue: an agent asking in a loop must not flood the people. */
export const MAX_QUESTIONS_PER_RUN = 3;

async function refuseTooManyQuestions(env: ToolEnv, ctx: SubtaskContext, questionKey: string): Promise<void> {
  const comments = await env.deps.gitea.comments.list(ctx.repo.owner, ctx.repo.name, ctx.issueNumber);
  const keys = new Set(
    comments.flatMap((comment) => {
      const marker = findMarker(comment.body, 'blocker', { run: ctx.scope.runId });
      return marker?.attrs['q'] ? [marker.attrs['q']] : [];
    }),
  );
  if (!keys.has(questionKey) && keys.size >= MAX_QUESTIONS_PER_RUN) {
    throw new ToolRefusal(
      `this run already asked ${keys.size} questions on #${ctx.issueNumber}; stop and wait for the answers`,
    );
  }
}

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The people who can answer: the feature's author, the spec's approver, the subtask's assignees. */
async function humansToAsk(env: ToolEnv, ctx: SubtaskContext, assignees: string[]): Promise<string[]> {
  const spec = await approvedSpec(env.deps.db, ctx.feature.id);
  const bot = (await env.deps.gitea.users.current()).login.toLowerCase();
  const seen = new Set<string>();
  const people: string[] = [];
  for (const login of [ctx.feature.author, spec?.approvedBy, ...assignees]) {
    if (!login || !LOGIN.test(login) || login.toLowerCase() === bot || seen.has(login.toLowerCase()))
      continue;
    seen.add(login.toLowerCase());
    people.push(login);
  }
  return people;
}

export const reportBlockerTool = defineTool({
  name: 'report_blocker',
  title: 'Ask the people for help',
  description:
    'When the agent cannot go on (missing information, contradicting requirements, a broken build it ' +
    'did not cause): posts the question on the subtask issue mentioning the people responsible, labels ' +
    'it ai-status/blocked and pauses the run. Stop working after calling it.',
  input: z.strictObject({
    question: z
      .string()
      .min(1)
      .max(MAX_QUESTION)
      .describe('what the agent needs to know, answerable by a person'),
    details: z.string().max(MAX_DETAILS).optional().describe('what was tried and found so far'),
  }),
  output: z.object({
    issueNumber: z.number().int(),
    commentId: z.number().int(),
    mentioned: z.array(z.string()),
    status: z.literal('blocked'),
    runPaused: z.boolean().describe('false when the run had already ended or was paused'),
  }),
  // The same question again finds its comment (by marker) instead of posting another.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, scope, env) {
    const { db, gitea, secrets } = env.deps;
    const ctx = await loadSubtaskContext(db, scope);
    refuseWhenDone(ctx);
    const question = cleanAgentText(args.question, secrets, MAX_QUESTION);
    const details = cleanAgentText(args.details ?? '', secrets, MAX_DETAILS);
    const issue = { owner: ctx.repo.owner, repo: ctx.repo.name, number: ctx.issueNumber };
    const current = await gitea.issues.get(issue.owner, issue.repo, issue.number);
    const mentioned = await humansToAsk(env, ctx, current.assignees);
    const questionKey = createHash('sha256').update(question).digest('hex').slice(0, 12);
    await refuseTooManyQuestions(env, ctx, questionKey);
    const comment = await gitea.comments.ensure(
      issue.owner,
      issue.repo,
      issue.number,
      { kind: 'blocker', attrs: { run: scope.runId, q: questionKey } },
      renderBlockerBody({ runId: scope.runId, branch: ctx.branch, mention: mentioned, question, details }),
    );
    const runPaused = await pauseRun(db, scope.runId);
    // Shown as blocked (label and progress comment); the lifecycle state stays as it is, since
    // no lifecycle event stands for an agent waiting for a person (see agentStatusChange).
    await changeSubtaskStatus(env, ctx, 'blocked', `Blocked, waiting for an answer: ${question}`, {
      command: 'mcp.report_blocker',
    });
    return {
      summary: `Question posted on #${ctx.issueNumber}${mentioned.length > 0 ? ` for ${mentioned.map((m) => `@${m}`).join(', ')}` : ''}; the run is paused`,
      data: {
        issueNumber: ctx.issueNumber,
        commentId: comment.id,
        mentioned,
        status: 'blocked' as const,
        runPaused,
      },
    };
  },
});
