/**
 * A lenient reader for the TOML that manifests use (Cargo.toml, pyproject.toml, Pipfile): it
 * yields every `key = value` with the table it sits in, keeping values as raw text. It handles
 * multi-line arrays and inline tables, and throws on lines no TOML file could contain, which
 * the caller treats as a malformed manifest.
 */

export interface TomlEntry {
  /** Table header without brackets, e.g. `dependencies`, `tool.poetry.group.dev.dependencies`. */
  table: string;
  key: string;
  /** The value as written: `"1.0"`, `{ version = "1", features = [...] }`, `[ "a", "b" ]`. */
  raw: string;
}

export interface TomlDocument {
  tables: Set<string>;
  entries: TomlEntry[];
}

function unquoteKey(key: string): string {
  return key
    .split('.')
    .map((part) => part.trim().replace(/^["']|["']$/g, ''))
    .join('.');
}

/** Removes a `#` comment that is not inside a string. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '#') return line.slice(0, i);
  }
  return line;
}

/** Net bracket depth of a piece of text, ignoring brackets inside strings. */
function bracketDepth(text: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '{') depth++;
    else if (char === ']' || char === '}') depth--;
  }
  return depth;
}

export function readToml(text: string): TomlDocument {
  const tables = new Set<string>();
  const entries: TomlEntry[] = [];
  let table = '';
  let pending: { key: string; raw: string; depth: number } | null = null;
  let multilineString: string | null = null;

  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    if (multilineString) {
      if (rawLine.includes(multilineString)) multilineString = null;
      continue;
    }
    const line = stripComment(rawLine).trim();
    if (pending) {
      pending.raw += ` ${line}`;
      pending.depth += bracketDepth(line);
      if (pending.depth <= 0) {
        entries.push({ table, key: pending.key, raw: pending.raw.trim() });
        pending = null;
      }
      continue;
    }
    if (line === '') continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header?.[1]) {
      table = unquoteKey(header[1]);
      tables.add(table);
      continue;
    }
    const assignment = /^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\- ]+?))\s*=\s*(.*)$/.exec(line);
    if (!assignment?.[1] || assignment[2] === undefined) {
      throw new Error(`line ${index + 1} is not valid TOML: ${rawLine.slice(0, 80)}`);
    }
    const key = unquoteKey(assignment[1]);
    const raw = assignment[2];
    const delimiter = /^("""|''')/.exec(raw)?.[1];
    if (delimiter && !raw.slice(3).includes(delimiter)) {
      multilineString = delimiter;
      entries.push({ table, key, raw: '' });
      continue;
    }
    const depth = bracketDepth(raw);
    if (depth > 0) pending = { key, raw, depth };
    else entries.push({ table, key, raw });
  }
  if (pending) throw new Error(`value of "${pending.key}" is never closed`);
  return { tables, entries };
}

/** Every double- or single-quoted string in a raw value, in order. */
export function quotedStrings(raw: string): string[] {
  const found: string[] = [];
  for (const match of raw.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)) found.push(match[1] ?? match[2] ?? '');
  return found;
}

/** The version a dependency value names: `"1.2"` or `{ version = "1.2", … }`; '' when none. */
export function versionOf(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.startsWith('{')) return /version\s*=\s*["']([^"']*)["']/.exec(trimmed)?.[1] ?? '';
  return quotedStrings(trimmed)[0] ?? '';
}
