import type { core, ZodType } from 'zod';

export type OutputCheck<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** `subtasks[2].dependsOn[0]`; the root is "the answer". */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'the answer' : out;
}

/** One readable line per zod issue, e.g. `goals: Too small: expected array to have >=1 items`. */
export function formatIssues(issues: ReadonlyArray<core.$ZodIssue>): string[] {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/** Models sometimes wrap JSON in a markdown fence even when asked not to. */
function stripCodeFence(text: string): string {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  return fenced ? fenced[1]!.trim() : trimmed;
}

/** Parses a model's text answer as JSON and validates it; problems are phrased for a repair prompt. */
export function checkModelOutput<T>(schema: ZodType<T>, text: string): OutputCheck<T> {
  const body = stripCodeFence(text);
  if (body === '') return { ok: false, problems: ['the answer was empty; a JSON object was expected'] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return { ok: false, problems: [`the answer is not valid JSON (${(error as Error).message})`] };
  }
  const result = schema.safeParse(parsed);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: formatIssues(result.error.issues) };
}
