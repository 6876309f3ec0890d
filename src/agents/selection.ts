import type { ActiveRunCounts, DispatchCandidate } from '../db/runs.ts';

/**
 * Which ready subtasks get an agent run now, as pure functions: the dispatcher counts what is
 * running and lists what is ready, and this decides — the same answer on every worker.
 *
 * Order: lower waves first (a subtask of an earlier wave unblocks more work than one of a later
 * wave), then older features first (the feature approved first is served first), then the
 * planned order within the feature. Limits: at most `global` runs at once overall
 * (AGENT_MAX_CONCURRENT) and at most the repository's `agents.maxConcurrent` per repository.
 */

export interface RunLimits {
  global: number;
  /** `agents.maxConcurrent` of each repository that has candidates. */
  perRepo: ReadonlyMap<number, number>;
}

export type WaitReason = 'global' | 'repo';

export interface Selection {
  chosen: DispatchCandidate[];
  /** Candidates left for later, with the limit that held each one back. */
  waiting: Array<{ candidate: DispatchCandidate; limit: WaitReason }>;
}

export function compareCandidates(a: DispatchCandidate, b: DispatchCandidate): number {
  return a.wave - b.wave || a.featureId - b.featureId || a.order - b.order || a.taskId - b.taskId;
}

/** How many more runs may start in a repository now (never negative). */
export function freeSlots(active: ActiveRunCounts, limits: RunLimits, repoId: number): number {
  const repoLimit = limits.perRepo.get(repoId) ?? limits.global;
  const repoFree = repoLimit - (active.byRepo.get(repoId) ?? 0);
  const globalFree = limits.global - active.total;
  return Math.max(0, Math.min(repoFree, globalFree));
}

/** Picks the candidates to start, in order, within both limits. */
export function selectForDispatch(
  candidates: readonly DispatchCandidate[],
  active: ActiveRunCounts,
  limits: RunLimits,
): Selection {
  const byRepo = new Map(active.byRepo);
  let total = active.total;
  const chosen: DispatchCandidate[] = [];
  const waiting: Selection['waiting'] = [];
  const seen = new Set<number>();
  for (const candidate of [...candidates].sort(compareCandidates)) {
    if (seen.has(candidate.taskId)) continue;
    seen.add(candidate.taskId);
    const inRepo = byRepo.get(candidate.repoId) ?? 0;
    const repoLimit = limits.perRepo.get(candidate.repoId) ?? limits.global;
    if (total >= limits.global) {
      waiting.push({ candidate, limit: 'global' });
    } else if (inRepo >= repoLimit) {
      waiting.push({ candidate, limit: 'repo' });
    } else {
      chosen.push(candidate);
      total += 1;
      byRepo.set(candidate.repoId, inRepo + 1);
    }
  }
  return { chosen, waiting };
}
