import { normalize } from './text.ts';

/** Finds what an issue title is about ("CRUD API for warehouses" → "warehouses"), ignoring request filler. */

const LEADING_VERBS =
  /^(please |we need |we want |i want |i'd like |as a user,? )?(to )?(add|adds|support|implement|create|build|allow|enable|introduce|make|provide|expose|set ?up|new|feature:?|feat:?|fix|improve|speed up)\b\s*/;

const FILLER = new Set([
  'a',
  'an',
  'the',
  'our',
  'all',
  'some',
  'new',
  'basic',
  'simple',
  'support',
  'feature',
  'ability',
  'option',
  'crud',
  'api',
  'rest',
  'endpoint',
  'endpoints',
  'page',
  'pages',
  'screen',
  'view',
  'ui',
  'search',
  'import',
  'export',
  'csv',
  'excel',
  'xlsx',
  'json',
  'file',
  'files',
  'bulk',
  'upload',
  'management',
  'manage',
  'module',
  'resource',
  'resources',
  'via',
  'from',
  'into',
  'to',
  'for',
  'of',
  'and',
  'or',
  'with',
  'in',
  'on',
  'by',
  'using',
  'full-text',
  'fulltext',
  'data',
  'migration',
  'migrate',
  'add',
  'allow',
  'users',
  'user',
  'us',
  'let',
  'lets',
  'can',
  'able',
  'be',
  'is',
  'are',
  'should',
  'page:',
  'listing',
]);

/** The noun phrase a title is about: "CRUD API for warehouses" → "warehouses"; null if none. */
export function subjectFromTitle(title: string): string | null {
  const t = normalize(title)
    .replace(/[`"'“”]/g, '')
    .replace(/\[[^\]]*\]|\([^)]*\)/g, ' ')
    .replace(LEADING_VERBS, '')
    .trim();
  const prepositional =
    /\b(?:for|of|to manage|manage|managing|about)\s+(?:the\s+|a\s+|an\s+|our\s+|all\s+|existing\s+)?([a-z][a-z0-9-]*(?:\s+[a-z][a-z0-9-]*)?)(?=\s+(?:in|with|via|from|to|using|on|so|that|when|by|as)\b|\s*$|\s*[.,:;!?])/.exec(
      t,
    );
  const candidate = prepositional?.[1]?.split(/\s+/).filter((w) => !FILLER.has(w));
  if (candidate && candidate.length > 0) return candidate.join(' ');
  const words = t.split(/[^a-z0-9-]+/).filter((w) => w.length > 2 && !FILLER.has(w) && !/^\d+$/.test(w));
  if (words.length === 0) return null;
  return words.slice(0, 2).join(' ');
}
