/**
 * The context engine: a searchable index of a repository's code (symbols by tree-sitter, BM25
 * over symbol-sized chunks, optional embeddings), its repo map and its architecture facts.
 * What the planners and the MCP tools call is listed in docs/context-engine.md.
 */
export {
  type ArchitectureFacts,
  architectureFacts,
  type Observation,
  renderArchitectureFacts,
} from './architecture.ts';
export {
  buildContextPack,
  type ContextPack,
  type ContextPackRequest,
  type UnavailableContextPack,
} from './context-pack.ts';
export {
  EmbeddingsClient,
  type EmbeddingsConfig,
  EmbeddingsError,
  embeddingsConfigFromEnv,
} from './embeddings.ts';
export { ContextEngine, type ContextEngineOptions, type ContextEngineStats } from './engine.ts';
export type { Fact, FactCategory } from './facts.ts';
export {
  GitCommitSource,
  type GitCredentials,
  type GitMirrorOptions,
  GitMirrorStore,
  type MirrorResult,
} from './git-mirror.ts';
export { GRAMMAR_IDS, type GrammarId, grammarOf } from './grammars.ts';
export {
  DEFAULT_INDEX_LIMITS,
  type FileRecord,
  type IndexLimits,
  type IndexUpdate,
  RepoIndex,
  type SkippedFile,
} from './repo-index.ts';
export type { RankedFile, RepoMap } from './repo-map.ts';
export { gitBlobSha, MemorySource, ReaderSource, type RepositorySource, type SourceEntry } from './source.ts';
export type { Definition, DefinitionKind, FileSymbols, Reference, ReferenceKind } from './symbols.ts';
export { extractSymbols } from './symbols.ts';
export {
  type BreakingChangeHint,
  breakingChangeHints,
  type CodeSearchHit,
  type CodeSearchOptions,
  type CodeSearchResult,
  type FileAnswer,
  FileNotAvailableError,
  type FindSymbolResult,
  filesNamedIn,
  findSymbol,
  getFile,
  getRepoMap,
  type NamedFile,
  type SymbolLocation,
  type SymbolReference,
  searchCode,
  symbolsNamedIn,
} from './tools.ts';
