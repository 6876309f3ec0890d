import type { DeclaredDependency } from './types.ts';

/**
 * `[pattern, label, what it is]`. A pattern is a dependency name, or a prefix ending in `*`.
 * Rules are listed in the order labels should appear: servers and UI first, then data, then
 * notable libraries.
 */
export type LabelRule = readonly [pattern: string, label: string, kind: 'framework' | 'test'];

function matches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** Frameworks and test tools named by a manifest's dependencies, in rule order, without repeats. */
export function labelDependencies(
  dependencies: readonly DeclaredDependency[],
  rules: readonly LabelRule[],
  normalise: (name: string) => string = (name) => name,
): { frameworks: string[]; testTools: string[] } {
  const names = dependencies.map((dependency) => normalise(dependency.name));
  const frameworks: string[] = [];
  const testTools: string[] = [];
  for (const [pattern, label, kind] of rules) {
    if (!names.some((name) => matches(pattern, name))) continue;
    const target = kind === 'framework' ? frameworks : testTools;
    if (!target.includes(label)) target.push(label);
  }
  return { frameworks, testTools };
}

/** Keeps the first declaration of each name. */
export function uniqueDependencies(dependencies: readonly DeclaredDependency[]): DeclaredDependency[] {
  const seen = new Set<string>();
  return dependencies.filter((dependency) => {
    if (seen.has(dependency.name)) return false;
    seen.add(dependency.name);
    return true;
  });
}
