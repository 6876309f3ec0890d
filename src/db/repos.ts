import { eq, inArray, sql } from 'drizzle-orm';
import type { RepoRef } from '../domain/payloads.ts';
import type { DbOrTx } from './client.ts';
import { repos } from './schema.ts';

/**
 * The `repos` rows: every repository AiWorker has worked in, with its default branch, the state
 * of its `.gitea/aiworker.yaml` (the problems of a bad file and where they were listed) and the
 * ids of its project board.
 */

export type RepoRow = typeof repos.$inferSelect;

export async function upsertRepo(
  db: DbOrTx,
  repo: { owner: string; name: string; giteaId?: number | null; defaultBranch?: string | null },
): Promise<RepoRow> {
  const fullName = `${repo.owner}/${repo.name}`;
  await db
    .insert(repos)
    .values({
      owner: repo.owner,
      name: repo.name,
      fullName,
      giteaId: repo.giteaId ?? null,
      defaultBranch: repo.defaultBranch ?? 'main',
    })
    .onDuplicateKeyUpdate({
      set: {
        giteaId: sql`COALESCE(VALUES(${repos.giteaId}), ${repos.giteaId})`,
        defaultBranch: repo.defaultBranch ? repo.defaultBranch : sql`${repos.defaultBranch}`,
      },
    });
  const row = await findRepo(db, fullName);
  if (!row) throw new Error(`repository ${fullName} vanished right after being recorded`);
  return row;
}

export async function getRepoById(db: DbOrTx, repoId: number): Promise<RepoRow> {
  const [row] = await db.select().from(repos).where(eq(repos.id, repoId));
  if (!row) throw new Error(`repository ${repoId} does not exist`);
  return row;
}

export async function findRepo(db: DbOrTx, fullName: string): Promise<RepoRow | undefined> {
  const [row] = await db.select().from(repos).where(eq(repos.fullName, fullName));
  return row;
}

/** The repositories of some repo ids (to read their settings). */
export async function reposById(db: DbOrTx, ids: readonly number[]): Promise<RepoRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(repos)
    .where(inArray(repos.id, [...ids]));
}

/** A stored repository as the event model names repositories. */
export function repoRefOf(row: RepoRow): RepoRef {
  return {
    owner: row.owner,
    name: row.name,
    fullName: row.fullName,
    id: row.giteaId ?? 0,
    defaultBranch: row.defaultBranch,
  };
}

/** The project board a repository's cards go on, as `prepare` found or made it. */
export interface StoredBoard {
  kind: 'projects' | 'labels';
  projectId?: number;
  columns?: Partial<Record<string, number>>;
}

export async function storeBoard(db: DbOrTx, repoId: number, board: StoredBoard): Promise<void> {
  await db
    .update(repos)
    .set({
      boardKind: board.kind,
      boardProjectId: board.projectId ?? null,
      boardColumns: (board.columns ?? null) as Record<string, number> | null,
    })
    .where(eq(repos.id, repoId));
}

/** The repository's `.gitea/aiworker.yaml` is valid (again): nothing about a bad file is kept. */
export async function clearConfigError(db: DbOrTx, repoId: number): Promise<void> {
  await db
    .update(repos)
    .set({ configError: null, configSha: null, configErrorIssue: null, configErrorUrl: null })
    .where(eq(repos.id, repoId));
}

/** Where the problems of a bad `.gitea/aiworker.yaml` (by its content hash) were listed. */
export async function recordConfigError(
  db: DbOrTx,
  repoId: number,
  listed: { contentHash: string; problems: readonly string[]; issue: number; url: string | null },
): Promise<void> {
  await db
    .update(repos)
    .set({
      configSha: listed.contentHash,
      configError: listed.problems.join('\n'),
      configErrorIssue: listed.issue,
      configErrorUrl: listed.url,
    })
    .where(eq(repos.id, repoId));
}
