import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';

/**
 * Per-repository settings from `.gitea/aiworker.yaml` on the default branch. Unknown keys are
 * errors (a typo must not silently fall back to a default), and every error names the line.
 */

export const REPO_CONFIG_PATH = '.gitea/aiworker.yaml';

const permissionLevel = z.enum(['anyone', 'author-or-write', 'write', 'admin']);

export const repoConfigSchema = z
  .object({
    version: z.literal(1).default(1),
    triggerLabel: z
      .string()
      .regex(/^[^\s,]{1,50}$/, 'must be a single label name without spaces or commas')
      .default('ai'),
    /** Overrides of who may run a command, e.g. `approve-spec: admin`, `promote production: admin`. */
    permissions: z
      .record(
        z.string().regex(/^[a-z-]+( [a-z]+)?$/, 'keys are command names without the slash'),
        permissionLevel,
      )
      .default({}),
    questions: z.strictObject({ max: z.number().int().min(0).max(10).default(5) }).default({ max: 5 }),
    subtasks: z.strictObject({ max: z.number().int().min(1).max(50).default(12) }).default({ max: 12 }),
    budgets: z
      .strictObject({
        perIssueUsd: z.number().positive().default(5),
        perRepoMonthlyUsd: z.number().positive().default(100),
      })
      .default({ perIssueUsd: 5, perRepoMonthlyUsd: 100 }),
    board: z
      .strictObject({
        /** Name of an existing Gitea project to adopt instead of creating `AiWorker`. */
        project: z.string().min(1).max(100).default('AiWorker'),
      })
      .default({ project: 'AiWorker' }),
    agents: z
      .strictObject({
        dispatch: z.enum(['auto', 'manual']).default('auto'),
        maxConcurrent: z.number().int().min(1).max(50).default(3),
        timeoutMinutes: z
          .number()
          .int()
          .min(5)
          .max(24 * 60)
          .default(60),
        /** A run that has not reported for this long is failed by the watchdog. */
        silenceMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(15),
        maxTurns: z.number().int().min(1).max(1000).default(80),
        maxBudgetUsd: z.number().positive().default(5),
      })
      .default({
        dispatch: 'auto',
        maxConcurrent: 3,
        timeoutMinutes: 60,
        silenceMinutes: 15,
        maxTurns: 80,
        maxBudgetUsd: 5,
      }),
    preview: z
      .strictObject({
        enabled: z.boolean().default(true),
        ttlHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .default(72),
        port: z.number().int().min(1).max(65535).default(8080),
        healthPath: z.string().startsWith('/').default('/'),
      })
      .default({ enabled: true, ttlHours: 72, port: 8080, healthPath: '/' }),
    gitops: z
      .strictObject({
        /** `owner/name` of the GitOps repository; defaults to GITOPS_REPO. */
        repo: z
          .string()
          .regex(/^[^/\s]+\/[^/\s]+$/, 'must be owner/name')
          .optional(),
        /** Kustomize overlay per environment; `{env}` is replaced. */
        path: z.string().min(1).default('overlays/{env}'),
        image: z.string().min(1).optional(),
      })
      .default({ path: 'overlays/{env}' }),
    promotion: z
      .strictObject({
        staging: z.enum(['auto', 'manual']).default('auto'),
        productionRequiresHealthyStaging: z.boolean().default(true),
      })
      .default({ staging: 'auto', productionRequiresHealthyStaging: true }),
  })
  .strict();

export type RepoConfig = z.output<typeof repoConfigSchema>;

export const DEFAULT_REPO_CONFIG: RepoConfig = repoConfigSchema.parse({});

export type RepoConfigResult = { ok: true; config: RepoConfig } | { ok: false; problems: string[] };

/** Parses the file's text; a missing file (null) means the defaults. Never throws. */
export function parseRepoConfig(text: string | null): RepoConfigResult {
  if (text === null || text.trim() === '') return { ok: true, config: DEFAULT_REPO_CONFIG };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${e.message.split('\n')[0]}`;
      }),
    };
  }
  const data: unknown = doc.toJS();
  if (data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    return {
      ok: false,
      problems: ['the file must be a mapping of settings (key: value), not a list or a scalar'],
    };
  }
  const result = repoConfigSchema.safeParse(data ?? {});
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    problems: result.error.issues.flatMap((issue) => {
      const keys =
        issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      return keys.map((path) => {
        const where = path.length > 0 ? path.join('.') : '(top level)';
        const line = lineOf(doc.contents, path, lineCounter);
        const message = issue.code === 'unrecognized_keys' ? 'is not a known setting' : issue.message;
        return `${line ? `line ${line}: ` : ''}\`${where}\` ${message}`;
      });
    }),
  };
}

function lineOf(node: Node | null | undefined, path: PropertyKey[], counter: LineCounter): number | null {
  let current: unknown = node;
  let line: number | null = null;
  for (const key of path) {
    if (isMap(current)) {
      const pair = current.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      const keyNode = pair.key as Node | null;
      if (keyNode?.range) line = counter.linePos(keyNode.range[0]).line;
      current = pair.value;
    } else if (isSeq(current) && typeof key === 'number') {
      const item = current.items[key] as Node | undefined;
      if (item?.range) line = counter.linePos(item.range[0]).line;
      current = item;
    } else break;
  }
  return line;
}

/** The comment posted once when the file is invalid: quotes each problem exactly. */
export function renderConfigErrorComment(problems: string[], sha: string | null): string {
  return [
    `### ⚠️ AiWorker cannot use \`${REPO_CONFIG_PATH}\``,
    '',
    `The file${sha ? ` at \`${sha.slice(0, 10)}\`` : ''} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:`,
    '',
    ...problems.map((p) => `- ${p}`),
    '',
    'Nothing else happens in this repository until the file is fixed on the default branch; the next event after the fix picks it up.',
  ].join('\n');
}

/**
 * What every other issue that asks while the file is invalid gets: one line pointing to the
 * comment that lists the problems (`listedOn`: its issue and its link).
 */
export function renderConfigErrorPointer(listedOn: { issue: number; url: string }): string {
  return (
    `⚠️ AiWorker cannot work here yet: \`${REPO_CONFIG_PATH}\` on the default branch is invalid, ` +
    `see [the problems listed on #${listedOn.issue}](${listedOn.url}). Once it is fixed, add the ` +
    'trigger label again or repeat the command.'
  );
}
