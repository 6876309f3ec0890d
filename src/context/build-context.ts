import type { RepoContextCache } from './cache.ts';
import { emptySnapshot, readRepoSnapshot, type SnapshotTarget } from './index-repository.ts';
import { DEFAULT_MAX_RELEVANT_FILES, findRelevantFiles, MAX_RELEVANT_FILES_LIMIT } from './relevant-files.ts';
import type { RepoSnapshot } from './repo-snapshot.ts';
import type { ContextSource, RepoContext, RepoReader } from './types.ts';

export interface BuildRepoContextOptions {
  /** `owner/name` */
  repo: string;
  /**
   * The issue's title on the first line, then its body: decides which files are relevant (title
   * words count double). Untrusted; only tokenised.
   */
  issueText: string;
  /** At most this many relevant files are read and returned (0–20, default 6). */
  maxRelevantFiles?: number;
  signal?: AbortSignal;
  /** Reuses the per-commit part (tree, manifests, stack, README) across issues and processes. */
  cache?: RepoContextCache;
}

const REPO_NAME = /^[^/\s]+\/[^/\s]+$/;

function checkOptions(options: BuildRepoContextOptions): number {
  if (!REPO_NAME.test(options.repo)) {
    throw new Error(`repo must be "owner/name", got ${JSON.stringify(options.repo)}`);
  }
  const max = options.maxRelevantFiles ?? DEFAULT_MAX_RELEVANT_FILES;
  if (!Number.isInteger(max) || max < 0 || max > MAX_RELEVANT_FILES_LIMIT) {
    throw new RangeError(
      `maxRelevantFiles must be an integer from 0 to ${MAX_RELEVANT_FILES_LIMIT}, got ${max}`,
    );
  }
  return max;
}

function toContext(snapshot: RepoSnapshot, relevantFiles: RepoContext['relevantFiles']): RepoContext {
  const { files: _files, ...context } = snapshot;
  return { ...context, relevantFiles };
}

/**
 * What AiWorker knows about a repository's default branch for one issue. The commit's part is
 * read once per commit (and cached when a cache is given); the relevant files are ranked for
 * this issue every time. Reader errors and aborts propagate; malformed repository content never
 * does (a bad manifest just adds nothing).
 */
export async function buildRepoContext(
  reader: RepoReader,
  options: BuildRepoContextOptions,
): Promise<RepoContext> {
  const maxRelevantFiles = checkOptions(options);
  const { repo, signal, cache } = options;
  signal?.throwIfAborted();
  const info = await reader.getRepo();
  const base = { repo, defaultBranch: info.defaultBranch, description: info.description };
  // An empty repository has no branch head to ask for.
  if (info.empty) return toContext(emptySnapshot({ ...base, commitSha: '' }), []);

  signal?.throwIfAborted();
  const commitSha = await reader.getBranchHead(info.defaultBranch);
  const target: SnapshotTarget = { ...base, commitSha };
  const load = () => readRepoSnapshot(reader, target, signal);
  const cached = cache ? await cache.getOrLoad({ repo, commitSha }, load) : await load();
  // Name, description and default branch are settings, not content: take them fresh.
  const snapshot: RepoSnapshot = { ...cached, ...base };

  const relevantFiles = await findRelevantFiles(
    reader,
    commitSha,
    snapshot.files,
    options.issueText,
    maxRelevantFiles,
    signal,
  );
  return toContext(snapshot, relevantFiles);
}

/** The context source over any repository reader, sharing one per-commit cache. */
export function contextSource(
  readerFor: (owner: string, repo: string) => RepoReader,
  cache: RepoContextCache,
): ContextSource {
  return {
    forIssue: (owner, repo, issueText) =>
      buildRepoContext(readerFor(owner, repo), { repo: `${owner}/${repo}`, issueText, cache }),
  };
}
