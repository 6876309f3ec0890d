import { and, eq } from 'drizzle-orm';
import type { Database } from '../../src/db/client.ts';
import { upsertRepo } from '../../src/db/repos.ts';
import { agentRuns, subtasks, taskSpecifications, tasks } from '../../src/db/schema.ts';
import type { SubtaskState } from '../../src/domain/lifecycle.ts';

/**
 * Rows the dispatcher would have written before an agent calls the MCP server: a feature with
 * an approved spec (after an earlier unapproved version), its subtasks (plan rows with issue
 * numbers, and the task rows that hold their lifecycle state), and agent runs. Each call makes a fresh feature, so tests never share state.
 */

export interface SubtaskSeed {
  key: string;
  title: string;
  issueNumber: number;
  /** The lifecycle state of its task row (default ready); the plan row is always `created`. */
  state?: SubtaskState;
  dependencies?: string[];
  description?: string;
  acceptanceCriteria?: string[];
  estimatedTime?: string;
  wave?: number;
}

export interface SpecSeed {
  title?: string;
  summary?: string;
  goals?: string[];
  context?: string;
  architecture?: string;
  edgeCases?: string[];
  acceptanceCriteria?: string[];
  assumptions?: string[];
  approvedBy?: string;
}

export interface FeatureSeed {
  repo: { owner: string; name: string; defaultBranch?: string };
  issueNumber: number;
  title: string;
  author: string;
  spec?: SpecSeed;
  subtasks: SubtaskSeed[];
}

export interface SeededSubtask {
  id: number;
  /** The subtask issue's own task row. */
  taskId: number;
  issueNumber: number;
  key: string;
}

export interface SeededFeature {
  repoId: number;
  featureTaskId: number;
  /** The approved spec's version (an unapproved older version exists too). */
  specVersion: number;
  subtasks: Record<string, SeededSubtask>;
}

export async function seedFeature(db: Database, seed: FeatureSeed): Promise<SeededFeature> {
  const repo = await upsertRepo(db, { ...seed.repo, defaultBranch: seed.repo.defaultBranch ?? 'main' });
  const [feature] = await db.insert(tasks).values({
    repoId: repo.id,
    issueNumber: seed.issueNumber,
    kind: 'feature',
    state: 'in_progress',
    stateVersion: 7,
    title: seed.title,
    author: seed.author,
    specVersion: 2,
  });
  const featureTaskId = feature.insertId;
  const spec = seed.spec ?? {};
  const base = {
    taskId: featureTaskId,
    title: spec.title ?? seed.title,
    summary: spec.summary ?? `Let shoppers ${seed.title.toLowerCase()}.`,
    goals: spec.goals ?? ['Shoppers can keep products for later'],
    context: spec.context ?? 'An Express shop with a cart module in src/cart.ts.',
    architecture: spec.architecture ?? 'A wishlist module next to the cart, stored per user.',
    edgeCases: spec.edgeCases ?? ['The same product added twice'],
    acceptanceCriteria: spec.acceptanceCriteria ?? [
      'A product can be added to and removed from the wishlist',
    ],
    estimatedComplexity: 'medium' as const,
    assumptions: spec.assumptions ?? ['Only signed-in users have a wishlist'],
    provider: 'builtin',
  };
  await db.insert(taskSpecifications).values([
    { ...base, version: 1, title: 'Draft that was revised', architecture: 'DRAFT architecture, superseded' },
    {
      ...base,
      version: 2,
      changeSummary: 'Stored per user',
      approvedBy: spec.approvedBy ?? 'bob',
      approvedAt: new Date('2026-11-20T10:00:00Z'),
    },
  ]);

  const seeded: Record<string, SeededSubtask> = {};
  for (const [order, sub] of seed.subtasks.entries()) {
    const [task] = await db.insert(tasks).values({
      repoId: repo.id,
      issueNumber: sub.issueNumber,
      kind: 'subtask',
      parentTaskId: featureTaskId,
      state: sub.state ?? 'ready',
      stateVersion: 1,
      title: sub.title,
      author: 'aiworker-bot',
    });
    const [row] = await db.insert(subtasks).values({
      taskId: featureTaskId,
      specVersion: 2,
      key: sub.key,
      title: sub.title,
      description: sub.description ?? `Build ${sub.title.toLowerCase()}.`,
      acceptanceCriteria: sub.acceptanceCriteria ?? [`${sub.title} works`, 'Tests cover it'],
      dependencies: sub.dependencies ?? [],
      estimatedTime: sub.estimatedTime ?? '2h',
      order,
      wave: sub.wave ?? 0,
      status: 'created',
      issueNumber: sub.issueNumber,
      subtaskTaskId: task.insertId,
    });
    seeded[sub.key] = { id: row.insertId, taskId: task.insertId, issueNumber: sub.issueNumber, key: sub.key };
  }
  return { repoId: repo.id, featureTaskId, specVersion: 2, subtasks: seeded };
}

export async function seedRun(
  db: Database,
  input: {
    repoId: number;
    subtask: SeededSubtask | { taskId: number; issueNumber: number };
    branch: string;
    status?: string;
    attempt?: number;
  },
): Promise<number> {
  const [run] = await db.insert(agentRuns).values({
    taskId: input.subtask.taskId,
    repoId: input.repoId,
    issueNumber: input.subtask.issueNumber,
    attempt: input.attempt ?? 1,
    runner: 'local',
    status: input.status ?? 'running',
    branch: input.branch,
    startedAt: new Date(),
  });
  return run.insertId;
}

/** A pull-mode run starts on its feature (its task row is the feature's). */
export async function seedPullRun(
  db: Database,
  input: { repoId: number; featureTaskId: number; issueNumber: number; attempt: number },
): Promise<number> {
  return seedRun(db, {
    repoId: input.repoId,
    subtask: { taskId: input.featureTaskId, issueNumber: input.issueNumber },
    branch: '',
    attempt: input.attempt,
  });
}

export async function subtaskRow(db: Database, featureTaskId: number, key: string) {
  const [row] = await db
    .select()
    .from(subtasks)
    .where(and(eq(subtasks.taskId, featureTaskId), eq(subtasks.key, key)));
  if (!row) throw new Error(`no subtask ${key}`);
  return row;
}

/** The lifecycle state of a subtask, from its task row. */
export async function subtaskState(db: Database, featureTaskId: number, key: string): Promise<string> {
  const plan = await subtaskRow(db, featureTaskId, key);
  if (plan.subtaskTaskId === null) throw new Error(`subtask ${key} has no task row`);
  return (await taskRow(db, plan.subtaskTaskId)).state;
}

export async function taskRow(db: Database, taskId: number) {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, taskId));
  if (!row) throw new Error(`no task ${taskId}`);
  return row;
}

export async function runRow(db: Database, runId: number) {
  const [row] = await db.select().from(agentRuns).where(eq(agentRuns.id, runId));
  if (!row) throw new Error(`no run ${runId}`);
  return row;
}
