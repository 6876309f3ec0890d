/**
 * "Did you mean" for slash commands: which known command a mistyped `/word` most likely meant.
 * Pure and bounded, so the parser can call it on every unknown `/word` of a huge comment.
 */

/**
 * Optimal-string-alignment distance (Damerau-Levenshtein restricted to adjacent transpositions:
 * `aprove` → `approve` is 1, `hlep` → `help` is 1). Gives up early: once the distance must
 * exceed `max` it returns `max + 1`, so comparing against a long word costs O(max · length)
 * at most, never O(length²).
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a.length === 0 || b.length === 0) return Math.max(a.length, b.length);

  // Three rolling rows: two rows back is needed for transpositions.
  let beforePrevious: number[] = [];
  let previous: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current: number[] = [i];
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (previous[j] ?? 0) + 1, // deletion
        (current[j - 1] ?? 0) + 1, // insertion
        (previous[j - 1] ?? 0) + cost, // substitution
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (beforePrevious[j - 2] ?? 0) + 1); // transposition
      }
      current[j] = value;
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum > max) return max + 1;
    beforePrevious = previous;
    previous = current;
  }
  const distance = previous[b.length] ?? 0;
  return distance > max ? max + 1 : distance;
}

/**
 * How many typos a command name tolerates: short names get one, longer names two, so that
 * `/hello` is not mistaken for `/help` while `/aprove-spce` still finds `/approve-spec`.
 */
export function allowedTypos(commandName: string): number {
  return commandName.length <= 4 ? 1 : 2;
}

/** A typed prefix must be at least this long to count (`/app` → `/approve-spec`, `/s` → nothing). */
const MIN_PREFIX_LENGTH = 3;

/**
 * The known command closest to `typed` (both without the leading slash), or undefined when
 * nothing is close enough. Close means, in this order of preference:
 * 1. within `allowedTypos` edits (smallest distance wins, ties go to the earlier known name);
 * 2. `typed` starts with a known name (`approve-spec-now` → `approve-spec`, longest wins);
 * 3. `typed` (3+ characters) is the start of a known name (`stat` → `status`, first wins).
 * An exact match is not a suggestion: callers only ask about words they did not recognise.
 */
export function suggestCommand(typed: string, known: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  if (word.length === 0 || known.includes(word)) return undefined;

  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const limit = allowedTypos(name);
    const distance = editDistance(word, name, limit);
    if (distance <= limit && distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return best;

  let longestKnownPrefix: string | undefined;
  for (const name of known) {
    if (word.startsWith(name) && name.length > (longestKnownPrefix?.length ?? 0)) longestKnownPrefix = name;
  }
  if (longestKnownPrefix !== undefined) return longestKnownPrefix;

  if (word.length >= MIN_PREFIX_LENGTH) return known.find((name) => name.startsWith(word));
  return undefined;
}
