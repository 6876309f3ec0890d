import { type Node, Parser, Query } from 'web-tree-sitter';
import { type GrammarId, grammarOf, loadGrammar } from './grammars.ts';
import { TAG_QUERIES } from './queries.ts';

export type DefinitionKind =
  | 'function'
  | 'method'
  | 'class'
  | 'struct'
  | 'interface'
  | 'type'
  | 'enum'
  | 'module'
  | 'constant'
  | 'variable'
  | 'property'
  | 'macro';

export type ReferenceKind = 'call' | 'class' | 'type' | 'value' | 'import';

export interface Definition {
  name: string;
  kind: DefinitionKind;
  /** The declaration up to its body, on one line, at most 200 characters. */
  signature: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** The class, struct, impl or module it is declared in, if any. */
  container?: string;
  exported: boolean;
}

export interface Reference {
  name: string;
  kind: ReferenceKind;
  line: number;
}

export interface FileSymbols {
  grammar: GrammarId;
  definitions: Definition[];
  references: Reference[];
  /** Module specifiers as written (`./orders`, `app.models`, `github.com/x/y/store`). */
  imports: string[];
  /** Whether tree-sitter found syntax errors (the symbols found are still kept). */
  hasErrors: boolean;
}

const MAX_SIGNATURE_CHARS = 200;
/** Variables are definitions only at a file's top level (not every local `const`). */
const TOP_LEVEL_PARENTS = new Set(['program', 'source_file', 'module', 'export_statement']);
const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function']);
const CONTAINER_KINDS = new Set<DefinitionKind>(['class', 'struct', 'interface', 'module', 'enum']);

interface Compiled {
  parser: Parser;
  query: Query;
}

const compiled = new Map<GrammarId, Promise<Compiled>>();

function compile(grammar: GrammarId): Promise<Compiled> {
  let entry = compiled.get(grammar);
  if (!entry) {
    entry = loadGrammar(grammar).then((language) => {
      const parser = new Parser();
      parser.setLanguage(language);
      return { parser, query: new Query(language, TAG_QUERIES[grammar]) };
    });
    compiled.set(grammar, entry);
    entry.catch(() => compiled.delete(grammar));
  }
  return entry;
}

function oneLine(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  return collapsed.length > MAX_SIGNATURE_CHARS
    ? `${collapsed.slice(0, MAX_SIGNATURE_CHARS - 1)}…`
    : collapsed;
}

