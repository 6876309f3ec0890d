import { z } from 'zod';
import { audit } from '../../db/audit.ts';
import { approvedSpec } from '../../db/specs.ts';
import { claimReadySubtask, findFeatureOfIssue, findSubtaskByIssue } from '../../db/subtasks.ts';
import { specFromRow } from '../../planning/stored.ts';
import { showStatusLabel } from '../../publish/board-sync.ts';
import { ToolRefusal } from '../refusal.ts';
import { loadRunContext, loadSubtaskContext, requireOwnIssue } from '../run-context.ts';
import { defineTool } from '../tool-kit.ts';
import { buildTaskView, TaskViewSchema, taskSummaryLine } from './task-view.ts';

/** get_task, get_next_task, get_spec: what the agent works on. */

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export const getTaskTool = defineTool({
  name: 'get_task',
  title: 'Get the subtask',
  description:
    "This run's subtask: title, description, acceptance criteria, estimate, status, the state of " +
    'its dependencies, the branch to push (ai/<number>-<slug>) and the base branch, a summary of the ' +
    'approved parent spec, and files that match the task. Call it first.',
  input: z.strictObject({
    issueNumber: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("the subtask's issue number; only this run's own subtask is allowed"),
  }),
  output: TaskViewSchema,
  annotations: READ_ONLY,
  async run(args, scope, env) {
    if (args.issueNumber !== undefined) requireOwnIssue(scope, args.issueNumber);
    const view = await buildTaskView(env, await loadSubtaskContext(env.deps.db, scope));
    return { summary: taskSummaryLine(view), data: view };
  },
});

export const getNextTaskTool = defineTool({
  name: 'get_next_task',
  title: 'Claim the next ready subtask',
  description:
    'For pull-mode runs: atomically claims the next ready subtask of the same feature (no other ' +
    "agent can get it), makes it this run's subtask and returns it like get_task. Returns " +
    'claimed=false when nothing is ready. Finish the current subtask first (open its pull request ' +
    'or set its status).',
  input: z.strictObject({}),
  output: z.object({
    claimed: z.boolean(),
    task: TaskViewSchema.nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requires: ['pull'],
  async run(_args, scope, env) {
    const { db, log, gitea } = env.deps;
    const { repo } = await loadRunContext(db, scope);
    const feature = await findFeatureOfIssue(db, scope.repoId, scope.issueNumber);
    if (!feature) throw new ToolRefusal(`#${scope.issueNumber} belongs to no feature AiWorker manages`);
    const current = await findSubtaskByIssue(db, scope.repoId, scope.issueNumber);
    if (current?.task.state === 'running') {
      throw new ToolRefusal(
        `finish #${scope.issueNumber} first: open its pull request, or set its status to review or failed`,
      );
    }
    const claimed = await claimReadySubtask(db, { featureTaskId: feature.id, tokenId: scope.tokenId });
    if (!claimed) {
      return {
        summary: `No subtask of #${feature.issueNumber} is ready`,
        data: { claimed: false, task: null },
      };
    }
    await audit(db, {
      deliveryId: null,
      repoFullName: repo.fullName,
      issueNumber: claimed.task.issueNumber,
      actor: `agent-run:${scope.runId}`,
      command: 'mcp.get_next_task',
      result: 'claimed',
      detail: `run ${scope.runId} claimed ${claimed.subtask.key} (#${claimed.task.issueNumber}) of #${feature.issueNumber}`,
    });
    const ctx = await loadSubtaskContext(db, { ...scope, issueNumber: claimed.task.issueNumber });
    // The claim is made; a label that fails to follow must not make the agent claim another.
    await showStatusLabel(
      gitea,
      { owner: repo.owner, repo: repo.name, number: ctx.issueNumber },
      ctx.task.state,
    ).catch((error: unknown) =>
      log.warn({ err: error, issue: ctx.issueNumber }, 'status label not updated after a claim'),
    );
    const view = await buildTaskView(env, ctx);
    return { summary: `Claimed: ${taskSummaryLine(view)}`, data: { claimed: true, task: view } };
  },
});

export const getSpecTool = defineTool({
  name: 'get_spec',
  title: 'Get the approved spec',
  description:
    'The approved specification of the parent feature, every section: goals, context, architecture, ' +
    'edge cases, acceptance criteria, estimated complexity and assumptions.',
  input: z.strictObject({}),
  output: z.object({
    parent: z.object({ issueNumber: z.number().int(), title: z.string() }),
    version: z.number().int(),
    title: z.string(),
    summary: z.string(),
    goals: z.array(z.string()),
    context: z.string(),
    architecture: z.string(),
    edgeCases: z.array(z.string()),
    acceptanceCriteria: z.array(z.string()),
    estimatedComplexity: z.string(),
    assumptions: z.array(z.string()),
    approvedBy: z.string().nullable(),
    approvedAt: z.string().nullable(),
  }),
  annotations: READ_ONLY,
  async run(_args, scope, env) {
    const { db } = env.deps;
    const feature = await findFeatureOfIssue(db, scope.repoId, scope.issueNumber);
    if (!feature) throw new ToolRefusal(`#${scope.issueNumber} belongs to no feature AiWorker manages`);
    const spec = await approvedSpec(db, feature.id);
    if (!spec) throw new ToolRefusal(`the spec of #${feature.issueNumber} is not approved`);
    const { changeSummary: _changeSummary, ...body } = specFromRow(spec);
    return {
      summary: `Spec v${spec.version} of #${feature.issueNumber} "${spec.title}" (approved by ${spec.approvedBy ?? 'unknown'})`,
      data: {
        parent: { issueNumber: feature.issueNumber, title: feature.title },
        version: spec.version,
        ...body,
        approvedBy: spec.approvedBy,
        approvedAt: spec.approvedAt?.toISOString() ?? null,
      },
    };
  },
});
