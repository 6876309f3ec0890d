import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { actionsControls } from './actions-controls.ts';
import { createHook } from './domain/hooks.ts';
import { createLabel } from './domain/labels.ts';
import { reactionsOn } from './domain/reactions.ts';
import { createRepo, pushFiles } from './domain/repos.ts';
import { statusesOf } from './domain/statuses.ts';
import { FailureInjector } from './failures.ts';
import { Notifier } from './notifier.ts';
import { type RouteDef, routeKey } from './router.ts';
import { commitRoutes } from './routes/commits.ts';
import { contentRoutes } from './routes/contents.ts';
import { hookRoutes } from './routes/hooks.ts';
import { issueRoutes } from './routes/issues.ts';
import { labelRoutes } from './routes/labels.ts';
import { packageRoutes } from './routes/packages.ts';
import { pullRoutes } from './routes/pulls.ts';
import { repoRoutes } from './routes/repos.ts';
import { statusRoutes } from './routes/statuses.ts';
import { userRoutes } from './routes/users.ts';
import { createRequestHandler } from './server.ts';
import { commentSnapshot, issueSnapshot, labelSnapshot } from './snapshots.ts';
import { ACTIONS_USER_ID, AccessMode, FakeState } from './state.ts';
import { SwaggerContract } from './swagger.ts';
import type { GiteaFake, RecordedCall, StartGiteaFakeOptions } from './types.ts';
import { userActions } from './user-actions.ts';
import { createGiteaWeb, type GiteaWeb } from './web/index.ts';
import { webVersionOf } from './web/version.ts';
import { WebhookDispatcher } from './webhooks.ts';
import type { World } from './world.ts';

export type * from './types.ts';

const ROUTES: RouteDef[] = [
  ...userRoutes,
  ...repoRoutes,
  ...contentRoutes,
  ...commitRoutes,
  ...labelRoutes,
  ...issueRoutes,
  ...pullRoutes,
  ...statusRoutes,
  ...hookRoutes,
  ...packageRoutes,
];

/** Every route the fake serves must be one Gitea 1.26 has; a typo fails at start, not in a test. */
function routeTable(swagger: SwaggerContract): Map<string, RouteDef> {
  const known = new Set(swagger.operations().map((op) => routeKey(op.method, op.template)));
  const table = new Map<string, RouteDef>();
  for (const route of ROUTES) {
    const key = routeKey(route.method, route.path);
    if (!known.has(key)) throw new Error(`Gitea fake: ${key} is not a Gitea 1.26 API route`);
    if (table.has(key)) throw new Error(`Gitea fake: ${key} is defined twice`);
    table.set(key, route);
  }
  return table;
}

/**
 * Starts an in-memory Gitea 1.26 on 127.0.0.1 with a random port. It speaks the REST API under
 * `/api/v1`, checks every request against Gitea's swagger document, and sends webhooks the way
 * Gitea does for every change — including changes made through the API.
 */
