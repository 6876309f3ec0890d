import type { PlanContext } from '../topics.ts';

/** Shared phrasing that names the repository's own tools and paths, used by every template. */

/** A path or identifier in inline code. Paths with a parenthetical note keep the note outside. */
export function code(path: string): string {
  const match = /^(\S+)(\s+\(.+\))$/.exec(path);
  return match ? `\`${match[1]}\`${match[2]}` : `\`${path}\``;
}

/** "Given …, when …, then …" on one line. */
export function gwt(given: string, when: string, then: string): string {
  return `Given ${given}, when ${when}, then ${then}.`;
}

/** An acceptance line that names the test tool and where the tests live. */
export function testedBy(ctx: PlanContext, what: string, file?: string | null): string {
  const where = file ? ` in ${code(file)}` : '';
  const tool = ctx.stack.testTool;
  const tests = /\btest$/.test(tool) ? `Tests (\`${tool}\`)` : `${tool} tests`;
  return `${tests}${where} cover ${what}.`;
}

/** The end-to-end tool when the repo has one, else the unit tool (for UI flows). */
export function uiTestTool(ctx: PlanContext): string {
  return ctx.stack.e2eTool ?? ctx.stack.testTool;
}

export function hasUi(ctx: PlanContext): boolean {
  return ctx.stack.frontend !== null;
}

export function hasHttp(ctx: PlanContext): boolean {
  return ctx.stack.backend !== null;
}

/** "the `src/routes/x.ts` route" / "the CLI" — where the feature is reached from. */
export function entryPoint(ctx: PlanContext): string {
  const http = ctx.layout.httpEntry(ctx.names);
  if (http) return code(http);
  const cli = ctx.layout.cliCommand(ctx.names);
  if (cli) return code(cli);
  return code(ctx.layout.service(ctx.names));
}

/** The schema change in this repo's words, or null when the repo has no database. */
export function schemaChange(ctx: PlanContext, what: string): string | null {
  const model = ctx.layout.model(ctx.names);
  const migration = ctx.layout.migration(ctx.names);
  if (!model || !migration) return null;
  return `${what} in ${code(model)}, created by ${migration}`;
}

/** The first architecture line of a feature that stores data: the schema change, when there is one. */
export function dataLines(ctx: PlanContext, what: string): string[] {
  const schema = schemaChange(ctx, what);
  return schema ? [`Data: ${schema}.`] : [];
}

/** The stem of the most relevant existing file ("app/models/cart.rb" → "cart"), a good subject for fixes. */
export function relevantStem(ctx: Pick<PlanContext, 'repo'>): string | null {
  const first = ctx.repo.relevantFiles[0]?.path;
  if (!first) return null;
  const stem = first
    .split('/')
    .pop()!
    .replace(/\..*$/, '')
    .replace(/[_-](service|controller|routes|handler|model|views?)$/, '');
  return /^(index|main|mod|lib|init|__init__|views|models|app)$/.test(stem)
    ? null
    : stem.replace(/[_-]+/g, ' ');
}

/** Existing files the issue touches, as inline code, at most `limit`. */
export function relevantPaths(ctx: PlanContext, limit = 4): string[] {
  return ctx.repo.relevantFiles.slice(0, limit).map((f) => code(f.path));
}

/** An existing feature directory whose name matches one of `words` (e.g. "src/orders/"). */
export function existingDir(ctx: PlanContext, words: RegExp): string | null {
  return ctx.stack.featureDirs.find((dir) => words.test(dir)) ?? null;
}

/** An existing UI file among the relevant files whose path matches `word` (reuse beats a new file). */
export function existingUiFile(ctx: PlanContext, word: RegExp): string | null {
  return (
    ctx.repo.relevantFiles.find(
      (f) => /\.(tsx|jsx|vue|svelte|html|erb|astro)$/.test(f.path) && word.test(f.path),
    )?.path ?? null
  );
}

/** Logger/metrics wording by language, so observability lines read naturally. */
export function loggerName(ctx: PlanContext): string {
  switch (ctx.stack.language) {
    case 'go':
      return 'slog';
    case 'python':
      return 'the logging module';
    case 'rust':
      return 'tracing';
    case 'java':
    case 'kotlin':
      return 'SLF4J';
    case 'ruby':
      return 'Rails.logger';
    default:
      return 'the existing logger';
  }
}
