/**
 * What a path in a repository is, judged from the path alone: whether the indexer may read
 * it at all, and how much it should count when looking for code relevant to an issue.
 */

/** Files larger than this are never read: they are generated, data, or too big for a prompt. */
export const MAX_INDEXED_FILE_BYTES = 200 * 1024;

export type FileRole = 'source' | 'test' | 'config' | 'docs' | 'generated';

/** Directories that hold dependencies, build output or tool caches, never the project's own code. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'bower_components',
  'jspm_packages',
  'vendor',
  'third_party',
  'third-party',
  'dist',
  'build',
  'out',
  'target',
  'obj',
  'coverage',
  '.git',
  '.hg',
  '.svn',
  '.next',
  '.nuxt',
  '.svelte-kit',
  '.turbo',
  '.cache',
  '.parcel-cache',
  '.gradle',
  '.idea',
  '.vscode',
  '.venv',
  'venv',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  '__pycache__',
  'Pods',
  'DerivedData',
  '.terraform',
]);

const LOCK_FILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'bun.lockb',
  'Cargo.lock',
  'go.sum',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'pdm.lock',
  'Gemfile.lock',
  'composer.lock',
  'mix.lock',
  'packages.lock.json',
  'gradle.lockfile',
  'flake.lock',
]);

const BINARY_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif bmp ico icns webp avif tif tiff psd svg pdf zip gz tgz bz2 xz zst 7z rar ' +
    'tar jar war ear class so dylib dll exe bin o a lib pyc pyo wasm woff woff2 ttf otf eot ' +
    'mp3 mp4 m4a wav ogg webm mov avi flac sqlite sqlite3 db dat pkl npy npz onnx pt h5 ' +
    'parquet lockb iso dmg deb rpm'
  ).split(' '),
);

/** Files that commonly hold credentials: never read, so they can never reach a prompt. */
const SECRET_EXTENSIONS = new Set(['pem', 'key', 'p12', 'pfx', 'jks', 'keystore', 'crt', 'der']);
const SECRET_NAMES = new Set([
  '.npmrc',
  '.pypirc',
  '.netrc',
  '.git-credentials',
  '.htpasswd',
  'credentials.json',
]);
const SECRET_ENV_EXAMPLES = /^\.env\.(example|sample|template|dist)$/;

const DOC_EXTENSIONS = new Set(['md', 'mdx', 'rst', 'txt', 'adoc', 'asciidoc', 'org']);
const CONFIG_EXTENSIONS = new Set(
  (
    'json jsonc json5 yaml yml toml ini cfg conf xml properties env editorconfig gitignore ' +
    'dockerignore gitattributes lock'
  ).split(' '),
);
const TEST_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'spec',
  'specs',
  'e2e',
  '__mocks__',
  'testdata',
  'fixtures',
  'cypress',
]);
const DOC_DIRS = new Set(['docs', 'doc', 'documentation']);
const GENERATED_DIRS = new Set(['__generated__', 'generated', '__snapshots__']);

export function fileNameOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

export function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** Lowercased last extension without the dot ('' when none; dotfiles like `.env` have none). */
export function extensionOf(path: string): string {
  const name = fileNameOf(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

export function depthOf(path: string): number {
  let depth = 0;
  for (const char of path) if (char === '/') depth++;
  return depth;
}

/** Whether a path lies under a dependency, build-output or cache directory. */
export function isInSkippedDirectory(path: string): boolean {
  const segments = path.split('/');
  segments.pop();
  return segments.some((segment) => SKIPPED_DIRS.has(segment));
}

export function isLockFile(path: string): boolean {
  return LOCK_FILES.has(fileNameOf(path));
}

export function isBinaryPath(path: string): boolean {
  return BINARY_EXTENSIONS.has(extensionOf(path));
}

export function isSecretPath(path: string): boolean {
  const name = fileNameOf(path);
  if (SECRET_NAMES.has(name) || SECRET_EXTENSIONS.has(extensionOf(path))) return true;
  if (/^id_(rsa|dsa|ecdsa|ed25519)/.test(name)) return true;
  return (name === '.env' || name.startsWith('.env.')) && !SECRET_ENV_EXAMPLES.test(name);
}

/** Whether the indexer may read this blob: the project's own text, small enough for a prompt. */
export function isIndexable(path: string, size: number): boolean {
  return (
    size <= MAX_INDEXED_FILE_BYTES &&
    !isInSkippedDirectory(path) &&
    !isLockFile(path) &&
    !isBinaryPath(path) &&
    !isSecretPath(path)
  );
}

function isGenerated(path: string, name: string): boolean {
  if (/\.(min\.(js|css)|map)$/.test(name)) return true;
  if (/(\.pb\.go|_pb2\.py|_pb2_grpc\.py|\.g\.dart|\.freezed\.dart|\.snap)$/.test(name)) return true;
  if (/\.generated\.[a-z]+$/i.test(name) || /\.gen\.[a-z]+$/.test(name)) return true;
  return path.split('/').some((segment) => GENERATED_DIRS.has(segment));
}

function isTest(path: string, name: string): boolean {
  if (/\.(test|spec)\.[a-z0-9]+$/i.test(name)) return true;
  if (/_test\.(go|py|exs|rb)$/.test(name) || /^test_.+\.py$/.test(name) || name === 'conftest.py')
    return true;
  if (/_spec\.rb$/.test(name) || /(Test|Tests|IT)\.(java|kt|cs|scala|groovy)$/.test(name)) return true;
  const segments = path.split('/');
  segments.pop();
  return segments.some((segment) => TEST_DIRS.has(segment.toLowerCase()));
}

/** How a file counts when ranking paths: source first, then config, docs, tests, generated. */
export function roleOf(path: string): FileRole {
  const name = fileNameOf(path);
  if (isGenerated(path, name)) return 'generated';
  if (isTest(path, name)) return 'test';
  const extension = extensionOf(path);
  const topSegment = path.split('/')[0] ?? '';
  if (DOC_EXTENSIONS.has(extension) || (DOC_DIRS.has(topSegment.toLowerCase()) && path.includes('/')))
    return 'docs';
  if (CONFIG_EXTENSIONS.has(extension) || name.startsWith('.')) return 'config';
  return 'source';
}

/** Order of roles when scores tie, and the weight each role's path score gets. */
export const ROLE_RANK: Record<FileRole, number> = { source: 0, config: 1, docs: 2, test: 3, generated: 4 };
export const ROLE_WEIGHT: Record<FileRole, number> = {
  source: 1,
  config: 0.6,
  docs: 0.5,
  test: 0.45,
  generated: 0.15,
};
