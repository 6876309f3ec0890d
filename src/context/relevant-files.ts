import { mapBounded, READ_CONCURRENCY } from './bounded-map.ts';
import { excerptOf } from './excerpt.ts';
import { looksBinary } from './index-repository.ts';
import { issueKeywords } from './keywords.ts';
import { type IndexedFile, type RankedPath, rankPaths } from './relevance.ts';
import type { RepoContext, RepoReader } from './types.ts';

export const DEFAULT_MAX_RELEVANT_FILES = 6;
export const MAX_RELEVANT_FILES_LIMIT = 20;

/** How much a keyword the file's text mentions adds, against the same keyword in its path. */
const CONTENT_MENTION_WEIGHT = 0.5;

function quoted(keywords: readonly string[]): string {
  return keywords.map((keyword) => `'${keyword}'`).join(', ');
}

function reasonFor(path: RankedPath, mentioned: readonly string[]): string {
  const extra = mentioned.filter((keyword) => !path.matched.includes(keyword));
  const reason = `path matches ${quoted(path.matched)}`;
  return extra.length > 0 ? `${reason}; content mentions ${quoted(extra)}` : reason;
}

/**
 * The files an issue most likely touches: paths ranked by the issue's keywords, the best few
 * read (a few at a time) for an excerpt, then ordered again with what their text mentions.
 */
export async function findRelevantFiles(
  reader: RepoReader,
  commitSha: string,
  files: readonly IndexedFile[],
  issueText: string,
  maxFiles: number,
  signal?: AbortSignal,
): Promise<RepoContext['relevantFiles']> {
  if (maxFiles === 0) return [];
  const { stems: keywords, importance } = issueKeywords(issueText);
  const { ranked, keywordWeights } = rankPaths(files, keywords, importance);
  const chosen = ranked.slice(0, maxFiles);
  const read = await mapBounded(
    chosen,
    READ_CONCURRENCY,
    async (path) => {
      const text = await reader.getFile(path.path, commitSha);
      if (text === null || looksBinary(text)) return null;
      const excerpt = excerptOf(text, keywords);
      const bonus = excerpt.mentioned.reduce(
        (sum, keyword) => sum + CONTENT_MENTION_WEIGHT * (keywordWeights.get(keyword) ?? 0),
        0,
      );
      return { path, excerpt, score: path.score + bonus };
    },
    signal,
  );
  return read
    .filter((entry) => entry !== null)
    .sort((a, b) => b.score - a.score || chosen.indexOf(a.path) - chosen.indexOf(b.path))
    .map(({ path, excerpt }) => ({
      path: path.path,
      reason: reasonFor(path, excerpt.mentioned),
      excerpt: excerpt.text,
    }));
}
