import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { RunScope, RunTokenScope } from '../agents/run-tokens.ts';
import { touchHeartbeat } from '../db/runs.ts';
import type { McpDeps } from './deps.ts';
import type { ProgressPublisher } from './progress.ts';
import { redactDeep, redactText } from './redact.ts';
import { ToolRefusal } from './refusal.ts';
import { scopeFromAuthInfo } from './scope.ts';

/**
 * How every tool is declared and run: zod input and output schemas, annotations stated for
 * each tool, the caller's scope from its verified token, and one exit through which every
 * result and every error message passes the secret redaction.
 */

export interface ToolEnv {
  deps: McpDeps;
  now(): Date;
  progress: ProgressPublisher;
}

export interface ToolAnnotationSet {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolOutcome<Data> {
  /** One short line for clients that show text. */
  summary: string;
  /** Everything, as the output schema says. */
  data: Data;
}

export type AnyObjectSchema = z.ZodObject<z.core.$ZodShape>;

export interface ToolDefinition<Input extends AnyObjectSchema, Output extends AnyObjectSchema> {
  name: string;
  title: string;
  description: string;
  input: Input;
  output: Output;
  annotations: ToolAnnotationSet;
  /** Token scopes the tool needs (every tool needs `task`). */
  requires?: RunTokenScope[];
  run(args: z.output<Input>, scope: RunScope, env: ToolEnv): Promise<ToolOutcome<z.output<Output>>>;
}

/** Declares a tool with its types checked (a helper, so each tool file reads as data). */
export function defineTool<Input extends AnyObjectSchema, Output extends AnyObjectSchema>(
  definition: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return definition;
}

export function registerTool<Input extends AnyObjectSchema, Output extends AnyObjectSchema>(
  server: McpServer,
  env: ToolEnv,
  tool: ToolDefinition<Input, Output>,
): void {
  // The SDK's callback type depends on the schema's type, which a generic cannot resolve: the
  // schemas are passed as plain object schemas and the parsed arguments typed back below.
  const inputSchema: AnyObjectSchema = tool.input;
  const outputSchema: AnyObjectSchema = tool.output;
  server.registerTool<AnyObjectSchema, AnyObjectSchema>(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema,
      outputSchema,
      annotations: { title: tool.title, ...tool.annotations },
    },
    async (args, extra): Promise<CallToolResult> => {
      const { secrets, log } = env.deps;
      let scope: RunScope | undefined;
      try {
        scope = scopeFromAuthInfo(extra.authInfo);
        const missing = ['task', ...(tool.requires ?? [])].filter(
          (needed) => !scope?.scopes.includes(needed as RunTokenScope),
        );
        if (missing.length > 0) {
          throw new ToolRefusal(`${tool.name} needs a run token with the ${missing.join(', ')} scope`);
        }
        await touchHeartbeat(env.deps.db, scope.runId, env.now()).catch((error: unknown) =>
          log.warn({ err: error, runId: scope?.runId }, 'could not record the run heartbeat'),
        );
        const outcome = await tool.run(args as z.output<Input>, scope, env);
        return {
          content: [{ type: 'text', text: redactText(outcome.summary, secrets) }],
          structuredContent: redactDeep(outcome.data as Record<string, unknown>, secrets),
        };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof ToolRefusal)) {
          log.warn({ err: error, tool: tool.name, runId: scope?.runId }, 'MCP tool failed');
        }
        return {
          isError: true,
          content: [{ type: 'text', text: redactText(`${tool.name}: ${message}`, secrets) }],
        };
      }
    },
  );
}
