#!/usr/bin/env node
// Entry point of the `aiworker` binary. It runs the compiled build (dist/, made by
// `npm run build`; the image ships only that) when there is one, and otherwise the TypeScript
// sources through tsx, so that `npm start` works straight after `npm install`, with no build.
// A build older than a source file is passed over for the sources, so an edit is never
// silently ignored by a forgotten dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiledEntry = fileURLToPath(new URL('../dist/app/cli.js', import.meta.url));
const sourceDir = fileURLToPath(new URL('../src/', import.meta.url));

/** The newest modification time of a file under src/, or 0 when there are no sources. */
function newestSource() {
  if (!existsSync(sourceDir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(sourceDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

async function loadCli() {
  if (existsSync(compiledEntry)) {
    if (statSync(compiledEntry).mtimeMs >= newestSource()) return import('../dist/app/cli.js');
    process.stderr.write(
      'aiworker: dist/ is older than src/, running the sources (npm run build refreshes it)\n',
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/app/cli.ts');
}

// A .env file in the working directory fills in variables the environment does not set.
if (existsSync('.env')) process.loadEnvFile('.env');
const { main } = await loadCli();
await main(process.argv.slice(2));
