import { type ArchitectureFacts, architectureFacts, renderArchitectureFacts } from './architecture.ts';
import type { EmbeddingsClient } from './embeddings.ts';
import type { RepoIndex } from './repo-index.ts';
import type { RepoMap } from './repo-map.ts';
import {
  type BreakingChangeHint,
  breakingChangeHints,
  type CodeSearchHit,
  filesNamedIn,
  type NamedFile,
  searchCode,
  symbolsNamedIn,
} from './tools.ts';

export interface ContextPackRequest {
  /** The title and body, then the answers given so far (untrusted: only tokenised). */
  title: string;
  body: string;
  answers?: readonly string[];
  /** Chunks of code included (default 8). */
  maxChunks?: number;
  /** Budget of the repo map (default 1,024 tokens). */
  repoMapTokens?: number;
  embeddings?: EmbeddingsClient;
  signal?: AbortSignal;
}

/** What a planner gets to know of a repository for one issue. */
export interface ContextPack {
  status: 'indexed';
  repo: string;
  commitSha: string;
  /** How the files were read (`git clone`, `Gitea API`, `memory`). */
  source: string;
  facts: ArchitectureFacts;
  /** The facts as Markdown, each line citing `path:line`. */
  factsText: string;
  repoMap: RepoMap;
  /** The code most related to the issue and its answers, with text. */
  chunks: CodeSearchHit[];
  /** Files the issue names: the existing ones with their paths, the others marked as missing. */
  namedFiles: NamedFile[];
  /** Symbols the issue names, with their call sites. */
  namedSymbols: BreakingChangeHint[];
  /** What the index left out, by reason, and whether the tree listing was cut. */
  coverage: { filesIndexed: number; skippedByReason: Record<string, number>; truncated: boolean };
  search: { mode: 'bm25' | 'hybrid'; note?: string };
}

/** When the engine could not index the repository: planners fall back to the API reader's context. */
export interface UnavailableContextPack {
  status: 'unavailable';
  repo: string;
  /** Stated to the user with the plan, e.g. "clone failed: repository larger than 500 MiB". */
  reason: string;
}

/** Builds the planner's context pack for one issue from a repository's index. */
export async function buildContextPack(index: RepoIndex, request: ContextPackRequest): Promise<ContextPack> {
  const answers = request.answers ?? [];
  const text = [request.title, request.body, ...answers].join('\n');
  // The title states the gist: it is searched on its own as well as with everything.
  const query = [request.title, request.title, request.body, ...answers].join('\n');
  const maxChunks = request.maxChunks ?? 8;
  const search = await searchCode(index, query, {
    limit: Math.max(1, Math.min(50, maxChunks)),
    withText: true,
    ...(request.embeddings ? { embeddings: request.embeddings } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const namedFiles = filesNamedIn(index, text);
  const focus = [
    ...namedFiles.flatMap((file) => (file.path ? [file.path] : [])),
    ...search.files.slice(0, 5).map((file) => file.path),
  ];
  const facts = architectureFacts(index);
  return {
    status: 'indexed',
    repo: index.repo,
    commitSha: index.commitSha,
    source: index.source.kind,
    facts,
    factsText: renderArchitectureFacts(facts),
    repoMap: index.repoMap(request.repoMapTokens ?? 1_024, focus),
    chunks: search.hits,
    namedFiles,
    namedSymbols: await breakingChangeHints(index, symbolsNamedIn(index, text)),
    coverage: {
      filesIndexed: index.files.size,
      skippedByReason: Object.fromEntries(index.skippedByReason),
      truncated: index.truncated,
    },
    search: { mode: search.mode, ...(search.note ? { note: search.note } : {}) },
  };
}
