import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';

/**
 * AiWorker's own image (Dockerfile, .dockerignore): no Docker daemon runs here, so the file is
 * read and held to what the image must be: pinned base, production dependencies only, non-root,
 * tini as PID 1, a health check on /healthz, and every file `aiworker start` needs inside.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Instruction {
  keyword: string;
  args: string;
}

/** The instructions, with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = instructions(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const finalStage = dockerfile.slice(dockerfile.findLastIndex((i) => i.keyword === 'FROM'));
const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** A .dockerignore pattern as a regular expression over a context-relative path. */
const ignorePattern = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
const isIgnored = (file: string) => ignored.some((pattern) => ignorePattern(pattern).test(file));

/** The COPY sources taken from the build context (not from another stage). */
const contextCopies = finalStage
  .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
  .flatMap((i) => i.args.split(/\s+/).slice(0, -1));

describe('the Dockerfile', () => {
  it('pins every base image by digest', () => {
    const args = Object.fromEntries(
      dockerfile
        .filter((i) => i.keyword === 'ARG' && i.args.includes('='))
        .map((i) => [i.args.slice(0, i.args.indexOf('=')), i.args.slice(i.args.indexOf('=') + 1)]),
    );
    const bases = dockerfile
      .filter((i) => i.keyword === 'FROM')
      .map((i) =>
        (i.args.split(/\s+/)[0] ?? '').replace(/^\$\{(\w+)\}$/, (_, name: string) => args[name] ?? ''),
      );
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(/^node:20[\w.-]*@sha256:[0-9a-f]{64}$/);
  });

  it('installs production dependencies only, in their own stage', () => {
    const installs = dockerfile.filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args));
    expect(installs.map((i) => i.args)).toEqual([expect.stringMatching(/^npm ci --omit=dev\b/)]);
    expect(
      finalStage.some(
        (i) => i.keyword === 'COPY' && /^--from=dependencies \/app\/node_modules /.test(i.args),
      ),
    ).toBe(true);
  });

  it('runs as a numeric non-root user, so Kubernetes can check runAsNonRoot', () => {
    const user = finalStage.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it('starts the bot under tini, which the image installs', () => {
    expect(finalStage.find((i) => i.keyword === 'ENTRYPOINT')?.args).toBe('["/usr/bin/tini", "--"]');
    expect(finalStage.some((i) => i.keyword === 'RUN' && /apt-get install .*\btini\b/.test(i.args))).toBe(
      true,
    );
    expect(finalStage.find((i) => i.keyword === 'CMD')?.args).toBe('["node", "bin/aiworker.js", "start"]');
  });

  it('checks health on the /healthz route the server answers, at $PORT', () => {
    const healthcheck = finalStage.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toContain("'http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz'");
    expect(readFileSync(path.join(ROOT, 'src/server/health.ts'), 'utf8')).toContain("router.get('/healthz'");
  });

  it('copies in all that `aiworker start` loads: package.json, bin, src and the migrations', () => {
    expect(contextCopies).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'bin', 'src']),
    );
    expect(contextCopies).toContain(path.relative(ROOT, MIGRATIONS_FOLDER));
    // bin/aiworker.js loads the TypeScript entry point from src.
    expect(readFileSync(path.join(ROOT, 'bin/aiworker.js'), 'utf8')).toContain("import('../src/app/cli.ts')");
  });
});

describe('the .dockerignore', () => {
  it('keeps out secrets, dependencies and history', () => {
    for (const file of ['.env', '.env.local', 'node_modules/x', '.git/config', 'test/unit/a.test.ts'])
      expect(isIgnored(file), file).toBe(true);
  });

  it('lets in everything the Dockerfile copies', () => {
    for (const source of contextCopies) expect(isIgnored(source), source).toBe(false);
  });
});
