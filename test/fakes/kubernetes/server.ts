import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import {
  injected,
  internalError,
  methodNotAllowed,
  routeNotFound,
  StatusError,
  unauthorized,
} from './api-status.ts';
import { ArgoCdController, type ArgoCdOptions } from './argocd-controller.ts';
import { FakeClock } from './clock.ts';
import {
  type AdvanceOptions,
  FakeCluster,
  type JobProgress,
  type NamespaceConfig,
  RESOURCES,
  type Writer,
} from './cluster.ts';
import { DeploymentController, type ImageBehaviour } from './deployment-controller.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { WatchSink } from './store.ts';
import {
  clone,
  isJson,
  type KubeObject,
  namespaceOf,
  type ResourceName,
  type ResourceType,
  resourceAt,
} from './types.ts';

/**
 * A stand-in for kube-apiserver on 127.0.0.1, speaking the wire protocol
 * `@kubernetes/client-node` uses: for the agents runner Secrets, Pods (and their logs) and
 * batch/v1 Jobs; for previews Namespaces, apps/v1 Deployments and ReplicaSets, Services,
 * networking.k8s.io Ingresses and NetworkPolicies, ResourceQuotas; for Argo CD its
 * `argoproj.io/v1alpha1` Applications and AppProjects as custom objects. With bearer-token
 * auth, label/field selectors, paginated lists, `?watch=true` streams of newline-delimited
 * `{type, object}` events with bookmarks and 410 Expired, merge/strategic-merge/JSON patches,
 * server-side apply with field ownership, finalizers, and errors as `Status` objects.
 * Behind it: a Job controller (one pod per Job), a Deployment controller (ReplicaSets and
 * pods that become ready, fail to pull or crash as told), the namespace controller, Pod
 * Security `restricted` where a namespace is labelled so, the garbage collector following
 * owner references, and optionally an Argo CD application controller. Time is the fake's
 * own clock (`advanceTime`).
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
  status: number | null;
  /** `Warning` headers the server answered with (e.g. Pod Security). */
  warnings: string[];
}

export interface InjectedFailure {
  method?: string;
  /** Matches when the request path (without query) is exactly this. */
  path?: string;
  resource?: ResourceName;
  code: number;
  reason?: string;
  message?: string;
}

export interface KubernetesFakeOptions {
  /** Bearer token every request must carry. */
  token?: string;
  /** Namespaces that exist, with their Pod Security level. Default: `default` and `agents` (restricted). */
  namespaces?: Record<string, NamespaceConfig>;
  /** Watch events kept for resuming watches; older ones answer 410 Expired. */
  historyLimit?: number;
  /** How long a pod of a Deployment takes to become ready, unless its image says otherwise. Default 5 s. */
  podReadyAfterMs?: number;
  /** Delay before the namespace controller empties a deleted namespace. Default 0 (at once). */
  namespaceCleanupMs?: number;
  /** Run an Argo CD application controller (Applications in `argocd.namespace`). */
  argocd?: Partial<ArgoCdOptions>;
  /** Start of the fake's clock. Default: now. */
  startTime?: Date;
}

export interface KubernetesFake {
  /** `https`-less API server URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  token: string;
  requests: RecordedRequest[];
  /** Moves a Job and its pod forward and emits the watch events the real controllers would. */
  advance(jobName: string, progress: JobProgress, options?: AdvanceOptions): void;
  /** Ends every open watch with `ERROR 410 Expired` and compacts history; returns how many ended. */
  expireWatches(): number;
  /** Ends every open watch normally (a server-side watch timeout). */
  endWatches(): number;
  /** Open watches stay connected but receive no more events (a silently lost connection). */
  stallWatches(): number;
  openWatches(): number;
  /** The next matching request fails with this status. */
  failNext(failure: InjectedFailure): void;
  job(name: string, namespace?: string): KubeObject | undefined;
  jobs(namespace?: string): KubeObject[];
  secret(name: string, namespace?: string): KubeObject | undefined;
  secrets(namespace?: string): KubeObject[];
  /** Pods of a Job (by its `job-name` label), or every pod. */
  pods(jobName?: string, namespace?: string): KubeObject[];
  /** Server-side write, bypassing HTTP (for setting up a scene). */
  create(resource: ResourceName, namespace: string, body: unknown): KubeObject;
  /** Any stored object, or undefined. Namespaces: namespace ''. */
  object(resource: ResourceName, namespace: string, name: string): KubeObject | undefined;
  objects(resource: ResourceName, namespace?: string): KubeObject[];
  /** Moves the fake's clock: controllers do what falls due (pods start, Argo CD syncs, ...). */
  advanceTime(ms: number): void;
  clock: FakeClock;
  /** How the Deployment controller's pods fare with an image (`repo:tag`): pull error, crash loop, slow start. */
  setImageBehaviour(image: string, behaviour: ImageBehaviour): void;
  /** The Argo CD controller, when started with `argocd`. */
  argocd: ArgoCdController | undefined;
  close(): Promise<void>;
}

