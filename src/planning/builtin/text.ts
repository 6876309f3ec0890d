/**
 * Text matching for untrusted issue text, answers and review feedback. Everything here treats
 * the text as data: it is searched, never executed or interpolated into patterns.
 */

/** Longest slice of user text the planner looks at; keeps work bounded for huge issues. */
export const MAX_SCANNED_CHARS = 6000;

/** Lowercased, whitespace-collapsed, code fences kept (they often name formats and libraries). */
export function normalize(text: string): string {
  return text.slice(0, MAX_SCANNED_CHARS).toLowerCase().replace(/\s+/g, ' ').trim();
}

const NEGATION_BEFORE =
  /\b(no|not|without|except|excluding|exclude|drop|dropping|remove|removing|skip|never|don't|dont|do not|does not|doesn't|won't|isn't|instead of|rather than|out of scope|not in scope|neither|nor)\b[^.;,!?]{0,24}$/;
const NEGATION_AFTER = /^[^.;,!?]{0,12}\b(is|are) (out of scope|not needed|not required)\b/;

export interface Mention {
  index: number;
  end: number;
  negated: boolean;
}

/**
 * Every place `pattern` matches in `text` (already normalized), each marked negated when a
 * negation word precedes it in the same clause ("no refunds", "use TOML instead of YAML").
 */
export function mentions(text: string, pattern: RegExp): Mention[] {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const global = new RegExp(pattern.source, flags);
  const found: Mention[] = [];
  for (const match of text.matchAll(global)) {
    const index = match.index ?? 0;
    // A negation only reaches back to the start of its own clause ("drop refunds and add PayPal").
    const before =
      text
        .slice(Math.max(0, index - 40), index)
        .split(/\b(?:and|but|then|while|whereas|plus)\b/)
        .pop() ?? '';
    const after = text.slice(index + match[0].length, index + match[0].length + 40);
    found.push({
      index,
      end: index + match[0].length,
      negated: NEGATION_BEFORE.test(before) || NEGATION_AFTER.test(after),
    });
  }
  return found;
}

/** Splits feedback or answers into clauses so a negation in one does not leak into the next. */
export function clauses(text: string): string[] {
  return text
    .split(
      /\n|;|(?<=[.!?])\s+|\s+(?:and also|but|also,)\s+|,?\s+and\s+(?=(?:also\s+)?(?:add|drop|remove|use|support|make|switch|include|exclude|allow|no|skip|keep|change|move)\b)/i,
    )
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export function slugify(text: string, maxLength = 40): string {
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = slug.slice(0, maxLength).replace(/-+$/, '');
  return cut.length > 0 ? cut : 'item';
}

export function singular(word: string): string {
  if (/ies$/.test(word) && word.length > 4) return word.replace(/ies$/, 'y');
  if (/(ss|us|is)$/.test(word)) return word;
  if (/sses$/.test(word)) return word.replace(/es$/, '');
  if (/[^o]uses$/.test(word)) return word.replace(/es$/, '');
  if (/(ches|shes|xes|zes)$/.test(word)) return word.replace(/es$/, '');
  if (/s$/.test(word) && word.length > 3) return word.slice(0, -1);
  return word;
}

export function plural(word: string): string {
  if (/[^aeiou]y$/.test(word)) return word.replace(/y$/, 'ies');
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

export function pascalCase(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1).toLowerCase())
    .join('');
}

export function camelCase(text: string): string {
  const pascal = pascalCase(text);
  return pascal.length > 0 ? pascal[0]!.toLowerCase() + pascal.slice(1) : pascal;
}

export function snakeCase(text: string): string {
  return slugify(text, 60).replace(/-/g, '_');
}

export function capitalize(text: string): string {
  return text.length > 0 ? text[0]!.toUpperCase() + text.slice(1) : text;
}

/** Cuts at a word boundary and marks the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** One line of user text, safe to quote inside a sentence. */
export function quoteInline(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').replace(/[`]/g, "'").trim();
  return `“${truncate(line, max)}”`;
}

/** The first sentence (or line) of raw user text that `pattern` matches once normalized, trimmed. */
export function sentenceMatching(raw: string, pattern: RegExp): string | null {
  for (const sentence of raw.slice(0, MAX_SCANNED_CHARS).split(/(?<=[.!?])\s+|\n+/)) {
    if (pattern.test(normalize(sentence))) return sentence.trim().replace(/\s+/g, ' ');
  }
  return null;
}

/** "a, b and c" */
export function listSentence(items: string[], conjunction = 'and'): string {
  if (items.length === 0) return '';
  if (items.length === 1) return items[0]!;
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}
