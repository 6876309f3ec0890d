#!/usr/bin/env node
// Opens (or updates) the run's pull request through the bot's MCP tool `open_pull_request`.
// Usage: open-pr.mjs --title <title> [--body-file <file>]
// Reads AIWORKER_MCP_URL and AIWORKER_MCP_TOKEN from the environment (never from arguments,
// which every user of the machine can read). Exit 0 when the tool succeeded, 1 otherwise.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

function fail(message) {
  process.stderr.write(`open-pr: ${message}\n`);
  process.exit(1);
}

function textOf(result) {
  return (result.content ?? [])
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: { title: { type: 'string' }, 'body-file': { type: 'string' } },
    strict: true,
  });
  const title = values.title?.trim();
  if (!title) fail('--title is required');
  const url = process.env.AIWORKER_MCP_URL;
  const token = process.env.AIWORKER_MCP_TOKEN;
  if (!url) fail('AIWORKER_MCP_URL is not set');
  if (!token) fail('AIWORKER_MCP_TOKEN is not set');
  if (!URL.canParse(url)) fail(`AIWORKER_MCP_URL is not a URL: ${url}`);
  const body = values['body-file'] ? await readFile(values['body-file'], 'utf8') : undefined;

  const client = new Client({ name: 'aiworker-agent', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  try {
    await client.connect(transport);
    const result = await client.callTool({
      name: 'open_pull_request',
      arguments: body === undefined ? { title } : { title, body },
    });
    const text = textOf(result);
    if (result.isError) fail(`open_pull_request failed: ${text || 'no details'}`);
    process.stdout.write(`${text || 'pull request opened'}\n`);
  } catch (error) {
    fail(`could not call open_pull_request at ${url}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

await main();