const DEFAULT_NAMESPACES: Record<string, NamespaceConfig> = {
  default: {},
  agents: { podSecurity: 'restricted' },
};

export interface Route {
  type: ResourceType;
  namespace: string;
  name: string | null;
  subresource: string | null;
}

/**
 * `/api/v1/namespaces[/{name}]` (cluster-scoped Namespaces),
 * `/api/v1/namespaces/{ns}/{plural}[/{name}[/{sub}]]` (core group) and
 * `/apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}[/{sub}]]` (named groups, CRDs).
 */
export function parseRoute(pathname: string): Route | null {
  const decode = (part: string | undefined) => (part === undefined ? null : decodeURIComponent(part));
  const namespaces = /^\/api\/v1\/namespaces(?:\/([^/]+))?\/?$/.exec(pathname);
  if (namespaces) {
    return { type: RESOURCES.namespaces, namespace: '', name: decode(namespaces[1]), subresource: null };
  }
  const core = /^\/api\/v1\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+)(?:\/([^/]+))?)?\/?$/.exec(pathname);
  const grouped =
    /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+)(?:\/([^/]+))?)?\/?$/.exec(pathname);
  let apiVersion: string;
  let parts: Array<string | undefined>;
  if (core) {
    apiVersion = 'v1';
    parts = core.slice(1);
  } else if (grouped) {
    apiVersion = `${grouped[1]}/${grouped[2]}`;
    parts = grouped.slice(3);
  } else {
    return null;
  }
  const [namespace, plural, name, subresource] = parts;
  const type = resourceAt(apiVersion, plural!);
  if (!type?.namespaced) return null;
  if (subresource !== undefined && !(type.resource === 'pods' && subresource === 'log')) return null;
  return { type, namespace: decode(namespace)!, name: decode(name), subresource: subresource ?? null };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function intParam(value: string | null): number | null {
  if (value === null || value === '') return null;
  const n = Number(value);
  return Number.isInteger(n) ? n : null;
}

