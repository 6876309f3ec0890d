import { badRequest } from './api-status.ts';

/**
 * Label selectors as `?labelSelector=` carries them (`a=b`, `a==b`, `a!=b`, `a`, `!a`,
 * `a in (x,y)`, `a notin (x)`, comma-joined) and the one field selector clients commonly
 * send, `metadata.name=`.
 */

type Requirement =
  | { key: string; op: 'in'; values: string[] }
  | { key: string; op: 'notin'; values: string[] }
  | { key: string; op: 'exists' }
  | { key: string; op: 'absent' };

export type Selector = (labels: Record<string, string> | undefined) => boolean;

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Splits on commas that are not inside a `( … )` value set. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key))
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${selector}"`);
  return key;
}

function parseTerm(term: string, selector: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = set[3]!
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { key: checkKey(set[1]!, selector), op: set[2] as 'in' | 'notin', values };
  }
  const inequality = /^([^!=\s]+)\s*!=\s*(\S*)$/.exec(term);
  if (inequality) return { key: checkKey(inequality[1]!, selector), op: 'notin', values: [inequality[2]!] };
  const equality = /^([^!=\s]+)\s*==?\s*(\S*)$/.exec(term);
  if (equality) return { key: checkKey(equality[1]!, selector), op: 'in', values: [equality[2]!] };
  if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim(), selector), op: 'absent' };
  return { key: checkKey(term, selector), op: 'exists' };
}

export function parseLabelSelector(selector: string | null): Selector {
  if (!selector) return () => true;
  const requirements = splitTerms(selector).map((term) => parseTerm(term, selector));
  return (labels) =>
    requirements.every((r) => {
      const value = labels?.[r.key];
      switch (r.op) {
        case 'exists':
          return value !== undefined;
        case 'absent':
          return value === undefined;
        case 'in':
          return value !== undefined && r.values.includes(value);
        default:
          return value === undefined || !r.values.includes(value);
      }
    });
}

/** Only `metadata.name` and `metadata.namespace` are supported, as for most resources. */
export function parseFieldSelector(selector: string | null): (name: string, namespace: string) => boolean {
  if (!selector) return () => true;
  const checks = splitTerms(selector).map((term) => {
    const match = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!match)
      throw badRequest(`"${term}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    const [, field, op, value] = match;
    return { field: field!, negate: op === '!=', value: value! };
  });
  return (name, namespace) =>
    checks.every((c) => ((c.field === 'metadata.name' ? name : namespace) === c.value) !== c.negate);
}
