import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledSpecifier } from '../../scripts/build.ts';
import { TEST_MYSQL_URL, testDatabaseName } from '../support/services.ts';

/**
 * The production build (`npm run build`): compiled into a temporary directory laid out as the
 * image is (package.json, production node_modules without tsx, drizzle/, bin/, dist/), the
 * `aiworker` binary runs from it, migrates a database, and nothing in it loads tsx or a
 * TypeScript file. The binary's other path, the sources through tsx, is checked too.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Top-level packages `npm ci --omit=dev` installs, read from the lockfile. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([key, entry]) => /^node_modules\/(@[^/]+\/)?[^/@][^/]*$/.test(key) && !entry.dev)
    .map(([key]) => key.slice('node_modules/'.length));
}

/** A directory laid out like the image; `packages` are linked from this checkout. */
function makeLayout(packages: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aiworker-build-'));
  cpSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  symlinkSync(path.join(ROOT, 'drizzle'), path.join(dir, 'drizzle'));
  for (const name of packages) {
    mkdirSync(path.dirname(path.join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name));
  }
  return dir;
}

function aiworker(layout: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(layout, 'bin/aiworker.js'), ...args], {
    cwd: tmpdir(), // no .env file there
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function compiledModules(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => path.join(dir, file));
}

let layout: string;
let buildOutput: { status: number | null; stdout: string; stderr: string };

beforeAll(() => {
  // tsx is left out on purpose: the compiled binary must not need it.
  layout = makeLayout(productionPackages().filter((name) => name !== 'tsx'));
  const result = spawnSync('npm', ['run', 'build', '--', '--out-dir', path.join(layout, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 170_000,
  });
  buildOutput = { status: result.status, stdout: result.stdout, stderr: result.stderr };
}, 180_000);

afterAll(() => {
  if (layout) rmSync(layout, { recursive: true, force: true });
});

describe('npm run build', { timeout: 60_000 }, () => {
  it('compiles every module of src/ into the output directory', () => {
    expect(buildOutput.stderr).not.toMatch(/error/i);
    expect(buildOutput.status).toBe(0);
    const sources = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const source of sources) {
      expect(existsSync(path.join(layout, 'dist', source.replace(/\.ts$/, '.js'))), source).toBe(true);
    }
  });

  it('leaves no import of tsx or of a TypeScript file, and every relative import resolves', () => {
    const modules = compiledModules(path.join(layout, 'dist'));
    expect(modules.length).toBeGreaterThan(100);
    let relativeImports = 0;
    for (const file of modules) {
      // Static imports, re-exports and dynamic import() calls alike.
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      for (const { fileName: specifier } of importedFiles) {
        const where = `${path.relative(layout, file)} imports ${specifier}`;
        expect(specifier, where).not.toMatch(/^tsx(\/|$)/);
        expect(specifier, where).not.toMatch(/\.[cm]?tsx?$/);
        if (specifier.startsWith('.')) {
          relativeImports++;
          expect(existsSync(path.resolve(path.dirname(file), specifier)), where).toBe(true);
        }
      }
    }
    expect(relativeImports).toBeGreaterThan(500);
  });

  it('points every URL resolved against a module’s own location at a file of the layout', () => {
    const references = compiledModules(path.join(layout, 'dist')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/new URL\((['"])([^'"]+)\1, import\.meta\.url\)/g)].map(
        (match) => ({ file, target: match[2]! }),
      ),
    );
    // The migrations folder (db/migrate) and the parse pool's worker thread, at least.
    expect(references.map((r) => r.target)).toEqual(
      expect.arrayContaining(['../../drizzle', './parse-worker.js']),
    );
    for (const { file, target } of references) {
      expect(existsSync(path.resolve(path.dirname(file), target)), `${file}: ${target}`).toBe(true);
    }
  });

  it('runs the binary from the build: usage, and the refusal of an unknown command', () => {
    const help = aiworker(layout, ['help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('setup --repo OWNER/NAME');
    const unknown = aiworker(layout, ['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "launch"');
  });

  it('migrates a new database from the build (the migrations are found beside it)', async () => {
    const name = testDatabaseName('build');
    const databaseUrl = `${TEST_MYSQL_URL.replace(/\/+$/, '')}/${name}`;
    try {
      const first = aiworker(layout, ['migrate'], { DATABASE_URL: databaseUrl });
      expect(first.stderr).toBe('');
      expect(first.stdout).toMatch(/Applied [1-9]\d* migration/);
      expect(aiworker(layout, ['migrate'], { DATABASE_URL: databaseUrl }).stdout).toContain('up to date');
    } finally {
      const conn = await mysql.createConnection({ uri: `${TEST_MYSQL_URL.replace(/\/+$/, '')}/` });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    }
  });
});

describe('the binary with sources beside the build', { timeout: 60_000 }, () => {
  let withSources: string;
  beforeAll(() => {
    withSources = makeLayout(productionPackages());
    cpSync(path.join(layout, 'dist'), path.join(withSources, 'dist'), { recursive: true });
    symlinkSync(path.join(ROOT, 'src'), path.join(withSources, 'src'));
  });
  afterAll(() => rmSync(withSources, { recursive: true, force: true }));

  it('runs the build when it is newer than every source', () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(withSources, 'dist/app/cli.js'), later, later);
    const help = aiworker(withSources, ['help']);
    expect(help.stderr).toBe('');
    expect(help.stdout).toContain('Usage: aiworker');
  });

  it('runs the sources through tsx, and says so, when the build is older than a source', () => {
    utimesSync(path.join(withSources, 'dist/app/cli.js'), new Date(0), new Date(0));
    const help = aiworker(withSources, ['help']);
    expect(help.stderr).toContain('dist/ is older than src/, running the sources');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: aiworker');
  });
});

describe('the build’s rewrite of module URLs', () => {
  it('names the compiled file for a relative TypeScript module, and leaves everything else', () => {
    expect(compiledSpecifier('./parse-worker.ts')).toBe('./parse-worker.js');
    expect(compiledSpecifier('../lib/x.mts')).toBe('../lib/x.mjs');
    expect(compiledSpecifier('./x.cts')).toBe('./x.cjs');
    expect(compiledSpecifier('../../drizzle')).toBe('../../drizzle');
    expect(compiledSpecifier('./types.d.ts')).toBe('./types.d.ts');
    expect(compiledSpecifier('pkg/file.ts')).toBe('pkg/file.ts');
    expect(compiledSpecifier('./grammar.wasm')).toBe('./grammar.wasm');
  });
});
