/** The repository indexer's public surface: what handlers, planners and the MCP server call. */
export { type BuildRepoContextOptions, buildRepoContext, contextSource } from './build-context.ts';
export {
  RepoContextCache,
  type RepoContextCacheOptions,
  type RepoContextCacheStats,
  type RepoSnapshotStore,
  type SnapshotKey,
} from './cache.ts';
export { summarizeReadme } from './readme.ts';
export { DEFAULT_SNAPSHOT_TTL_SECONDS, RedisRepoSnapshotStore } from './redis-cache.ts';
export type { RepoSnapshot } from './repo-snapshot.ts';
export {
  type SearchCodebaseOptions,
  type SearchCodebaseResult,
  type SearchMatch,
  type SearchResult,
  searchCodebase,
} from './search.ts';
export { infrastructureOf, type StackSummaryInput, stackSummary } from './stack-summary.ts';
export type { ContextSource, RepoContext, RepoReader } from './types.ts';
