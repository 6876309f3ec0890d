#!/usr/bin/env node
// Entry point of the `aiworker` binary: runs the TypeScript sources through tsx so that
// `npm start` works straight after `npm install`, with no build step.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

// A .env file in the working directory fills in variables the environment does not set.
if (existsSync('.env')) process.loadEnvFile('.env');
register();
const { main } = await import('../src/app/cli.ts');
await main(process.argv.slice(2));
