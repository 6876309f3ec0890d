import { mapBounded, READ_CONCURRENCY } from './bounded-map.ts';
import { rankLanguages } from './languages.ts';
import { nearbyLookup, parseManifest, selectInfraFiles, selectManifests } from './manifests/catalog.ts';
import { isIndexable, MAX_INDEXED_FILE_BYTES } from './path-roles.ts';
import { findReadme, summarizeReadme } from './readme.ts';
import { MAX_SNAPSHOT_FILES, type RepoSnapshot } from './repo-snapshot.ts';
import { combineStack, type ParsedManifest } from './stack.ts';
import { stackSummary } from './stack-summary.ts';
import type { RepoContext, RepoReader } from './types.ts';

export interface SnapshotTarget {
  repo: string;
  defaultBranch: string;
  description: string;
  commitSha: string;
}

const MAX_TOP_LEVEL_ENTRIES = 100;

/** Top-level entries, directories first (with a trailing '/'), then files, each sorted by name. */
function topLevelOf(entries: ReadonlyArray<{ path: string; type: 'blob' | 'tree' }>): string[] {
  const dirs = new Set<string>();
  const files = new Set<string>();
  for (const { path, type } of entries) {
    const slash = path.indexOf('/');
    if (slash !== -1) dirs.add(path.slice(0, slash));
    else if (type === 'tree') dirs.add(path);
    else files.add(path);
  }
  return [...[...dirs].sort().map((dir) => `${dir}/`), ...[...files].sort()].slice(0, MAX_TOP_LEVEL_ENTRIES);
}

/** What is known about a repository before anything is read: no stack, no manifests, no README. */
export function noRepoFacts(): Pick<
  RepoContext,
  'languages' | 'frameworks' | 'testTools' | 'manifests' | 'dependencies' | 'readmeSummary' | 'topLevel'
> {
  return {
    languages: [],
    frameworks: [],
    testTools: [],
    manifests: [],
    dependencies: [],
    readmeSummary: '',
    topLevel: [],
  };
}

/** A snapshot of a repository with nothing in it (or nothing readable yet). */
export function emptySnapshot(target: SnapshotTarget, truncated = false): RepoSnapshot {
  const base = {
    ...target,
    ...noRepoFacts(),
    fileCount: 0,
    truncated,
    files: [],
  };
  return { ...base, stackSummary: stackSummary(base) };
}

/** Whether a text read from the repository is really binary (a NUL byte never appears in text). */
export function looksBinary(text: string): boolean {
  return text.includes('\u0000');
}

/**
 * Reads what a repository is at one commit: the tree, at most a dozen manifests and the
 * README (a bounded number of reads, a few at a time). Reader failures propagate, so a
 * transient Gitea error never produces, and caches, a wrong picture of the repository.
 */
export async function readRepoSnapshot(
  reader: RepoReader,
  target: SnapshotTarget,
  signal?: AbortSignal,
): Promise<RepoSnapshot> {
  signal?.throwIfAborted();
  const tree = await reader.getTree(target.commitSha);
  signal?.throwIfAborted();
  const blobs = tree.entries.filter((entry) => entry.type === 'blob');
  if (blobs.length === 0) return emptySnapshot(target, tree.truncated);

  const paths = blobs.map((blob) => blob.path);
  const pathSet = new Set(paths);
  // Manifests and the README are read only within the same size bound as any other file.
  const readableSize = blobs.filter((blob) => blob.size <= MAX_INDEXED_FILE_BYTES).map((blob) => blob.path);
  const manifestsToRead = selectManifests(readableSize);
  const readmePath = findReadme(readableSize);
  const toRead = [...manifestsToRead.map((manifest) => manifest.path), ...(readmePath ? [readmePath] : [])];
  const texts = await mapBounded(
    toRead,
    READ_CONCURRENCY,
    (path) => reader.getFile(path, target.commitSha),
    signal,
  );

  const parsed: ParsedManifest[] = [];
  manifestsToRead.forEach((manifest, index) => {
    const text = texts[index];
    if (text == null || looksBinary(text)) return;
    const findings = parseManifest(manifest.path, text, nearbyLookup(pathSet, manifest.path));
    if (findings) parsed.push({ ...manifest, findings });
  });
  const readmeText = readmePath ? texts[manifestsToRead.length] : null;

  const languages = rankLanguages(paths);
  const stack = combineStack(parsed, paths, languages);
  const manifests = [
    ...parsed.map(({ path, kind }) => ({ path, kind: kind as string })),
    ...selectInfraFiles(paths).map(({ path, kind }) => ({ path, kind: kind as string })),
  ];
  const files = blobs
    .filter((blob) => isIndexable(blob.path, blob.size))
    .slice(0, MAX_SNAPSHOT_FILES)
    .map(({ path, size }) => ({ path, size }));

  const withoutSummary = {
    ...target,
    languages,
    frameworks: stack.frameworks,
    testTools: stack.testTools,
    ...(stack.packageManager ? { packageManager: stack.packageManager } : {}),
    manifests,
    dependencies: stack.dependencies,
    readmeSummary: readmeText && !looksBinary(readmeText) ? summarizeReadme(readmeText) : '',
    topLevel: topLevelOf(tree.entries),
    fileCount: blobs.length,
    truncated: tree.truncated,
    files,
  };
  return { ...withoutSummary, stackSummary: stackSummary(withoutSummary) };
}
