import { z } from 'zod';
import { searchCodebase } from '../../context/index.ts';
import { looksBinary } from '../../context/index-repository.ts';
import { checkReadablePath } from '../file-access.ts';
import { ToolRefusal } from '../refusal.ts';
import { loadRunContext } from '../run-context.ts';
import { defineTool } from '../tool-kit.ts';

/** search_codebase and get_file: the repository of the run, read through Gitea. */

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

/** Larger files are cut here (an agent has its own clone for whole files). */
export const MAX_FILE_CHARS = 100_000;

const RefSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s~^:?*[\\]+$/, 'not a valid branch name or commit sha')
  .describe('branch name or commit sha; default: the default branch');

export const searchCodebaseTool = defineTool({
  name: 'search_codebase',
  title: 'Search the code',
  description:
    'Searches the repository by path and content for a phrase, keywords or an identifier; returns ' +
    'the best files with matching lines. Files that commonly hold credentials are never searched.',
  input: z.strictObject({
    query: z.string().min(1).max(500),
    pathPrefix: z.string().max(300).optional().describe('only files under this path, e.g. src/payments/'),
    maxResults: z.number().int().min(1).max(50).optional().describe('files returned, default 20'),
    branch: z.string().min(1).max(255).optional().describe('branch to search; default: the default branch'),
  }),
  output: z.object({
    query: z.string(),
    branch: z.string(),
    commit: z.string(),
    results: z.array(
      z.object({
        path: z.string(),
        score: z.number(),
        pathMatches: z.array(z.string()),
        matches: z.array(z.object({ line: z.number().int(), text: z.string() })),
      }),
    ),
    filesConsidered: z.number().int(),
    filesRead: z.number().int(),
    complete: z.boolean().describe('false when some files were not searched'),
  }),
  annotations: READ_ONLY,
  async run(args, scope, env) {
    const { repo } = await loadRunContext(env.deps.db, scope);
    const reader = env.deps.readerFor(repo.owner, repo.name);
    const branch = args.branch ?? (await reader.getRepo()).defaultBranch;
    const commit = await reader.getBranchHead(branch);
    const found = await searchCodebase(reader, commit, args.query, {
      pathPrefix: args.pathPrefix,
      maxResults: args.maxResults ?? 20,
      cache: env.deps.contextCache,
      repo: repo.fullName,
    });
    const best = found.results[0];
    return {
      summary:
        found.results.length === 0
          ? `No match for "${found.query}" on ${branch}`
          : `${found.results.length} file(s) match "${found.query}" on ${branch}; best: ${best?.path}`,
      data: { ...found, branch, commit },
    };
  },
});

export const getFileTool = defineTool({
  name: 'get_file',
  title: 'Read a file',
  description:
    `A file's text at the default branch or a ref (branch or commit). Cut at ${MAX_FILE_CHARS} characters. ` +
    'Files that commonly hold credentials (.env, keys, certificates, .npmrc, …) are refused.',
  input: z.strictObject({
    path: z.string().min(1).max(1000).describe('path from the repository root'),
    ref: RefSchema.optional(),
  }),
  output: z.object({
    path: z.string(),
    ref: z.string(),
    content: z.string(),
    size: z.number().int().describe('bytes of the whole file'),
    truncated: z.boolean(),
  }),
  annotations: READ_ONLY,
  async run(args, scope, env) {
    const checked = checkReadablePath(args.path);
    if (!checked.ok) throw new ToolRefusal(checked.reason);
    const { repo } = await loadRunContext(env.deps.db, scope);
    const reader = env.deps.readerFor(repo.owner, repo.name);
    const ref = args.ref ?? (await reader.getRepo()).defaultBranch;
    const text = await reader.getFile(checked.path, ref);
    if (text === null) throw new ToolRefusal(`${checked.path} does not exist at ${ref}`);
    if (looksBinary(text)) throw new ToolRefusal(`${checked.path} is a binary file`);
    const truncated = text.length > MAX_FILE_CHARS;
    const size = Buffer.byteLength(text, 'utf8');
    return {
      summary: `${checked.path} at ${ref}: ${size} bytes${truncated ? `, cut to ${MAX_FILE_CHARS} characters` : ''}`,
      data: {
        path: checked.path,
        ref,
        content: truncated ? text.slice(0, MAX_FILE_CHARS) : text,
        size,
        truncated,
      },
    };
  },
});
