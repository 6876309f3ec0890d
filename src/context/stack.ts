import type { DeclaredDependency, ManifestFindings, ManifestKind } from './manifests/types.ts';
import { depthOf, fileNameOf, isInSkippedDirectory } from './path-roles.ts';

/** At most this many dependencies are listed for prompts. */
export const MAX_LISTED_DEPENDENCIES = 40;

export interface ParsedManifest {
  path: string;
  kind: ManifestKind;
  findings: ManifestFindings;
}

export interface StackFacts {
  frameworks: string[];
  testTools: string[];
  packageManager?: string;
  /** `name version`, runtime dependencies before development ones. */
  dependencies: string[];
}

const ECOSYSTEM_LANGUAGES: Record<ManifestKind, readonly string[]> = {
  npm: ['TypeScript', 'JavaScript', 'Vue', 'Svelte', 'Astro'],
  go: ['Go'],
  cargo: ['Rust'],
  python: ['Python'],
  maven: ['Java', 'Kotlin', 'Scala', 'Groovy'],
  gradle: ['Java', 'Kotlin', 'Scala', 'Groovy'],
  ruby: ['Ruby'],
  composer: ['PHP'],
  dotnet: ['C#', 'F#', 'Visual Basic'],
  mix: ['Elixir'],
};

/** Files whose mere presence names a framework or a test tool. */
const CONVENTIONS: ReadonlyArray<readonly [RegExp, string, 'framework' | 'test']> = [
  [/^next\.config\.[cm]?[jt]s$/, 'Next.js', 'framework'],
  [/^nuxt\.config\.[cm]?[jt]s$/, 'Nuxt', 'framework'],
  [/^angular\.json$/, 'Angular', 'framework'],
  [/^svelte\.config\.[cm]?[jt]s$/, 'Svelte', 'framework'],
  [/^manage\.py$/, 'Django', 'framework'],
  [/^artisan$/, 'Laravel', 'framework'],
  [/^vitest\.config\.[cm]?[jt]s$/, 'Vitest', 'test'],
  [/^jest\.config\.([cm]?[jt]s|json)$/, 'Jest', 'test'],
  [/^playwright\.config\.[cm]?[jt]s$/, 'Playwright', 'test'],
  [/^cypress(\.config\.[cm]?[jt]s|\.json)$/, 'Cypress', 'test'],
  [/^\.mocharc(\.[a-z]+)?$/, 'Mocha', 'test'],
  [/^karma\.conf\.[cm]?[jt]s$/, 'Karma', 'test'],
  [/^(pytest\.ini|conftest\.py)$/, 'pytest', 'test'],
  [/^\.rspec$/, 'RSpec', 'test'],
  [/^phpunit\.xml(\.dist)?$/, 'PHPUnit', 'test'],
  // Rails's default test framework names its files *_test.rb.
  [/_test\.rb$/, 'Minitest', 'test'],
];

function ecosystemRank(kind: ManifestKind, languages: readonly string[]): number {
  const index = languages.findIndex((language) => ECOSYSTEM_LANGUAGES[kind].includes(language));
  return index === -1 ? languages.length : index;
}

function pushUnique(target: string[], values: Iterable<string>): void {
  for (const value of values) if (!target.includes(value)) target.push(value);
}

function formatDependency(dependency: DeclaredDependency): string {
  return dependency.version ? `${dependency.name} ${dependency.version}` : dependency.name;
}

/**
 * One stack out of every manifest read: the shallowest manifest of the most used language
 * leads (its package manager is the repository's), the others add what they name.
 */
export function combineStack(
  manifests: readonly ParsedManifest[],
  paths: readonly string[],
  languages: readonly string[],
): StackFacts {
  const ordered = [...manifests].sort(
    (a, b) =>
      depthOf(a.path) - depthOf(b.path) ||
      ecosystemRank(a.kind, languages) - ecosystemRank(b.kind, languages),
  );
  const frameworks: string[] = [];
  const testTools: string[] = [];
  for (const { findings } of ordered) {
    pushUnique(frameworks, findings.frameworks);
    pushUnique(testTools, findings.testTools);
  }
  const seenConventions = new Set<string>();
  for (const path of paths) {
    if (isInSkippedDirectory(path)) continue;
    const name = fileNameOf(path);
    for (const [pattern, label, kind] of CONVENTIONS) {
      if (seenConventions.has(label) || !pattern.test(name)) continue;
      seenConventions.add(label);
      pushUnique(kind === 'framework' ? frameworks : testTools, [label]);
    }
  }

  const listed = new Set<string>();
  const dependencies: string[] = [];
  for (const dev of [false, true]) {
    for (const { findings } of ordered) {
      for (const dependency of findings.dependencies) {
        if (dependency.dev !== dev || listed.has(dependency.name)) continue;
        if (dependencies.length >= MAX_LISTED_DEPENDENCIES) break;
        listed.add(dependency.name);
        dependencies.push(formatDependency(dependency));
      }
    }
  }

  const packageManager = ordered.find((manifest) => manifest.findings.packageManager)?.findings
    .packageManager;
  return packageManager
    ? { frameworks, testTools, dependencies, packageManager }
    : { frameworks, testTools, dependencies };
}
