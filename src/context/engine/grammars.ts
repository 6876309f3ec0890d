import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';
import { extensionOf } from '../path-roles.ts';

/**
 * The languages the engine parses with tree-sitter, and where their grammars come from: the
 * prebuilt WASM grammars of `@vscode/tree-sitter-wasm`, built with the same tree-sitter release
 * line (0.25) as the `web-tree-sitter` runtime, so their ABI matches.
 */
export type GrammarId =
  | 'typescript'
  | 'tsx'
  | 'javascript'
  | 'python'
  | 'go'
  | 'java'
  | 'rust'
  | 'ruby'
  | 'php'
  | 'c-sharp';

export const GRAMMAR_IDS: readonly GrammarId[] = [
  'typescript',
  'tsx',
  'javascript',
  'python',
  'go',
  'java',
  'rust',
  'ruby',
  'php',
  'c-sharp',
];

const GRAMMAR_BY_EXTENSION: Readonly<Record<string, GrammarId>> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  py: 'python',
  pyi: 'python',
  go: 'go',
  java: 'java',
  rs: 'rust',
  rb: 'ruby',
  rake: 'ruby',
  php: 'php',
  cs: 'c-sharp',
};

/** The grammar a file is parsed with, or undefined for a language the engine only searches. */
export function grammarOf(path: string): GrammarId | undefined {
  // `.d.ts` files are TypeScript too; `extensionOf` already gives `ts` for them.
  return GRAMMAR_BY_EXTENSION[extensionOf(path)];
}

const require = createRequire(import.meta.url);

function grammarDirectory(): string {
  return join(dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm');
}

let initialised: Promise<void> | undefined;
const languages = new Map<GrammarId, Promise<Language>>();

/** Loads the runtime once per process (its WASM module is shared by every parser). */
export function initTreeSitter(): Promise<void> {
  initialised ??= Parser.init();
  return initialised;
}

/** A grammar, loaded on first use and kept for the life of the process (each is 0.2–5 MB). */
export async function loadGrammar(id: GrammarId): Promise<Language> {
  await initTreeSitter();
  let language = languages.get(id);
  if (!language) {
    language = Language.load(join(grammarDirectory(), `tree-sitter-${id}.wasm`));
    languages.set(id, language);
    // A failed load is not cached: the next file may try again.
    language.catch(() => languages.delete(id));
  }
  return language;
}
