import { GiteaActions } from './actions.ts';
import { GiteaComments } from './comments.ts';
import { GiteaContents } from './contents.ts';
import { GiteaDependencies } from './dependencies.ts';
import { GiteaHooks } from './hooks.ts';
import { GiteaInstance } from './instance.ts';
import { GiteaIssues } from './issues.ts';
import { GiteaLabels } from './labels.ts';
import { GiteaPermissions } from './permissions.ts';
import { GiteaPulls } from './pulls.ts';
import { GiteaRepos } from './repos.ts';
import { GiteaStatuses } from './statuses.ts';
import { GiteaTokens } from './tokens.ts';
import { GiteaTransport, type TransportOptions } from './transport.ts';
import { GiteaUsers } from './users.ts';

/**
 * AiWorker's typed Gitea API client (Gitea 1.26 REST), one object per resource over one
 * transport that adds timeouts, retries and typed errors (transport.ts). Lists are read through
 * every page. Writes named `ensure` are idempotent: they look for their effect first (by
 * marker, name or URL), so running them again, or after a failure that took effect, never
 * duplicates anything. Code that talks to Gitea takes only the resources and methods it uses,
 * e.g. `{ issues: Pick<GiteaIssues, 'get'> }`.
 */

export interface GiteaClientOptions extends TransportOptions {
  /** How long a collaborator permission is trusted. Default 30 s. */
  permissionTtlMs?: number;
  /** How long a repository's label list is trusted for name → id lookups. Default 60 s. */
  labelTtlMs?: number;
}

export interface GiteaClient {
  readonly transport: GiteaTransport;
  readonly instance: GiteaInstance;
  readonly users: GiteaUsers;
  readonly repos: GiteaRepos;
  readonly contents: GiteaContents;
  readonly labels: GiteaLabels;
  readonly issues: GiteaIssues;
  readonly comments: GiteaComments;
  readonly dependencies: GiteaDependencies;
  readonly pulls: GiteaPulls;
  readonly statuses: GiteaStatuses;
  readonly hooks: GiteaHooks;
  readonly tokens: GiteaTokens;
  readonly actions: GiteaActions;
  readonly permissions: GiteaPermissions;
}

export function createGiteaClient(options: GiteaClientOptions): GiteaClient {
  const transport = new GiteaTransport(options);
  const now = options.now ?? Date.now;
  const users = new GiteaUsers(transport);
  const labels = new GiteaLabels(transport, { ttlMs: options.labelTtlMs ?? 60_000, now });
  const issues = new GiteaIssues(transport, labels, users);
  return {
    transport,
    instance: new GiteaInstance(transport),
    users,
    repos: new GiteaRepos(transport),
    contents: new GiteaContents(transport),
    labels,
    issues,
    comments: new GiteaComments(transport, issues, users),
    dependencies: new GiteaDependencies(transport),
    pulls: new GiteaPulls(transport, labels),
    statuses: new GiteaStatuses(transport),
    hooks: new GiteaHooks(transport),
    tokens: new GiteaTokens(transport),
    actions: new GiteaActions(transport),
    permissions: new GiteaPermissions(transport, users, { ttlMs: options.permissionTtlMs ?? 30_000, now }),
  };
}

/**
 * The part of the client a consumer uses, declared as resources and their methods, e.g.
 * `GiteaPick<{ issues: 'get'; comments: 'ensure' }>`; fakes in tests implement only that.
 */
export type GiteaPick<Calls extends { [R in keyof GiteaClient]?: keyof GiteaClient[R] }> = {
  readonly [R in keyof Calls & keyof GiteaClient]: Pick<GiteaClient[R], Calls[R] & keyof GiteaClient[R]>;
};
