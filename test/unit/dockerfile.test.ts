import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';

/**
 * AiWorker's own image (Dockerfile, .dockerignore): no Docker daemon runs here, so the file is
 * read and held to what the image must be: pinned bases, compiled in a build stage, the image
 * itself with the compiled code and production dependencies only, non-root, tini as PID 1, a
 * health check on /healthz, and every file `aiworker start` needs inside.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string;
  instructions: Instruction[];
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

/** The stages, each from its FROM to the next; unnamed ones are called by their index. */
function stages(all: Instruction[]): Stage[] {
  const result: Stage[] = [];
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      const name = /\bAS\s+(\S+)$/i.exec(instruction.args)?.[1] ?? String(result.length);
      result.push({ name, instructions: [] });
    }
    result.at(-1)?.instructions.push(instruction);
  }
  return result;
}

const dockerfile = instructions(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const allStages = stages(dockerfile);
const finalStage = allStages.at(-1)!.instructions;
const stageNamed = (name: string) => allStages.find((s) => s.name === name);
const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** A .dockerignore pattern as a regular expression over a context-relative path. */
const ignorePattern = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
const isIgnored = (file: string) => ignored.some((pattern) => ignorePattern(pattern).test(file));

/** The COPY sources a stage takes from the build context (not from another stage). */
const contextCopies = (stage: Instruction[]) =>
  stage
    .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));

/** `COPY --from=<stage> <source> <dest>` of a stage, as [stage, source, dest]. */
const stageCopies = (stage: Instruction[]) =>
  stage
    .filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from='))
    .map((i) => {
      const [from = '', source = '', dest = ''] = i.args.split(/\s+/);
      return [from.slice('--from='.length), source, dest] as const;
    });

const npmInstalls = (stage: Instruction[]) =>
  stage.filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args)).map((i) => i.args);

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
    expect(bases.length).toBeGreaterThanOrEqual(3);
    for (const base of bases) expect(base).toMatch(/^node:20[\w.-]*@sha256:[0-9a-f]{64}$/);
  });

  it('compiles the TypeScript in a build stage with `npm run build`', () => {
    const build = stageNamed('build')?.instructions ?? [];
    expect(npmInstalls(build)).toEqual([expect.stringMatching(/^npm ci\b(?!.*--omit=dev)/)]);
    expect(build.some((i) => i.keyword === 'RUN' && /^npm run build\b/.test(i.args))).toBe(true);
    // What the build reads: its configuration, the build script and the sources.
    expect(contextCopies(build)).toEqual(
      expect.arrayContaining(['tsconfig.json', 'tsconfig.build.json', 'scripts', 'src']),
    );
    const script = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.build;
    expect(script).toContain('scripts/build.ts');
    expect(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')).toMatch(/"outDir":\s*"dist"/);
  });

  it('ships the production dependencies only, installed in their own stage', () => {
    const dependencies = stageNamed('dependencies')?.instructions ?? [];
    expect(npmInstalls(dependencies)).toEqual([expect.stringMatching(/^npm ci --omit=dev\b/)]);
    expect(npmInstalls(finalStage)).toEqual([]);
    const nodeModules = stageCopies(finalStage).filter(([, source]) => source.includes('node_modules'));
    expect(nodeModules).toEqual([['dependencies', '/app/node_modules', './node_modules']]);
  });

  it('ships compiled code and no TypeScript: dist/ from the build stage, no src/', () => {
    expect(stageCopies(finalStage)).toContainEqual(['build', '/app/dist', './dist']);
    const copied = contextCopies(finalStage);
    for (const typescript of ['src', 'scripts', 'tsconfig.json', 'tsconfig.build.json', '.'])
      expect(copied).not.toContain(typescript);
    // bin/aiworker.js runs the compiled entry point when it is there.
    expect(readFileSync(path.join(ROOT, 'bin/aiworker.js'), 'utf8')).toContain(
      "import('../dist/app/cli.js')",
    );
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

  it('copies in all that `aiworker start` loads: package.json, bin and the migrations', () => {
    expect(contextCopies(finalStage)).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'bin']),
    );
    expect(contextCopies(finalStage)).toContain(path.relative(ROOT, MIGRATIONS_FOLDER));
  });
});

describe('the .dockerignore', () => {
  it('keeps out secrets, dependencies, a local build and history', () => {
    for (const file of [
      '.env',
      '.env.local',
      'node_modules/x',
      'dist/app/cli.js',
      '.git/config',
      'test/unit/a.test.ts',
    ])
      expect(isIgnored(file), file).toBe(true);
  });

  it('lets in everything any stage copies from the context', () => {
    const sources = allStages.flatMap((stage) => contextCopies(stage.instructions));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) expect(isIgnored(source), source).toBe(false);
  });
});
