/** What AiWorker knows about a repository at one commit; it feeds every prompt and the spec's Context. */
export interface RepoContext {
  /** `owner/name` */
  repo: string;
  defaultBranch: string;
  /** Commit of the default branch the context was read at (the cache key). */
  commitSha: string;
  description: string;
  /** Languages by file count, most used first, e.g. ['TypeScript', 'CSS']. */
  languages: string[];
  /** Frameworks and notable libraries, e.g. ['Express', 'React', 'Prisma']. */
  frameworks: string[];
  /** Test tools, e.g. ['Vitest', 'Playwright', 'go test']. */
  testTools: string[];
  packageManager?: string;
  /** Manifests found, with what kind each is (`npm`, `go`, `cargo`, `python`, `maven`, …). */
  manifests: Array<{ path: string; kind: string }>;
  /** Names and versions of the main dependencies (at most ~40), for prompts. */
  dependencies: string[];
  /** First paragraph(s) of the README, plain text, at most ~600 characters. */
  readmeSummary: string;
  /** Top-level entries; directories end with '/'. */
  topLevel: string[];
  fileCount: number;
  /** Files relevant to the issue by keyword, with why and a short excerpt. */
  relevantFiles: Array<{ path: string; reason: string; excerpt: string }>;
  /** One line, e.g. "TypeScript · Express, React · Vitest · npm". */
  stackSummary: string;
  /** Whether the tree listing was cut short by Gitea (very large repositories). */
  truncated: boolean;
}

/** The narrow read-only view of a repository the indexer needs (implemented over the Gitea client). */
export interface RepoReader {
  /** Default branch and description. */
  getRepo(): Promise<{ defaultBranch: string; description: string; empty: boolean }>;
  /** Commit sha at the head of a branch. */
  getBranchHead(branch: string): Promise<string>;
  /** Every blob path of the tree at a commit (recursive), with sizes; `truncated` when Gitea cut it. */
  getTree(
    sha: string,
  ): Promise<{ entries: Array<{ path: string; type: 'blob' | 'tree'; size: number }>; truncated: boolean }>;
  /** A file's text at a ref, or null when it does not exist. */
  getFile(path: string, ref: string): Promise<string | null>;
}

/** Reads a repository's context for an issue (cached per commit): what the planner jobs use. */
export interface ContextSource {
  forIssue(owner: string, repo: string, issueText: string): Promise<RepoContext>;
}
