/**
 * A tool call the server refuses for a reason the agent can act on (another issue, a missing
 * scope, a file it may not read). It becomes an MCP tool error with this message; unlike other
 * failures it is not logged as a server problem.
 */
export class ToolRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolRefusal';
  }
}