export async function startKubernetesFake(options: KubernetesFakeOptions = {}): Promise<KubernetesFake> {
  const token = options.token ?? 'fake-kubernetes-token';
  const clock = new FakeClock(options.startTime);
  const cluster = new FakeCluster(options.namespaces ?? DEFAULT_NAMESPACES, options.historyLimit, clock);
  cluster.namespaceCleanupMs = options.namespaceCleanupMs ?? 0;
  const deployments = new DeploymentController(cluster, { podReadyAfterMs: options.podReadyAfterMs ?? 5000 });
  cluster.addController(deployments);
  const argocd = options.argocd ? new ArgoCdController(cluster, options.argocd) : undefined;
  if (argocd) cluster.addController(argocd);
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];

  function sendJson(res: ServerResponse, record: RecordedRequest, status: number, body: unknown) {
    record.status = status;
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
    if (record.warnings.length > 0)
      headers.warning = record.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }

  function takeFailure(method: string, pathname: string, route: Route | null): InjectedFailure | undefined {
    const index = failures.findIndex(
      (f) =>
        (f.method === undefined || f.method === method) &&
        (f.path === undefined || pathname === f.path) &&
        (f.resource === undefined || f.resource === route?.type.resource),
    );
    return index >= 0 ? failures.splice(index, 1)[0] : undefined;
  }

  function startWatch(res: ServerResponse, record: RecordedRequest, route: Route, url: URL) {
    record.status = 200;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // The API server answers a watch at once, before any event; clients wait for the headers.
    res.flushHeaders();
    let open = true;
    const bookmarks = url.searchParams.get('allowWatchBookmarks') === 'true';
    let timer: NodeJS.Timeout | undefined;
    const sink: WatchSink = {
      resource: route.type.resource,
      namespace: route.type.namespaced ? route.namespace : '',
      labels: parseLabelSelector(url.searchParams.get('labelSelector')),
      fields: parseFieldSelector(url.searchParams.get('fieldSelector')),
      send(type, object) {
        if (!open) return;
        res.write(`${JSON.stringify({ type, object })}\n`);
      },
      end() {
        if (!open) return;
        open = false;
        clearTimeout(timer);
        cluster.store.unwatch(sink);
        res.end();
      },
    };
    res.on('close', () => {
      open = false;
      clearTimeout(timer);
      cluster.store.unwatch(sink);
    });
    cluster.watch(sink, url.searchParams.get('resourceVersion'));
    if (!open) return;
    if (bookmarks) {
      sink.send('BOOKMARK', {
        kind: route.type.kind,
        apiVersion: route.type.apiVersion,
        metadata: { resourceVersion: cluster.store.resourceVersion },
      });
    }
    const timeout = intParam(url.searchParams.get('timeoutSeconds'));
    if (timeout !== null && timeout > 0) {
      timer = setTimeout(() => sink.end(), timeout * 1000);
      timer.unref();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType,
      body: undefined,
      status: null,
      warnings: [],
    };
    requests.push(record);
    try {
      if (req.headers.authorization !== `Bearer ${token}`) throw unauthorized();
      const route = parseRoute(url.pathname);
      const injectedFailure = takeFailure(method, url.pathname, route);
      if (injectedFailure) {
        throw injected(
          injectedFailure.code,
          injectedFailure.reason ?? 'InternalError',
          injectedFailure.message ?? 'injected failure',
        );
      }
      if (!route) throw routeNotFound();
      let body: unknown;
      if (raw !== '') {
        try {
          // Server-side apply bodies are YAML (JSON being YAML too), everything else JSON.
          body = contentType === 'application/apply-patch+yaml' ? parseYaml(raw) : JSON.parse(raw);
        } catch {
          throw new StatusError({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: 'the body of the request could not be decoded as JSON',
            reason: 'BadRequest',
            code: 400,
          });
        }
      }
      record.body = body;
      const { type, namespace, name, subresource } = route;
      const writer: Writer = {
        fieldManager: url.searchParams.get('fieldManager'),
        userAgent: req.headers['user-agent'],
      };

      if (subresource === 'log' && name) {
        if (method !== 'GET') throw methodNotAllowed();
        const text = cluster.podLog(
          namespace,
          name,
          url.searchParams.get('container'),
          intParam(url.searchParams.get('tailLines')),
          intParam(url.searchParams.get('limitBytes')),
          url.searchParams.get('previous') === 'true',
        );
        record.status = 200;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(text);
        return;
      }

      if (name === null) {
        if (method === 'GET' && url.searchParams.get('watch') === 'true') {
          startWatch(res, record, route, url);
          return;
        }
        if (method === 'GET') {
          const list = cluster.list(type, namespace, {
            labelSelector: url.searchParams.get('labelSelector'),
            fieldSelector: url.searchParams.get('fieldSelector'),
            limit: intParam(url.searchParams.get('limit')) ?? 0,
            continueToken: url.searchParams.get('continue'),
          });
          // Items of a typed list carry no kind/apiVersion, as from the real server.
          const items = list.items.map(({ kind: _k, apiVersion: _a, ...item }) => item);
          sendJson(res, record, 200, {
            kind: type.listKind,
            apiVersion: type.apiVersion,
            metadata: {
              resourceVersion: list.resourceVersion,
              ...(list.continueToken ? { continue: list.continueToken } : {}),
            },
            items,
          });
          return;
        }
        if (method === 'POST') {
          if (contentType !== 'application/json') throw unsupportedContent(contentType);
          const result = cluster.create(type, namespace, body, writer);
          record.warnings.push(...result.warnings);
          sendJson(res, record, 201, result.object);
          return;
        }
        throw methodNotAllowed();
      }

      switch (method) {
        case 'GET':
          sendJson(res, record, 200, cluster.get(type, namespace, name));
          return;
        case 'PUT': {
          if (contentType !== 'application/json') throw unsupportedContent(contentType);
          const result = cluster.replace(type, namespace, name, body, writer);
          record.warnings.push(...result.warnings);
          sendJson(res, record, 200, result.object);
          return;
        }
        case 'PATCH': {
          const force = url.searchParams.get('force');
          const result = cluster.patch(type, namespace, name, contentType ?? '', body, {
            ...writer,
            force: force === null ? null : force === 'true',
          });
          record.warnings.push(...result.warnings);
          sendJson(res, record, result.created ? 201 : 200, result.object);
          return;
        }
        case 'DELETE': {
          const options = isJson(body) ? body : {};
          let policy =
            url.searchParams.get('propagationPolicy') ??
            (options.propagationPolicy as string | undefined) ??
            null;
          const orphan = url.searchParams.get('orphanDependents') ?? options.orphanDependents;
          if (policy === null && orphan !== undefined && orphan !== null) {
            policy = String(orphan) === 'true' ? 'Orphan' : 'Background';
          }
          const deleted = cluster.delete(type, namespace, name, policy);
          // An object that finalizers (or a namespace's content) keep is answered as it now is.
          if (cluster.store.get(type.resource, namespaceOf(deleted), name)) {
            sendJson(res, record, 200, deleted);
            return;
          }
          sendJson(res, record, 200, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: {
              name,
              ...(type.group ? { group: type.group } : {}),
              kind: type.resource,
              uid: deleted.metadata.uid,
            },
          });
          return;
        }
        default:
          throw methodNotAllowed();
      }
    } catch (error) {
      if (error instanceof StatusError) sendJson(res, record, error.status.code, error.status);
      else sendJson(res, record, 500, internalError(String(error)).status);
    }
  }

  function unsupportedContent(contentType: string | undefined): StatusError {
    return new StatusError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `the body of the request was in an unknown format (${contentType ?? 'none'}) - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
      reason: 'UnsupportedMediaType',
      code: 415,
    });
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const byName = (resource: ResourceName, name: string, namespace?: string) =>
    cluster.store.list(resource, namespace).find((o) => o.metadata.name === name);

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    advance: (jobName, progress, advanceOptions) => cluster.advance(jobName, progress, advanceOptions),
    expireWatches: () => cluster.store.expire(),
    endWatches: () => cluster.store.endWatches(),
    stallWatches: () => cluster.store.stall(),
    openWatches: () => cluster.store.openWatches,
    failNext: (failure) => {
      failures.push(failure);
    },
    job: (name, namespace) => byName('jobs', name, namespace),
    jobs: (namespace) => cluster.store.list('jobs', namespace),
    secret: (name, namespace) => byName('secrets', name, namespace),
    secrets: (namespace) => cluster.store.list('secrets', namespace),
    pods: (jobName, namespace) =>
      cluster.store
        .list('pods', namespace)
        .filter((p) => jobName === undefined || p.metadata.labels?.['job-name'] === jobName),
    create: (resource, namespace, body) =>
      clone(cluster.create(RESOURCES[resource], namespace, body, { fieldManager: 'kubectl-create' }).object),
    object: (resource, namespace, name) => cluster.store.get(resource, namespace, name),
    objects: (resource, namespace) => cluster.store.list(resource, namespace),
    advanceTime: (ms) => clock.advance(ms),
    clock,
    setImageBehaviour: (image, behaviour) => deployments.setImageBehaviour(image, behaviour),
    argocd,
    close: async () => {
      cluster.store.endWatches();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
