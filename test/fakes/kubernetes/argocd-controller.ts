import type { Controller, FakeCluster } from './cluster.ts';
import { RESOURCES } from './cluster.ts';
import { RenderError, renderPath } from './kustomize.ts';
import { clone, isJson, type Json, type KubeObject, namespaceOf, type ResourceName } from './types.ts';

/**
 * A stand-in for Argo CD's application controller (controller/appcontroller.go and
 * controller/sync.go), for `argoproj.io/v1alpha1` Applications in its namespace, on the
 * fake's clock. What it imitates, with Argo CD's docs as the source:
 * - "Annotations and Labels used by Argo CD": `argocd.argoproj.io/refresh` (`normal`|`hard`)
 *   asks for a refresh and is removed by the controller once done.
 * - Project checks (util/argo/argo.go ValidatePermissions): an unknown project, a repository
 *   outside `sourceRepos` or a destination outside `destinations` is an `InvalidSpecError`
 *   condition with sync and health `Unknown`.
 * - "Automated Sync Policy": a new target (revision, kustomize image) makes the app
 *   `OutOfSync`; with `automated` an operation runs (`operationState.phase` Running →
 *   Succeeded, message "successfully synced (all tasks run)"), then `Synced` at the revision,
 *   health `Progressing`, then `Healthy` — or `Degraded` (the Deployment's health message, in
 *   `status.resources`) for an image told to degrade, or a failed operation (phase `Failed`)
 *   for an image told to fail its sync. `status.summary.images` lists the deployed images.
 * - "Sync Options" / Create Namespace: `CreateNamespace=true` creates the destination
 *   namespace with `managedNamespaceMetadata` (if the project's `clusterResourceWhitelist`
 *   allows Namespaces); Argo CD does not delete it with the app.
 * - "App Deletion": with `resources-finalizer.argocd.argoproj.io` deleting the Application
 *   first deletes the resources it synced (tracked by the `app.kubernetes.io/instance` label),
 *   then removes the finalizer.
 * - Following a git source: with `repository`, the controller reads the Application's
 *   repoURL at targetRevision (resolved to a commit, which becomes `status.sync.revision`, as
 *   Argo CD reports the commit it synced) and renders `path` — a kustomization or plain
 *   manifests (kustomize.ts) — with the app's kustomize image overrides. A new commit is seen
 *   on a refresh or on the next periodic reconciliation (`timeout.reconciliation`, 180 s by
 *   default: Argo CD docs, "Automated Sync Policy" / argocd-cm). A revision or path the
 *   repository lacks is a `ComparisonError` condition with sync `Unknown`, worded as Argo CD
 *   words it (argo-cd issues #7282, #8235: "Unable to resolve 'main' to a commit SHA";
 *   "app path does not exist").
 * Manifests come from `render`; without a repository, by default one Deployment `app` running
 * the first override image. A sync applies what was rendered when it started.
 */

/** An Application's git source, as the repository reader is asked for it. */
export interface ApplicationSource {
  repoURL: string;
  targetRevision: string;
  path: string;
}

/** A repository at a revision: the commit it resolves to and its files (paths from the root). */
export interface RepositoryReading {
  revision: string;
  files: Readonly<Record<string, string>>;
}

export interface ArgoCdOptions {
  namespace: string;
  /** From a change (or refresh) to the comparison. Default 1 s. */
  reconcileAfterMs: number;
  /** How long a sync operation runs. Default 2 s. */
  syncDurationMs: number;
  /** From a finished sync to Healthy (or Degraded). Default 5 s. */
  healthyAfterMs: number;
  /** From deletion to the finalizer's release. Default 1 s. */
  deleteAfterMs: number;
  /** What the repository's path renders to at the app's revision (`reading`: with `repository`). */
  render: (app: KubeObject, reading?: RepositoryReading) => KubeObject[];
  /**
   * Reads an Application's source as Argo CD's repo server does: throws (an Error whose
   * message is the reason) for a repository, revision or path it cannot read.
   */
  repository?: (source: ApplicationSource) => RepositoryReading;
  /** With `repository`: how often each app is reconciled without a refresh. Default 180 s. */
  pollIntervalMs: number;
}

