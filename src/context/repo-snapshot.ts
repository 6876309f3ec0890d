import { z } from 'zod';
import type { IndexedFile } from './relevance.ts';
import type { RepoContext } from './types.ts';

/**
 * Everything about a repository at one commit that does not depend on the issue: what is
 * cached per (repo, commit). The issue-specific part (relevant files) is computed from
 * `files` each time.
 */
export interface RepoSnapshot extends Omit<RepoContext, 'relevantFiles'> {
  /** Readable files of the tree (no vendored, binary, lock, secret or oversized files). */
  files: IndexedFile[];
}

/** Bounds one snapshot's size in the cache; a tree with more readable files keeps the first ones. */
export const MAX_SNAPSHOT_FILES = 20_000;

/** The stored form is checked on the way back in: a store may hold an older or damaged entry. */
export const repoSnapshotSchema = z.object({
  repo: z.string(),
  defaultBranch: z.string(),
  commitSha: z.string(),
  description: z.string(),
  languages: z.array(z.string()),
  frameworks: z.array(z.string()),
  testTools: z.array(z.string()),
  packageManager: z.string().optional(),
  manifests: z.array(z.object({ path: z.string(), kind: z.string() })),
  dependencies: z.array(z.string()),
  readmeSummary: z.string(),
  topLevel: z.array(z.string()),
  fileCount: z.number().int().nonnegative(),
  stackSummary: z.string(),
  truncated: z.boolean(),
  files: z.array(z.object({ path: z.string(), size: z.number().nonnegative() })),
});

export function parseStoredSnapshot(value: unknown): RepoSnapshot | null {
  const result = repoSnapshotSchema.safeParse(value);
  if (!result.success) return null;
  const { packageManager, ...rest } = result.data;
  return packageManager === undefined ? rest : { ...rest, packageManager };
}
