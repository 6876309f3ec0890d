import { depthOf, directoryOf, fileNameOf, isInSkippedDirectory, roleOf } from '../path-roles.ts';
import { parseCargoToml } from './cargo.ts';
import { parseComposerJson } from './composer.ts';
import { parseCsproj } from './dotnet.ts';
import { parseGoMod } from './go.ts';
import { parseGradleBuild, parsePomXml } from './jvm.ts';
import { parseMixExs } from './mix.ts';
import { parsePackageJson } from './npm.ts';
import { parsePipfile, parsePyprojectToml, parseRequirementsTxt, parseSetupPy } from './python.ts';
import { parseGemfile } from './ruby.ts';
import type { InfraKind, ManifestFindings, ManifestKind, ManifestParser } from './types.ts';

/** How many manifests one repository read may fetch: enough for a monorepo's main packages. */
export const MAX_MANIFESTS_READ = 12;
const MAX_INFRA_FILES = 20;

interface ManifestFormat {
  kind: ManifestKind;
  parse: ManifestParser;
}

/** Which manifest a file is, by its name; listed in the order manifests are preferred. */
const FORMATS: ReadonlyArray<
  readonly [test: (name: string, path: string) => boolean, format: ManifestFormat]
> = [
  [(name) => name === 'package.json', { kind: 'npm', parse: parsePackageJson }],
  [(name) => name === 'go.mod', { kind: 'go', parse: parseGoMod }],
  [(name) => name === 'Cargo.toml', { kind: 'cargo', parse: parseCargoToml }],
  [(name) => name === 'pyproject.toml', { kind: 'python', parse: parsePyprojectToml }],
  [(name) => name === 'setup.py', { kind: 'python', parse: parseSetupPy }],
  [(name) => name === 'Pipfile', { kind: 'python', parse: parsePipfile }],
  [
    (name, path) =>
      /^(.*[-_])?requirements([-_.].*)?\.txt$/.test(name) || /(^|\/)requirements\/[^/]+\.txt$/.test(path),
    { kind: 'python', parse: parseRequirementsTxt },
  ],
  [(name) => name === 'pom.xml', { kind: 'maven', parse: parsePomXml }],
  [
    (name) => name === 'build.gradle' || name === 'build.gradle.kts',
    { kind: 'gradle', parse: parseGradleBuild },
  ],
  [(name) => name === 'Gemfile', { kind: 'ruby', parse: parseGemfile }],
  [(name) => name === 'composer.json', { kind: 'composer', parse: parseComposerJson }],
  [(name) => /\.(cs|fs|vb)proj$/.test(name), { kind: 'dotnet', parse: parseCsproj }],
  [(name) => name === 'mix.exs', { kind: 'mix', parse: parseMixExs }],
];

function formatOf(path: string): { format: ManifestFormat; rank: number } | null {
  const name = fileNameOf(path);
  const rank = FORMATS.findIndex(([test]) => test(name, path));
  const entry = FORMATS[rank];
  return entry ? { format: entry[1], rank } : null;
}

export function infraKindOf(path: string): InfraKind | null {
  const name = fileNameOf(path);
  if (/^(Dockerfile|Containerfile)(\..+)?$/.test(name) || name.endsWith('.Dockerfile')) return 'docker';
  if (/^(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(name)) return 'docker-compose';
  if (name === 'Chart.yaml') return 'helm';
  if (/^kustomization\.ya?ml$/.test(name)) return 'kustomize';
  if (/^\.gitea\/workflows\/[^/]+\.ya?ml$/.test(path)) return 'gitea-actions';
  if (/^\.github\/workflows\/[^/]+\.ya?ml$/.test(path)) return 'github-actions';
  if (path === '.gitlab-ci.yml') return 'gitlab-ci';
  return null;
}

/** Test fixtures and docs often carry sample manifests; the project's own come first. */
function isSampleLocation(path: string): boolean {
  const role = roleOf(path);
  return (
    role === 'test' || role === 'docs' || role === 'generated' || /(^|\/)(examples?|samples?)\//.test(path)
  );
}

function byPreference(a: { path: string; rank: number }, b: { path: string; rank: number }): number {
  return (
    Number(isSampleLocation(a.path)) - Number(isSampleLocation(b.path)) ||
    depthOf(a.path) - depthOf(b.path) ||
    a.rank - b.rank ||
    a.path.localeCompare(b.path)
  );
}

/** The manifests worth reading, most telling first (root before nested, own before samples). */
export function selectManifests(
  paths: Iterable<string>,
  limit = MAX_MANIFESTS_READ,
): Array<{ path: string; kind: ManifestKind }> {
  const found: Array<{ path: string; rank: number; kind: ManifestKind }> = [];
  for (const path of paths) {
    if (isInSkippedDirectory(path)) continue;
    const match = formatOf(path);
    if (match) found.push({ path, rank: match.rank, kind: match.format.kind });
  }
  return found
    .sort(byPreference)
    .slice(0, limit)
    .map(({ path, kind }) => ({ path, kind }));
}

/** Infrastructure files (containers, charts, CI), noted by path only. */
export function selectInfraFiles(paths: Iterable<string>): Array<{ path: string; kind: InfraKind }> {
  const found: Array<{ path: string; kind: InfraKind }> = [];
  for (const path of paths) {
    if (isInSkippedDirectory(path)) continue;
    const kind = infraKindOf(path);
    if (kind) found.push({ path, kind });
  }
  return found
    .sort((a, b) => depthOf(a.path) - depthOf(b.path) || a.path.localeCompare(b.path))
    .slice(0, MAX_INFRA_FILES);
}

/** `hasNearby` for a manifest: looks in its directory and every directory above it. */
export function nearbyLookup(
  allPaths: ReadonlySet<string>,
  manifestPath: string,
): (fileName: string) => boolean {
  return (fileName) => {
    let dir = directoryOf(manifestPath);
    for (;;) {
      if (allPaths.has(dir === '' ? fileName : `${dir}/${fileName}`)) return true;
      if (dir === '') return false;
      dir = directoryOf(dir);
    }
  };
}

/**
 * What a manifest says, or null when it cannot be understood. A malformed manifest is a fact
 * about the repository, not a failure of the indexer, so nothing is thrown.
 */
export function parseManifest(
  path: string,
  text: string,
  hasNearby: (fileName: string) => boolean,
): ManifestFindings | null {
  const match = formatOf(path);
  if (!match) return null;
  try {
    return match.format.parse({ path, text, hasNearby });
  } catch {
    return null;
  }
}
