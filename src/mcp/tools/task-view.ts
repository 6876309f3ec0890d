import { z } from 'zod';
import { searchCodebase } from '../../context/index.ts';
import type { SpecRow } from '../../db/specs.ts';
import { approvedSpec } from '../../db/specs.ts';
import { subtasksOfFeature } from '../../db/subtasks.ts';
import type { SubtaskContext } from '../run-context.ts';
import type { ToolEnv } from '../tool-kit.ts';

/** What an agent is told about its subtask (get_task, and get_next_task after a claim). */

export const SpecSummarySchema = z.object({
  version: z.number().int(),
  title: z.string(),
  summary: z.string(),
  goals: z.array(z.string()),
  acceptanceCriteria: z.array(z.string()),
  estimatedComplexity: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable().describe('ISO 8601'),
});

export const TaskViewSchema = z.object({
  repo: z.string().describe('owner/name'),
  issueNumber: z.number().int(),
  title: z.string(),
  description: z.string(),
  acceptanceCriteria: z.array(z.string()),
  estimate: z.string(),
  status: z.string().describe('ready, running, review, blocked, failed or done'),
  runId: z.number().int(),
  branch: z.string().describe('the branch to push: ai/<number>-<slug>'),
  baseBranch: z.string().describe('the default branch the pull request targets'),
  dependencies: z.array(
    z.object({
      key: z.string(),
      title: z.string(),
      issueNumber: z.number().int().nullable(),
      status: z.string(),
      done: z.boolean(),
    }),
  ),
  parent: z.object({ issueNumber: z.number().int(), title: z.string() }),
  spec: SpecSummarySchema.nullable().describe('the approved parent spec (get_spec has every section)'),
  relevantFiles: z
    .array(
      z.object({
        path: z.string(),
        lines: z.array(z.object({ line: z.number().int(), text: z.string() })),
      }),
    )
    .describe('files of the default branch that match the task title'),
});

export type TaskView = z.infer<typeof TaskViewSchema>;

export function specSummary(spec: SpecRow): z.infer<typeof SpecSummarySchema> {
  return {
    version: spec.version,
    title: spec.title,
    summary: spec.summary ?? '',
    goals: spec.goals,
    acceptanceCriteria: spec.acceptanceCriteria,
    estimatedComplexity: spec.estimatedComplexity,
    approvedBy: spec.approvedBy,
    approvedAt: spec.approvedAt?.toISOString() ?? null,
  };
}

const RELEVANT_FILES = 8;
const RELEVANT_FILES_READ = 40;

/** Files matching the task title; a search that fails leaves the list empty (the task still loads). */
async function relevantFiles(
  env: ToolEnv,
  ctx: SubtaskContext,
  defaultBranch: string,
): Promise<TaskView['relevantFiles']> {
  const reader = env.deps.readerFor(ctx.repo.owner, ctx.repo.name);
  const query = ctx.subtask.title.trim().slice(0, 500);
  if (query === '') return [];
  try {
    const head = await reader.getBranchHead(defaultBranch);
    const found = await searchCodebase(reader, head, query, {
      maxResults: RELEVANT_FILES,
      maxFilesRead: RELEVANT_FILES_READ,
      maxMatchesPerFile: 3,
      cache: env.deps.contextCache,
      repo: ctx.repo.fullName,
    });
    return found.results.map((result) => ({ path: result.path, lines: result.matches }));
  } catch (error) {
    env.deps.log.warn(
      { err: error, repo: ctx.repo.fullName, issue: ctx.issueNumber },
      'no relevant files for get_task',
    );
    return [];
  }
}

export async function buildTaskView(env: ToolEnv, ctx: SubtaskContext): Promise<TaskView> {
  const { db } = env.deps;
  const reader = env.deps.readerFor(ctx.repo.owner, ctx.repo.name);
  const [repoInfo, siblings, spec] = await Promise.all([
    reader.getRepo(),
    subtasksOfFeature(db, ctx.feature.id, ctx.subtask.specVersion),
    approvedSpec(db, ctx.feature.id),
  ]);
  const byKey = new Map(siblings.map((sibling) => [sibling.subtask.key, sibling]));
  return {
    repo: ctx.repo.fullName,
    issueNumber: ctx.issueNumber,
    title: ctx.subtask.title,
    description: ctx.subtask.description,
    acceptanceCriteria: ctx.subtask.acceptanceCriteria,
    estimate: ctx.subtask.estimatedTime,
    status: ctx.task.state,
    runId: ctx.scope.runId,
    branch: ctx.branch,
    baseBranch: repoInfo.defaultBranch,
    dependencies: ctx.subtask.dependencies.map((key) => {
      const dependency = byKey.get(key);
      return {
        key,
        title: dependency?.subtask.title ?? '(unknown subtask)',
        issueNumber: dependency?.subtask.issueNumber ?? null,
        status: dependency?.state ?? 'unknown',
        done: dependency?.state === 'done',
      };
    }),
    parent: { issueNumber: ctx.feature.issueNumber, title: ctx.feature.title },
    spec: spec ? specSummary(spec) : null,
    relevantFiles: repoInfo.empty ? [] : await relevantFiles(env, ctx, repoInfo.defaultBranch),
  };
}

export function taskSummaryLine(view: TaskView): string {
  const open = view.dependencies.filter((dependency) => !dependency.done).length;
  return (
    `Subtask #${view.issueNumber} "${view.title}" (${view.status}) of #${view.parent.issueNumber}: ` +
    `${view.acceptanceCriteria.length} acceptance criteria, branch ${view.branch} → ${view.baseBranch}` +
    (open > 0 ? `, ${open} dependenc${open === 1 ? 'y' : 'ies'} not done` : '')
  );
}