export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
const REFRESH = 'argocd.argoproj.io/refresh';
const INSTANCE = 'app.kubernetes.io/instance';
const MANAGER = 'argocd-application-controller';
const SYNC_MANAGER = 'argocd-controller';

const asJson = (value: unknown): Json => (isJson(value) ? value : {});
const asList = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isJson) : []);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** A kustomize image override `name=newName:tag` or `newName:tag` → the image reference deployed. */
export function overrideImage(entry: string): string {
  return entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : entry;
}

/** Without a repository: one Deployment `app`; with one: the source's path, kustomize-built. */
export function defaultRender(app: KubeObject, reading?: RepositoryReading): KubeObject[] {
  const source = asJson(asJson(app.spec).source);
  const overrides = strings(asJson(source.kustomize).images);
  if (reading) return renderPath(reading.files, String(source.path ?? ''), overrides);
  const images = overrides.map(overrideImage);
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', labels: { app: 'app' } },
      spec: {
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app' } },
          spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'app',
                image: images[0] ?? 'app:latest',
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    } as unknown as KubeObject,
  ];
}

/** Argo CD's glob match for project sourceRepos and destinations (`*` any run of characters). */
function globMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return regex.test(value);
}

function resourceOf(kind: string): ResourceName | undefined {
  return (Object.keys(RESOURCES) as ResourceName[]).find((r) => RESOURCES[r].kind === kind);
}

export class ArgoCdController implements Controller {
  readonly options: ArgoCdOptions;
  private readonly degraded = new Map<string, string>();
  private readonly failing = new Map<string, string>();
  private readonly pending = new Set<string>();
  private readonly deleting = new Set<string>();
  private readonly polled = new Set<string>();
  /** The target each app is being synced to, so a stale sync step does nothing. */
  private readonly targets = new Map<string, string>();
  /** The revision and manifests each app was last compared with. */
  private readonly planned = new Map<string, string>();

  constructor(
    private readonly cluster: FakeCluster,
    options: Partial<ArgoCdOptions>,
  ) {
    this.options = {
      namespace: options.namespace ?? 'argocd',
      reconcileAfterMs: options.reconcileAfterMs ?? 1000,
      syncDurationMs: options.syncDurationMs ?? 2000,
      healthyAfterMs: options.healthyAfterMs ?? 5000,
      deleteAfterMs: options.deleteAfterMs ?? 1000,
      render: options.render ?? defaultRender,
      pollIntervalMs: options.pollIntervalMs ?? 180_000,
      ...(options.repository ? { repository: options.repository } : {}),
    };
    const ns = this.options.namespace;
    if (!cluster.store.get('namespaces', '', ns)) {
      cluster.create(
        RESOURCES.namespaces,
        '',
        { metadata: { name: ns } },
        { fieldManager: 'kubectl-create' },
      );
    }
    // The `default` project an Argo CD install comes with: everything allowed.
    cluster.create(
      RESOURCES.appprojects,
      ns,
      {
        metadata: { name: 'default' },
        spec: {
          sourceRepos: ['*'],
          destinations: [{ server: '*', namespace: '*' }],
          clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        },
      },
      { fieldManager: 'argocd-server' },
    );
  }

  /** Apps deploying this image (`repo:tag`) end `Degraded` with this health message. */
  degradeImage(image: string, message: string): void {
    this.degraded.set(image, message);
  }

  /** Apps deploying this image fail their sync operation with this message. */
  failSyncOf(image: string, message: string): void {
    this.failing.set(image, message);
  }

  observe(resource: ResourceName, object: KubeObject, event: 'ADDED' | 'MODIFIED' | 'DELETED'): void {
    if (resource !== 'applications' || namespaceOf(object) !== this.options.namespace) return;
    const name = object.metadata.name;
    if (event === 'DELETED') {
      this.targets.delete(name);
      this.planned.delete(name);
      return;
    }
    if (object.metadata.deletionTimestamp) {
      if ((object.metadata.finalizers ?? []).includes(RESOURCES_FINALIZER) && !this.deleting.has(name)) {
        this.deleting.add(name);
        this.cluster.clock.after(this.options.deleteAfterMs, () => this.finalize(name));
      }
      return;
    }
    if (this.options.repository && !this.polled.has(name)) {
      this.polled.add(name);
      this.schedulePoll(name);
    }
    const refresh = object.metadata.annotations?.[REFRESH] !== undefined;
    if (refresh || this.targets.get(name) !== this.specKey(object)) this.scheduleReconcile(name);
  }

