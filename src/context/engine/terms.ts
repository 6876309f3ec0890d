import { stem } from '../keywords.ts';

/**
 * Terms for the code index: every identifier is kept whole (`markorderpaid`) and split into its
 * words (`mark`, `order`, `paid`), so a query can name the symbol or describe it. Both the
 * indexed text and the query go through the same light stemmer.
 */

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*|\d+/g;
/** Words too common in code or requests to tell chunks apart. */
const NOISE = new Set(
  (
    'a an and are as at be by for from if in into is it of on or the this to with ' +
    'const let var function return import export default class new true false null undefined none ' +
    'self def func fn pub use end then else elif async await public private protected static void ' +
    'string int bool err nil package type interface struct impl'
  ).split(' '),
);

function splitWords(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** Index terms of a text (code, a path or a request), stemmed, noise words dropped. */
export function codeTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.matchAll(IDENTIFIER)) {
    const token = match[0];
    if (token.length > 64) continue;
    const parts = splitWords(token);
    if (parts.length > 1) {
      const whole = parts.join('');
      if (!NOISE.has(whole)) terms.push(whole);
    }
    for (const part of parts) {
      if (part.length < 2 || NOISE.has(part) || /^\d+$/.test(part)) continue;
      terms.push(stem(part));
    }
  }
  return terms;
}
