#!/usr/bin/env node
// Entry point of the `aiworker` binary: runs the TypeScript sources through tsx so that
// `npm start` works straight after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
await main(process.argv.slice(2));