  private scheduleReconcile(name: string): void {
    if (this.pending.has(name)) return;
    this.pending.add(name);
    this.cluster.clock.after(this.options.reconcileAfterMs, () => {
      this.pending.delete(name);
      this.reconcile(name);
    });
  }

  /** The periodic reconciliation that notices new commits without a refresh. */
  private schedulePoll(name: string): void {
    this.cluster.clock.after(this.options.pollIntervalMs, () => {
      const app = this.get(name);
      if (!app || app.metadata.deletionTimestamp) {
        this.polled.delete(name);
        return;
      }
      this.scheduleReconcile(name);
      this.schedulePoll(name);
    });
  }

  /** The part of the spec a sync depends on; a sync step for another spec does nothing. */
  private specKey(app: KubeObject): string {
    const spec = asJson(app.spec);
    return JSON.stringify({ source: spec.source, destination: spec.destination, project: spec.project });
  }

  /**
   * What the app should look like live: the revision its source resolves to and what that
   * renders to, or the reason Argo CD cannot tell (a ComparisonError).
   */
  private plan(
    app: KubeObject,
  ): { key: string; revision: string; rendered: KubeObject[] } | { error: string } {
    const spec = asJson(app.spec);
    const source = asJson(spec.source);
    const targetRevision = String(source.targetRevision ?? 'HEAD') || 'HEAD';
    try {
      const reading = this.options.repository?.({
        repoURL: String(source.repoURL ?? ''),
        targetRevision,
        path: String(source.path ?? ''),
      });
      const revision = reading?.revision ?? targetRevision;
      const rendered = this.options.render(app, reading);
      return { key: JSON.stringify({ spec: this.specKey(app), revision, rendered }), revision, rendered };
    } catch (error) {
      if (!this.options.repository && !(error instanceof RenderError)) throw error;
      return { error: `rpc error: code = Unknown desc = ${(error as Error).message}` };
    }
  }

  /** The images the rendered workloads run (Argo CD's `status.summary.images`). */
  private renderedImages(rendered: KubeObject[]): string[] {
    const images = new Set<string>();
    for (const object of rendered) {
      const podSpec = asJson(asJson(asJson(object.spec).template).spec);
      for (const container of asList(podSpec.containers)) images.add(String(container.image));
    }
    return [...images];
  }

  private get(name: string): KubeObject | undefined {
    return this.cluster.store.get('applications', this.options.namespace, name);
  }

  private write(app: KubeObject): void {
    this.cluster.writeAsController('applications', app, MANAGER);
  }

  private ruleFor(rules: Map<string, string>, images: string[]): string | undefined {
    for (const image of images) {
      const tag = image.slice(image.lastIndexOf(':') + 1);
      const message = rules.get(image) ?? rules.get(tag);
      if (message !== undefined) return message;
    }
    return undefined;
  }

  /** util/argo/argo.go ValidatePermissions: the project must exist and allow repo and destination. */
  private permissionProblems(app: KubeObject): string[] {
    const spec = asJson(app.spec);
    const projectName = String(spec.project ?? '');
    const project = this.cluster.store.get('appprojects', this.options.namespace, projectName);
    if (!project) return [`Application referencing project ${projectName} which does not exist`];
    const projectSpec = asJson(project.spec);
    const problems: string[] = [];
    const repoURL = String(asJson(spec.source).repoURL ?? '');
    if (!strings(projectSpec.sourceRepos).some((p) => globMatch(p, repoURL))) {
      problems.push(`application repo ${repoURL} is not permitted in project '${projectName}'`);
    }
    const destination = asJson(spec.destination);
    const server = String(destination.server ?? '');
    const namespace = String(destination.namespace ?? '');
    const allowed = asList(projectSpec.destinations).some(
      (d) =>
        globMatch(String(d.server ?? d.name ?? ''), server) &&
        globMatch(String(d.namespace ?? ''), namespace),
    );
    if (!allowed) {
      problems.push(
        `application destination server '${server}' and namespace '${namespace}' do not match any of the allowed destinations in project '${projectName}'`,
      );
    }
    return problems;
  }

