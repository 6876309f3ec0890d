/**
 * The production build (`npm run build`): compiles src/ to JavaScript in dist/ by
 * tsconfig.build.json, type-checking first (any error fails the build and writes nothing).
 *
 *   npm run build                        → dist/
 *   npm run build -- --out-dir /tmp/x    → /tmp/x (tests build there)
 *
 * TypeScript's rewriteRelativeImportExtensions turns `./x.ts` import specifiers into `./x.js`,
 * but not a module named by URL, as a worker thread's entry is:
 * `new Worker(new URL('./parse-worker.ts', import.meta.url))`. The emit below rewrites those
 * URLs the same way, so the build never points at a TypeScript file. Files under src/ that are
 * not TypeScript are copied beside the compiled code.
 */
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');
const CONFIG = path.join(ROOT, 'tsconfig.build.json');

/** `./x.ts` → `./x.js` (and .mts/.cts) for a relative specifier; anything else unchanged. */
export function compiledSpecifier(specifier: string): string {
  if (!/^\.\.?\//.test(specifier) || /\.d\.[cm]?ts$/.test(specifier)) return specifier;
  return specifier.replace(/\.([cm]?)ts$/, '.$1js');
}

const isImportMetaUrl = (node: ts.Node): boolean =>
  ts.isPropertyAccessExpression(node) &&
  node.name.text === 'url' &&
  ts.isMetaProperty(node.expression) &&
  node.expression.keywordToken === ts.SyntaxKind.ImportKeyword;

/** Rewrites `new URL('<relative>.ts', import.meta.url)` to name the compiled file. */
function moduleUrlTransformer(context: ts.TransformationContext): ts.Transformer<ts.SourceFile> {
  const { factory } = context;
  const visit = (node: ts.Node): ts.Node => {
    if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'URL' &&
      node.arguments?.length === 2 &&
      ts.isStringLiteralLike(node.arguments[0]!) &&
      isImportMetaUrl(node.arguments[1]!)
    ) {
      const specifier = (node.arguments[0] as ts.StringLiteralLike).text;
      const compiled = compiledSpecifier(specifier);
      if (compiled !== specifier) {
        return factory.updateNewExpression(node, node.expression, node.typeArguments, [
          factory.createStringLiteral(compiled, true),
          node.arguments[1]!,
        ]);
      }
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (file) => ts.visitNode(file, visit) as ts.SourceFile;
}

function copyNonTypeScript(sourceDir: string, outDir: string): number {
  let copied = 0;
  for (const entry of readdirSync(sourceDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || /\.[cm]?ts$/.test(entry.name)) continue;
    const from = path.join(entry.parentPath, entry.name);
    cpSync(from, path.join(outDir, path.relative(sourceDir, from)));
    copied++;
  }
  return copied;
}

function parseOutDir(argv: string[]): string | undefined {
  const index = argv.indexOf('--out-dir');
  if (index >= 0) return argv[index + 1];
  return argv.find((a) => a.startsWith('--out-dir='))?.slice('--out-dir='.length);
}

/** Compiles; returns the exit code. */
export function build(argv: string[]): number {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  };
  const requestedOutDir = parseOutDir(argv);
  const parsed = ts.getParsedCommandLineOfConfigFile(
    CONFIG,
    requestedOutDir ? { outDir: path.resolve(requestedOutDir) } : {},
    host,
  );
  if (!parsed) return 1;
  const outDir = parsed.options.outDir!;
  const sourceDir = parsed.options.rootDir!;
  // A build replaces the previous one whole, so a deleted module does not linger in it; a
  // directory that holds something else is left alone.
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (!existsSync(path.join(outDir, 'app', 'cli.js'))) {
      process.stderr.write(`build: ${outDir} is not empty and holds no earlier build; not touching it\n`);
      return 1;
    }
    rmSync(outDir, { recursive: true, force: true });
  }

  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const emitted = program.emit(undefined, undefined, undefined, false, { before: [moduleUrlTransformer] });
  const diagnostics = ts.sortAndDeduplicateDiagnostics([
    ...parsed.errors,
    ...ts.getPreEmitDiagnostics(program),
    ...emitted.diagnostics,
  ]);
  if (diagnostics.length > 0) {
    process.stderr.write(
      ts.formatDiagnosticsWithColorAndContext(diagnostics, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => ROOT,
        getNewLine: () => '\n',
      }),
    );
  }
  if (emitted.emitSkipped || diagnostics.some((d) => d.category === ts.DiagnosticCategory.Error)) {
    process.stderr.write('build: failed, nothing written\n');
    return 1;
  }
  const copied = copyNonTypeScript(sourceDir, outDir);
  process.stdout.write(
    `build: ${parsed.fileNames.length} modules compiled to ${path.relative(process.cwd(), outDir) || '.'}` +
      (copied > 0 ? `, ${copied} other files copied` : '') +
      '\n',
  );
  return 0;
}

if (import.meta.filename === process.argv[1]) process.exitCode = build(process.argv.slice(2));
