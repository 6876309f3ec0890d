/** AiWorker's MCP server for coding agents: what the runtime mounts and what the dispatcher needs. */

export type { RunScope } from '../agents/run-tokens.ts';
export { MCP_SERVER_NAME, MCP_TOOL_NAMES } from './agent-server.ts';
export type { McpDeps, McpGitea } from './deps.ts';
export {
  createMcpRouter,
  DEFAULT_MCP_MAX_BODY_BYTES,
  DEFAULT_PROGRESS_INTERVAL_MS,
  type McpEndpoint,
  type McpRouterOptions,
} from './server.ts';