  /** Compare (refresh), then start an automated sync when the target moved. */
  private reconcile(name: string): void {
    const app = this.get(name);
    if (!app || app.metadata.deletionTimestamp) return;
    const next = clone(app);
    if (next.metadata.annotations?.[REFRESH] !== undefined) {
      const { [REFRESH]: _refresh, ...rest } = next.metadata.annotations;
      next.metadata.annotations = rest;
    }
    const spec = asJson(app.spec);
    const status = clone(asJson(app.status));
    const now = this.cluster.now();
    status.reconciledAt = now;
    const comparedTo = { source: spec.source, destination: spec.destination };
    const problems = this.permissionProblems(app);
    if (problems.length > 0) {
      status.conditions = problems.map((message) => ({
        type: 'InvalidSpecError',
        message,
        lastTransitionTime: now,
      }));
      status.sync = { status: 'Unknown', comparedTo };
      status.health = { status: 'Unknown' };
      next.status = status;
      this.write(next);
      return;
    }
    const planned = this.plan(app);
    if ('error' in planned) {
      status.conditions = [{ type: 'ComparisonError', message: planned.error, lastTransitionTime: now }];
      status.sync = { status: 'Unknown', comparedTo };
      next.status = status;
      this.write(next);
      return;
    }
    delete status.conditions;
    const { revision } = planned;
    const sync = asJson(status.sync);
    const inSync =
      this.planned.get(name) === planned.key && sync.status === 'Synced' && sync.revision === revision;
    if (inSync) {
      next.status = status;
      this.write(next);
      return;
    }
    this.planned.set(name, planned.key);
    this.targets.set(name, this.specKey(app));
    status.sync = { status: 'OutOfSync', comparedTo, ...(sync.revision ? { revision: sync.revision } : {}) };
    status.health = isJson(status.health) ? status.health : { status: 'Missing' };
    const policy = asJson(spec.syncPolicy);
    if (isJson(policy.automated)) {
      status.operationState = {
        operation: {
          sync: {
            revision,
            prune: asJson(policy.automated).prune === true,
            syncOptions: strings(policy.syncOptions),
          },
          initiatedBy: { automated: true },
          retry: { limit: 5 },
        },
        phase: 'Running',
        message: 'one or more tasks are running',
        startedAt: now,
      };
      this.cluster.clock.after(this.options.syncDurationMs, () => this.finishSync(name, planned));
    }
    next.status = status;
    this.write(next);
  }

