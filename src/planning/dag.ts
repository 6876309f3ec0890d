/**
 * The subtask dependency graph: validation (unique keys, known dependencies, no cycles, a size
 * limit, acceptance criteria on every subtask), topological waves, and the two questions the
 * dispatcher asks of it (who depends on X, what is ready now). Pure functions only.
 */

/** The part of a subtask the graph logic needs; a full `Subtask` fits. */
export interface DagNode {
  key: string;
  dependsOn: string[];
  acceptanceCriteria?: string[];
}

export interface DagInput {
  subtasks: DagNode[];
}

export type DagValidation = { ok: true; waves: string[][] } | { ok: false; errors: string[] };

/**
 * Checks a decomposition and, when valid, returns its waves: wave 0 holds the subtasks without
 * dependencies, wave n those whose dependencies all lie in earlier waves. Within a wave the
 * subtasks keep their original order, so the result is deterministic.
 */
export function validateDecomposition(d: DagInput, options: { maxSubtasks: number }): DagValidation {
  const errors: string[] = [];
  const { subtasks } = d;
  if (subtasks.length === 0) errors.push('the decomposition has no subtasks');
  if (subtasks.length > options.maxSubtasks) {
    errors.push(`too many subtasks: ${subtasks.length}, at most ${options.maxSubtasks} are allowed`);
  }

  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const subtask of subtasks) {
    if (seen.has(subtask.key)) duplicates.add(subtask.key);
    seen.add(subtask.key);
  }
  for (const key of duplicates) errors.push(`duplicate subtask key "${key}"`);

  for (const subtask of subtasks) {
    if (subtask.acceptanceCriteria !== undefined && subtask.acceptanceCriteria.length === 0) {
      errors.push(`subtask "${subtask.key}" has no acceptance criteria`);
    }
    const listed = new Set<string>();
    for (const dep of subtask.dependsOn) {
      if (dep === subtask.key) errors.push(`subtask "${subtask.key}" depends on itself`);
      else if (!seen.has(dep)) errors.push(`subtask "${subtask.key}" depends on unknown subtask "${dep}"`);
      if (listed.has(dep)) errors.push(`subtask "${subtask.key}" lists dependency "${dep}" twice`);
      listed.add(dep);
    }
  }

  // Cycles are only meaningful once keys are unique and dependencies resolve.
  if (errors.length === 0) {
    const cycle = findCycle(subtasks);
    if (cycle) errors.push(`dependency cycle: ${cycle.join(' → ')} (each depends on the next)`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, waves: wavesOf(subtasks) };
}

/** The first cycle found, as a closed path where each key depends on the next (`a → b → a`), or null. */
function findCycle(subtasks: DagNode[]): string[] | null {
  const byKey = new Map(subtasks.map((s) => [s.key, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];

  const visit = (key: string): string[] | null => {
    const mark = state.get(key);
    if (mark === 'done') return null;
    if (mark === 'visiting') return [...path.slice(path.indexOf(key)), key];
    state.set(key, 'visiting');
    path.push(key);
    for (const dep of byKey.get(key)?.dependsOn ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(key, 'done');
    return null;
  };

  for (const subtask of subtasks) {
    const found = visit(subtask.key);
    if (found) return found;
  }
  return null;
}

/** Topological levels of a graph already known to be acyclic with resolvable dependencies. */
function wavesOf(subtasks: DagNode[]): string[][] {
  const level = new Map<string, number>();
  const byKey = new Map(subtasks.map((s) => [s.key, s]));
  const levelOf = (key: string): number => {
    const known = level.get(key);
    if (known !== undefined) return known;
    const deps = byKey.get(key)?.dependsOn ?? [];
    const value = deps.length === 0 ? 0 : Math.max(...deps.map(levelOf)) + 1;
    level.set(key, value);
    return value;
  };
  const waves: string[][] = [];
  for (const subtask of subtasks) {
    const l = levelOf(subtask.key);
    while (waves.length <= l) waves.push([]);
    waves[l]!.push(subtask.key);
  }
  return waves;
}

/** Keys of the subtasks that list `key` as a dependency, in original order. */
export function dependents(d: DagInput, key: string): string[] {
  return d.subtasks.filter((s) => s.dependsOn.includes(key)).map((s) => s.key);
}

/**
 * Subtasks that can start now: not closed themselves, and every dependency closed. In original
 * order. Unknown keys in `closedKeys` are ignored.
 */
export function readySet(d: DagInput, closedKeys: Iterable<string>): string[] {
  const closed = new Set(closedKeys);
  return d.subtasks
    .filter((s) => !closed.has(s.key) && s.dependsOn.every((dep) => closed.has(dep)))
    .map((s) => s.key);
}