export async function startGiteaFake(opts: StartGiteaFakeOptions = {}): Promise<GiteaFake> {
  webVersionOf(opts.version ?? '1.26.3'); // an unsupported version fails before the server starts
  const swagger = SwaggerContract.load();
  const routes = routeTable(swagger);
  const failures = new FailureInjector();
  const calls: RecordedCall[] = [];
  const hanging = new Set<Socket>();
  const sockets = new Set<Socket>();
  let world: World | undefined;
  const currentWorld = (): World => {
    if (!world) throw new Error('Gitea fake: not started');
    return world;
  };

  let web: GiteaWeb | undefined;
  const handler = createRequestHandler({
    world: currentWorld,
    swagger,
    routes,
    failures,
    calls,
    hanging,
    web: (req, res, url, raw) => {
      if (!web) throw new Error('Gitea fake: not started');
      return web.handle(req, res, url, raw);
    },
  });
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`Gitea fake crashed: ${(error as Error).stack ?? String(error)}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const state = new FakeState(url, opts.version ?? '1.26.3', opts.now ?? (() => new Date()));
  const webhooks = new WebhookDispatcher(state, opts.delivery);
  world = { state, webhooks, notify: new Notifier(state, webhooks) };
  const w = world;
  web = createGiteaWeb(w);

  return {
    url,
    calls,
    deliveries: webhooks.deliveries,
    web: web.controls,

    async close() {
      for (const socket of hanging) socket.destroy();
      await webhooks.waitForDeliveries();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },

    addUser(login, userOpts = {}) {
      const user = state.createUser(login, userOpts);
      const token = state.issueToken(user, 'default', ['all']);
      return { id: user.id, login: user.login, token: token.token };
    },

    createToken(login) {
      const user = state.mustUser(login);
      return state.issueToken(user, `token-${state.tokens.size + 1}`, ['all']).token;
    },

    createRepo(owner, name, repoOpts = {}) {
      const repo = createRepo(w, state.mustUser(owner), name, repoOpts);
      return {
        id: repo.id,
        owner: state.repoOwner(repo).login,
        name: repo.name,
        fullName: state.fullName(repo),
        defaultBranch: repo.defaultBranch,
        private: repo.private,
      };
    },

    setFiles(repoFullName, files, fileOpts = {}) {
      const repo = state.mustRepo(repoFullName);
      const pusher = fileOpts.pusher ? state.mustUser(fileOpts.pusher) : state.repoOwner(repo);
      return pushFiles(w, repo, pusher, files, fileOpts).sha;
    },

    setPermission(repoFullName, login, permission) {
      const repo = state.mustRepo(repoFullName);
      const mode = { read: AccessMode.Read, write: AccessMode.Write, admin: AccessMode.Admin }[permission];
      repo.collaborators.set(state.mustUser(login).id, mode);
    },

    createLabel(repoFullName, label) {
      const repo = state.mustRepo(repoFullName);
      return labelSnapshot(
        createLabel(w, repo, {
          name: label.name,
          color: label.color ?? '#ededed',
          description: label.description,
          exclusive: label.exclusive,
        }),
      );
    },

    addHook(repoFullName, hookOpts) {
      const repo = state.mustRepo(repoFullName);
      return createHook(w, repo, {
        type: 'gitea',
        config: { url: hookOpts.url, content_type: hookOpts.contentType ?? 'json', secret: hookOpts.secret },
        events: hookOpts.events ?? null,
        active: hookOpts.active ?? true,
      }).id;
    },

    as: (login) => userActions(w, login),

    issue(repoFullName, number) {
      const issue = state.mustRepo(repoFullName).issues.get(number);
      return issue ? issueSnapshot(state, issue) : undefined;
    },

    issues(repoFullName) {
      return [...state.mustRepo(repoFullName).issues.values()].map((issue) => issueSnapshot(state, issue));
    },

    labels(repoFullName) {
      return [...state.mustRepo(repoFullName).labels.values()].map(labelSnapshot);
    },

    comments(repoFullName, number) {
      const issue = state.mustIssue(state.mustRepo(repoFullName), number);
      return state.issueComments(issue).map((comment) => commentSnapshot(state, comment));
    },

    reactions(repoFullName, target) {
      const repo = state.mustRepo(repoFullName);
      let key: { issueId: number; commentId: number };
      if ('issue' in target) key = { issueId: state.mustIssue(repo, target.issue).id, commentId: 0 };
      else {
        const comment = state.comments.get(target.comment);
        if (!comment) throw new Error(`Gitea fake: no comment ${target.comment}`);
        key = { issueId: comment.issueId, commentId: comment.id };
      }
      return reactionsOn(w, key).map((r) => ({ user: state.userById(r.userId).login, content: r.content }));
    },

    dependencies(repoFullName, number) {
      const issue = state.mustIssue(state.mustRepo(repoFullName), number);
      return issue.dependsOn
        .map((id) => state.issuesById.get(id)?.index)
        .filter((n): n is number => n !== undefined);
    },

    statuses(repoFullName, sha) {
      return statusesOf(state.mustRepo(repoFullName), sha).map((s) => ({
        context: s.context,
        state: s.state,
        target_url: s.targetUrl,
        description: s.description,
        creator: s.creatorId === ACTIONS_USER_ID ? 'gitea-actions' : state.userById(s.creatorId).login,
      }));
    },

    readCommit(repoFullName, ref) {
      const repo = state.mustRepo(repoFullName);
      const commit = state.resolveRef(repo, ref === 'HEAD' ? repo.defaultBranch : ref);
      if (!commit || (/^[0-9a-f]+$/.test(ref) && ref !== commit.sha && !repo.branches.has(ref)))
        return undefined;
      return { sha: commit.sha, files: Object.fromEntries(commit.files) };
    },

    actions: actionsControls(w),

    files(repoFullName, branch) {
      const repo = state.mustRepo(repoFullName);
      const commit = state.resolveRef(repo, branch ?? repo.defaultBranch);
      return Object.fromEntries(commit?.files ?? []);
    },

    branchSha(repoFullName, branch) {
      const repo = state.mustRepo(repoFullName);
      return repo.branches.get(branch ?? repo.defaultBranch);
    },

    redeliver: (deliveryId) => webhooks.redeliver(deliveryId),
    waitForDeliveries: () => webhooks.waitForDeliveries(),
    setDeliveryOrder: (order) => webhooks.setOrder(order),
    holdDeliveries: () => webhooks.hold(),
    releaseDeliveries: (arrange, releaseOpts) => webhooks.release(arrange, releaseOpts),
    failNext: (rule) => failures.failNext(rule),
    setFailureRate: (rate, rateOpts) => failures.setFailureRate(rate, rateOpts),
    clearFailures: () => failures.clear(),
    resetCalls() {
      calls.length = 0;
    },
  };
}