  private finishSync(name: string, planned: { key: string; revision: string; rendered: KubeObject[] }): void {
    const app = this.get(name);
    if (!app || app.metadata.deletionTimestamp || this.planned.get(name) !== planned.key) return;
    const spec = asJson(app.spec);
    const status = clone(asJson(app.status));
    const operationState = asJson(status.operationState);
    const now = this.cluster.now();
    const { revision, rendered } = planned;
    const images = this.renderedImages(rendered);
    const destination = String(asJson(spec.destination).namespace ?? '');
    const policy = asJson(spec.syncPolicy);
    const fail = (message: string) => {
      status.operationState = { ...operationState, phase: 'Failed', message, finishedAt: now };
      status.conditions = [{ type: 'SyncError', message, lastTransitionTime: now }];
      this.write({ ...clone(app), status });
    };
    const failure = this.ruleFor(this.failing, images);
    if (failure !== undefined) {
      fail(failure);
      return;
    }
    if (!this.cluster.store.get('namespaces', '', destination)) {
      if (!strings(policy.syncOptions).includes('CreateNamespace=true')) {
        fail(`one or more objects failed to apply, reason: namespaces "${destination}" not found`);
        return;
      }
      // A namespace is cluster-scoped: the project must allow it (argo-cd issue #20233:
      // "resource :Namespace is not permitted in project"); `name` globs need Argo CD 3.x.
      const project = this.cluster.store.get(
        'appprojects',
        this.options.namespace,
        String(spec.project ?? ''),
      );
      const allowed = asList(asJson(project?.spec).clusterResourceWhitelist).some(
        (r) =>
          globMatch(String(r.group ?? ''), '') &&
          globMatch(String(r.kind ?? ''), 'Namespace') &&
          (r.name === undefined || globMatch(String(r.name), destination)),
      );
      if (!allowed) {
        fail(`resource :Namespace is not permitted in project ${String(spec.project ?? '')}`);
        return;
      }
      const managed = asJson(policy.managedNamespaceMetadata);
      this.cluster.create(
        RESOURCES.namespaces,
        '',
        {
          metadata: {
            name: destination,
            ...(isJson(managed.labels) ? { labels: managed.labels } : {}),
            ...(isJson(managed.annotations) ? { annotations: managed.annotations } : {}),
          },
        },
        { fieldManager: SYNC_MANAGER },
      );
    }
    const results: Json[] = [];
    for (const object of rendered) {
      const resource = resourceOf(object.kind);
      if (!resource) continue;
      const body = clone(object);
      body.metadata = {
        ...body.metadata,
        namespace: destination,
        labels: { ...body.metadata.labels, [INSTANCE]: name },
      };
      try {
        this.cluster.patch(
          RESOURCES[resource],
          destination,
          body.metadata.name,
          'application/apply-patch+yaml',
          body,
          {
            fieldManager: SYNC_MANAGER,
            force: true,
          },
        );
      } catch (error) {
        fail(`one or more objects failed to apply, reason: ${(error as Error).message}`);
        return;
      }
      const [group, version] = object.apiVersion.includes('/')
        ? object.apiVersion.split('/')
        : ['', object.apiVersion];
      results.push({
        group,
        version,
        kind: object.kind,
        namespace: destination,
        name: object.metadata.name,
        status: 'Synced',
        message: `${object.kind.toLowerCase()}${group ? `.${group}` : ''}/${object.metadata.name} serverside-applied`,
        hookPhase: 'Running',
        syncPhase: 'Sync',
      });
    }
    if (asJson(policy.automated).prune === true) this.prune(name, destination, rendered);
    status.operationState = {
      ...operationState,
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      finishedAt: now,
      syncResult: { revision, source: spec.source, resources: results },
    };
    status.sync = {
      status: 'Synced',
      revision,
      comparedTo: { source: spec.source, destination: spec.destination },
    };
    status.health = { status: 'Progressing' };
    status.summary = { images };
    status.resources = results.map((r) => ({
      group: r.group,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      status: 'Synced',
      health: { status: 'Progressing' },
    }));
    const history = asList(status.history);
    history.push({ revision, deployedAt: now, id: history.length, source: spec.source });
    status.history = history;
    this.write({ ...clone(app), status });
    this.cluster.clock.after(this.options.healthyAfterMs, () => this.settleHealth(name, planned.key));
  }

  /** Health after the resources settled: Healthy, or Degraded with the workload's message. */
  private settleHealth(name: string, key: string): void {
    const app = this.get(name);
    if (!app || app.metadata.deletionTimestamp || this.planned.get(name) !== key) return;
    const status = clone(asJson(app.status));
    const message = this.ruleFor(this.degraded, strings(asJson(status.summary).images));
    status.health = { status: message === undefined ? 'Healthy' : 'Degraded' };
    status.resources = asList(status.resources).map((r) => ({
      ...r,
      health:
        message !== undefined && r.kind === 'Deployment'
          ? { status: 'Degraded', message }
          : { status: 'Healthy' },
    }));
    this.write({ ...clone(app), status });
  }

  /** Automated prune: tracked resources the repository no longer renders are deleted. */
  private prune(name: string, namespace: string, rendered: KubeObject[]): void {
    const keep = new Set(rendered.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const { resource, object } of this.cluster.store.inNamespace(namespace)) {
      if (object.metadata.labels?.[INSTANCE] !== name || keep.has(`${object.kind}/${object.metadata.name}`))
        continue;
      this.cluster.deleteObject(resource, object);
    }
  }

  /** The resources finalizer: delete what the app synced, then release the Application. */
  private finalize(name: string): void {
    this.deleting.delete(name);
    const app = this.get(name);
    if (!app?.metadata.deletionTimestamp) return;
    const namespace = String(asJson(asJson(app.spec).destination).namespace ?? '');
    this.prune(name, namespace, []);
    const released = clone(app);
    released.metadata.finalizers = (released.metadata.finalizers ?? []).filter(
      (f) => f !== RESOURCES_FINALIZER,
    );
    this.write(released);
  }
}
