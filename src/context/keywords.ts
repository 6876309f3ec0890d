/**
 * Turning issue text, paths and code lines into comparable keyword stems: lowercase, split
 * camelCase / snake_case / kebab-case, drop stopwords, strip common English suffixes.
 */

const STOPWORDS = new Set(
  // English function words
  (
    'a about above after again against all also am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing done down during each either else etc ' +
    'even ever every few for from further had has have having he her here hers him his how however ' +
    'i if in into is it its itself just let lets like may me might more most much must my no nor not ' +
    'now of off on once only or other our ours out over own per please same she should so some such ' +
    'than that the their theirs them then there these they this those through to too under until up ' +
    'upon us very via was we were what when where whether which while who whom whose why will with ' +
    'within without would yes yet you your yours ' +
    // words every feature request uses, which say nothing about where the code is
    'able add adding added allow allows ability create creating currently enable feature get gets ' +
    'going implement implementation make makes need needs new possible support supports thing ' +
    'things use used using want wants way work works ' +
    // link noise
    'http https www com org html'
  ).split(' '),
);

/** `CheckoutPage` → `Checkout Page`, `HTTPServer` → `HTTP Server`. */
function splitCamelCase(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
}

/** A light suffix stripper: both sides of every comparison go through it, so it need not be a real stemmer. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (/(xes|ches|shes|zzes)$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length >= 6) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && !w.endsWith('eed') && w.length >= 5) w = undouble(w.slice(0, -2));
  return w;
}

/** `shipp` → `ship`, but `bill` and `process` keep their doubled letter. */
function undouble(w: string): string {
  return /([^lsz])\1$/.test(w) ? w.slice(0, -1) : w;
}

/** Raw lowercase words of a text (camelCase split), before stopwords and stemming. */
export function words(text: string): string[] {
  return splitCamelCase(text)
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

function isKeyword(word: string): boolean {
  return word.length >= 2 && !/^\d+$/.test(word) && !STOPWORDS.has(word);
}

/** Distinct keyword stems of an issue or query, in order of first appearance. */
export function keywordStems(text: string): string[] {
  const seen = new Set<string>();
  for (const word of words(text)) {
    if (!isKeyword(word)) continue;
    const stemmed = stem(word);
    if (stemmed.length >= 2 && !STOPWORDS.has(stemmed)) seen.add(stemmed);
  }
  return [...seen];
}

/** How much more a keyword of the issue's title counts than one only in its body. */
const TITLE_KEYWORD_WEIGHT = 2;
/** Keywords kept from one issue: a long body (logs, stack traces) must not make ranking slow. */
export const MAX_ISSUE_KEYWORDS = 32;

/**
 * Keywords of an issue with how much each matters: the title (first non-empty line) states the
 * gist, so its keywords count double; words only in the body ("users should be able to…") count
 * once. At most 32 are kept: title words first, then the body's most repeated.
 */
export function issueKeywords(text: string): { stems: string[]; importance: Map<string, number> } {
  const title = text.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  const inTitle = new Set(keywordStems(title));
  const frequency = new Map<string, number>();
  for (const word of words(text)) {
    if (!isKeyword(word)) continue;
    const stemmed = stem(word);
    if (stemmed.length >= 2 && !STOPWORDS.has(stemmed))
      frequency.set(stemmed, (frequency.get(stemmed) ?? 0) + 1);
  }
  const stems = [...frequency.keys()]
    .map((keyword, order) => ({
      keyword,
      order,
      title: inTitle.has(keyword),
      count: frequency.get(keyword) ?? 0,
    }))
    .sort((a, b) => Number(b.title) - Number(a.title) || b.count - a.count || a.order - b.order)
    .slice(0, MAX_ISSUE_KEYWORDS)
    .sort((a, b) => a.order - b.order)
    .map(({ keyword }) => keyword);
  const importance = new Map(
    stems.map((keyword) => [keyword, inTitle.has(keyword) ? TITLE_KEYWORD_WEIGHT : 1]),
  );
  return { stems, importance };
}

/** Stems of every word of a line of code or a path segment (no stopword removal: the query decides). */
export function wordStems(text: string): string[] {
  return words(text).map(stem);
}

/**
 * Whether a keyword matches a word stem found in a path or line: exactly, or as a prefix of at
 * least four letters either way (`auth` ~ `authentication`, `cach` ~ `cache`).
 */
export function stemMatch(keyword: string, found: string): 'exact' | 'prefix' | null {
  if (keyword === found) return 'exact';
  const [shorter, longer] = keyword.length <= found.length ? [keyword, found] : [found, keyword];
  return shorter.length >= 4 && longer.startsWith(shorter) ? 'prefix' : null;
}