/** The declaration without its body: `function total(items: Item[]): number`. */
function signatureOf(node: Node, source: string): string {
  const value = node.childForFieldName('value');
  // A function stored in a variable: its parameters, not its body.
  const body =
    value && FUNCTION_VALUES.has(value.type)
      ? value.childForFieldName('body')
      : node.childForFieldName('body');
  const lineEnd = source.indexOf('\n', node.startIndex);
  const firstLineEnd = lineEnd === -1 || lineEnd > node.endIndex ? node.endIndex : lineEnd;
  const end = body && body.startIndex > node.startIndex ? body.startIndex : firstLineEnd;
  return oneLine(source.slice(node.startIndex, end).replace(/[{:=]\s*$/, ''));
}

function isExported(node: Node, name: string, grammar: GrammarId): boolean {
  switch (grammar) {
    case 'go':
      return /^[A-Z]/.test(name);
    case 'python':
    case 'ruby':
      return !name.startsWith('_');
    case 'rust':
    case 'java':
    case 'c-sharp':
    case 'php': {
      const head = node.text.slice(0, 80);
      return /\b(pub|public)\b/.test(head) || grammar === 'php';
    }
    default: {
      let current: Node | null = node;
      for (let depth = 0; current && depth < 4; depth++, current = current.parent) {
        if (current.type === 'export_statement') return true;
      }
      return false;
    }
  }
}

/** Go methods belong to their receiver's type, Rust functions in an `impl` to its type. */
function explicitContainer(node: Node, grammar: GrammarId): string | undefined {
  if (grammar === 'go' && node.type === 'method_declaration') {
    const receiver = node.childForFieldName('receiver')?.text ?? '';
    return /([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*\)\s*$/.exec(receiver)?.[1];
  }
  if (grammar === 'rust') {
    for (let current = node.parent; current; current = current.parent) {
      if (current.type === 'impl_item') {
        const type = current.childForFieldName('type')?.text;
        return type?.replace(/<.*$/s, '');
      }
      if (current.type === 'function_item') return undefined;
    }
  }
  return undefined;
}

function definitionKind(captureName: string, node: Node, grammar: GrammarId): DefinitionKind | null {
  const kind = captureName.slice('definition.'.length) as DefinitionKind;
  if (kind !== 'variable') return kind;
  if (grammar === 'typescript' || grammar === 'tsx' || grammar === 'javascript') {
    const value = node.childForFieldName('value');
    if (value && FUNCTION_VALUES.has(value.type)) return 'function';
    // `const x = …` inside a function is a local, not a definition of the file.
    const declaration = node.parent;
    if (!declaration || !TOP_LEVEL_PARENTS.has(declaration.parent?.type ?? '')) return null;
    if (declaration.parent?.type === 'export_statement' && declaration.parent.parent?.type !== 'program')
      return null;
    return /^[A-Z][A-Z0-9_]+$/.test(node.childForFieldName('name')?.text ?? '') ? 'constant' : 'variable';
  }
  return kind;
}

/** Nests definitions by line range: a function inside a class becomes its method. */
function assignContainers(definitions: Definition[]): void {
  const open: Definition[] = [];
  for (const definition of definitions) {
    while (open.length > 0 && (open.at(-1)?.endLine ?? 0) < definition.startLine) open.pop();
    const parent = open.at(-1);
    if (parent && definition.container === undefined && parent.endLine >= definition.endLine) {
      definition.container = parent.name;
      if (definition.kind === 'function' && CONTAINER_KINDS.has(parent.kind)) definition.kind = 'method';
    }
    if (CONTAINER_KINDS.has(definition.kind)) open.push(definition);
  }
}

function importText(node: Node): string {
  return node.text.replace(/^["'`]|["'`]$/g, '').trim();
}

/**
 * Definitions, references and imports of one file, or null when its language has no grammar.
 * Never throws on malformed code: tree-sitter recovers from syntax errors and `hasErrors` says so.
 */
export async function extractSymbols(path: string, source: string): Promise<FileSymbols | null> {
  const grammar = grammarOf(path);
  if (!grammar) return null;
  const { parser, query } = await compile(grammar);
  const tree = parser.parse(source);
  if (!tree) return null;
  try {
    const definitions: Definition[] = [];
    const references: Reference[] = [];
    const imports: string[] = [];
    // Definition node → the earliest pattern that matched it, with its name node.
    const candidates = new Map<number, { pattern: number; capture: string; node: Node; nameNode: Node }>();
    const nameNodes = new Set<number>();
    for (const match of query.matches(tree.rootNode)) {
      let nameNode: Node | undefined;
      let tagged: { name: string; node: Node } | undefined;
      for (const capture of match.captures) {
        if (capture.name === 'name') nameNode = capture.node;
        else if (capture.name === 'import') imports.push(importText(capture.node));
        else if (capture.name.startsWith('definition.') || capture.name.startsWith('reference.'))
          tagged = { name: capture.name, node: capture.node };
      }
      if (!nameNode || !tagged) continue;
      const name = nameNode.text;
      if (tagged.name.startsWith('definition.')) {
        const known = candidates.get(tagged.node.startIndex);
        if (known && known.pattern <= match.patternIndex) continue;
        candidates.set(tagged.node.startIndex, {
          pattern: match.patternIndex,
          capture: tagged.name,
          node: tagged.node,
          nameNode,
        });
        nameNodes.add(nameNode.startIndex);
      } else {
        references.push({
          name,
          kind: tagged.name.slice('reference.'.length) as ReferenceKind,
          line: nameNode.startPosition.row + 1,
          at: nameNode.startIndex,
        } as Reference & { at: number });
      }
    }
    for (const { capture, node, nameNode } of candidates.values()) {
      let kind = definitionKind(capture, node, grammar);
      if (!kind) continue;
      const name = nameNode.text;
      const container = explicitContainer(node, grammar);
      if (container && kind === 'function') kind = 'method';
      definitions.push({
        name,
        kind,
        signature: signatureOf(node, source),
        startLine: node.startPosition.row + 1,
        endLine: node.endPosition.row + 1,
        ...(container ? { container } : {}),
        exported: isExported(node, name, grammar),
      });
    }
    definitions.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
    assignContainers(definitions);
    return {
      grammar,
      definitions,
      references: dedupeReferences(references as Array<Reference & { at: number }>, nameNodes),
      imports: [...new Set(imports)],
      hasErrors: tree.rootNode.hasError,
    };
  } finally {
    tree.delete();
  }
}

/**
 * One reference per name and line (a type named twice on a line is one use; a call beats a
 * plainer kind), leaving out the names of the file's own definitions.
 */
function dedupeReferences(
  references: Array<Reference & { at: number }>,
  definitionNames: Set<number>,
): Reference[] {
  const byKey = new Map<string, Reference>();
  for (const { at, ...reference } of references) {
    if (definitionNames.has(at)) continue;
    const key = `${reference.name}\0${reference.line}`;
    const known = byKey.get(key);
    if (!known || REFERENCE_PRECEDENCE[reference.kind] < REFERENCE_PRECEDENCE[known.kind])
      byKey.set(key, reference);
  }
  return [...byKey.values()].sort((a, b) => a.line - b.line);
}

const REFERENCE_PRECEDENCE: Record<ReferenceKind, number> = {
  call: 0,
  class: 1,
  import: 2,
  type: 3,
  value: 4,
};
