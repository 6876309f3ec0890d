import type { DbOrTx } from '../db/client.ts';
import { listSubtasks, listSubtaskTasks } from '../db/subtasks.ts';
import type { TaskRow } from '../db/tasks.ts';
import { renderPlanComment } from '../planning/render/subtasks.ts';

/** The parent's plan comment: task list, Mermaid graph and waves, from the stored decomposition. */
export async function renderPlanFor(
  db: DbOrTx,
  task: TaskRow,
): Promise<{ body: string; allDone: boolean } | null> {
  const rows = await listSubtasks(db, task.id);
  if (rows.length === 0 || rows.some((r) => r.issueNumber === null)) return null;
  const states = new Map((await listSubtaskTasks(db, task.id)).map((t) => [t.issueNumber, t.state]));
  const waves: string[][] = [];
  for (const row of rows) {
    waves[row.wave] ??= [];
    waves[row.wave]!.push(row.key);
  }
  const items = rows.map((row) => ({
    key: row.key,
    title: row.title,
    dependsOn: row.dependencies,
    issueNumber: row.issueNumber,
    estimate: row.estimatedTime,
    state: states.get(row.issueNumber ?? -1) === 'done' ? ('closed' as const) : ('open' as const),
  }));
  return {
    body: renderPlanComment({
      specVersion: rows[0]!.specVersion,
      subtasks: items,
      waves: waves.filter(Boolean),
    }),
    allDone: items.every((i) => i.state === 'closed'),
  };
}
