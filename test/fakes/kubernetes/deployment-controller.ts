import { createHash } from 'node:crypto';
import { StatusError } from './api-status.ts';
import type { Controller, FakeCluster } from './cluster.ts';
import { randomSuffix } from './cluster.ts';
import { podSecurityWarning, restrictedViolations } from './pod-security.ts';
import { clone, isJson, type Json, type KubeObject, namespaceOf, type ResourceName } from './types.ts';

/**
 * What the Deployment and ReplicaSet controllers (pkg/controller/deployment/,
 * pkg/controller/replicaset/) and the kubelet do with an apps/v1 Deployment, on the fake's
 * clock:
 * - a ReplicaSet per pod template, named `<deployment>-<pod-template-hash>`, labelled with
 *   the hash and annotated with the rollout's revision (`deployment.kubernetes.io/revision`);
 * - its pods, unless Pod Security `restricted` is enforced and the template violates it (then
 *   the ReplicaSet and Deployment get a `ReplicaFailure` condition with the admission message);
 * - each container becomes ready after a delay, or fails as its image is told to: a pull error
 *   (`ErrImagePull`, then `ImagePullBackOff`), or a crash loop (`CrashLoopBackOff` with the
 *   last run's exit code in `lastState.terminated` and its log lines readable with `previous`);
 * - once the new ReplicaSet is available the old ones are scaled to 0 (rolling update with the
 *   default 25% surge, which for one replica keeps the old pod until the new one is ready);
 * - Deployment status as `kubectl rollout status` reads it (observedGeneration, updated/ready/
 *   available replicas; conditions Available and Progressing with the controller's reasons,
 *   `ProgressDeadlineExceeded` once `progressDeadlineSeconds` pass without completing).
 */

export type ImageBehaviour =
  | { kind: 'ready'; afterMs?: number }
  | {
      kind: 'pull-error';
      /** `ErrImagePull` (default) or `InvalidImageName`. */
      reason?: string;
      message?: string;
      afterMs?: number;
    }
  | { kind: 'crash'; logs: string; exitCode?: number; afterMs?: number };

export interface DeploymentControllerOptions {
  podReadyAfterMs: number;
}

const MANAGER = 'kube-controller-manager';
const KUBELET = 'kubelet';
const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';
/** kubelet's crash-loop back-off: 10 s doubling to 5 min. */
const BACKOFF_MS = [10_000, 20_000, 40_000, 80_000, 160_000, 300_000];

const asJson = (value: unknown): Json => (isJson(value) ? value : {});
const asList = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isJson) : []);

/** A short, stable, DNS-safe hash of the pod template (the controller uses fnv32a, safe-encoded). */
export function podTemplateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

function ownedBy(object: KubeObject, owner: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);
}

function podReady(pod: KubeObject): boolean {
  return asList(asJson(pod.status).conditions).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class DeploymentController implements Controller {
  private readonly images = new Map<string, ImageBehaviour>();
  private readonly pending = new Set<string>();
  /** When the current rollout of a Deployment started (uid/template hash → ms). */
  private readonly rolloutStart = new Map<string, number>();

  constructor(
    private readonly cluster: FakeCluster,
    private readonly options: DeploymentControllerOptions,
  ) {}

  setImageBehaviour(image: string, behaviour: ImageBehaviour): void {
    this.images.set(image, behaviour);
  }

  observe(resource: ResourceName, object: KubeObject): void {
    const namespace = namespaceOf(object);
    if (resource === 'deployments') this.enqueue(namespace, object.metadata.name);
    if (resource === 'pods' || resource === 'replicasets') {
      const owner = (object.metadata.ownerReferences ?? []).find((r) => r.controller);
      if (!owner) return;
      if (owner.kind === 'Deployment') this.enqueue(namespace, owner.name);
      if (owner.kind === 'ReplicaSet') {
        const rs = this.cluster.store.get('replicasets', namespace, owner.name);
        const dep = (rs?.metadata.ownerReferences ?? []).find((r) => r.kind === 'Deployment');
        if (dep) this.enqueue(namespace, dep.name);
      }
    }
  }

  /** Controllers react asynchronously: the work runs at the clock's next step. */
  private enqueue(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.cluster.clock.after(0, () => {
      this.pending.delete(key);
      this.reconcile(namespace, name);
    });
  }

  private reconcile(namespace: string, name: string): void {
    const deployment = this.cluster.store.get('deployments', namespace, name);
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const spec = asJson(deployment.spec);
    const template = asJson(spec.template);
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const hash = podTemplateHash(template);
    const owned = this.cluster.store.list('replicasets', namespace).filter((rs) => ownedBy(rs, deployment));
    let current = owned.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    const revisions = owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0));
    const nextRevision = String(Math.max(0, ...revisions) + 1);
    const rolloutKey = `${deployment.metadata.uid}/${hash}`;
    if (!this.rolloutStart.has(rolloutKey)) {
      this.rolloutStart.set(rolloutKey, this.cluster.clock.now());
      const deadline = Number(spec.progressDeadlineSeconds ?? 600) * 1000;
      this.cluster.clock.after(deadline, () => this.enqueue(namespace, name));
    }
    if (!current) {
      current = this.createReplicaSet(deployment, template, hash, nextRevision, desired);
    } else if (current.metadata.annotations?.[REVISION] !== String(Math.max(0, ...revisions))) {
      // Rolling back to an earlier template makes its ReplicaSet the newest revision again.
      const bumped = clone(current);
      bumped.metadata.annotations = { ...bumped.metadata.annotations, [REVISION]: nextRevision };
      current = this.cluster.writeAsController('replicasets', bumped, MANAGER) ?? current;
    }
    if (!current) return;
    const revision = current.metadata.annotations?.[REVISION] ?? '1';
    if (deployment.metadata.annotations?.[REVISION] !== revision) {
      const annotated = clone(deployment);
      annotated.metadata.annotations = { ...annotated.metadata.annotations, [REVISION]: revision };
      this.cluster.writeAsController('deployments', annotated, MANAGER);
    }

    const failure = this.scale(current, desired);
    const currentPods = this.cluster.podsOf(current);
    const currentReady = currentPods.filter(podReady).length;
    const olds = owned.filter((rs) => rs.metadata.uid !== current!.metadata.uid);
    if (currentReady >= desired) {
      for (const old of olds) this.scale(old, 0);
    }
    const allPods = [current, ...olds].flatMap((rs) => this.cluster.podsOf(rs));
    const ready = allPods.filter(podReady).length;
    const complete = currentPods.length === desired && currentReady >= desired && allPods.length === desired;
    const started = this.rolloutStart.get(rolloutKey) ?? this.cluster.clock.now();
    const deadlineExceeded =
      !complete && this.cluster.clock.now() - started >= Number(spec.progressDeadlineSeconds ?? 600) * 1000;
    const rsName = current.metadata.name;
    const conditions: Json[] = [
      ready >= desired
        ? this.condition(
            deployment,
            'Available',
            'True',
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
          )
        : this.condition(
            deployment,
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          ),
      complete
        ? this.condition(
            deployment,
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`,
          )
        : deadlineExceeded
          ? this.condition(
              deployment,
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              `ReplicaSet "${rsName}" has timed out progressing.`,
            )
          : this.condition(
              deployment,
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              `ReplicaSet "${rsName}" is progressing.`,
            ),
    ];
    if (failure)
      conditions.push(this.condition(deployment, 'ReplicaFailure', 'True', 'FailedCreate', failure));
    const status: Json = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas: allPods.length,
      updatedReplicas: currentPods.length,
      ...(ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : {}),
      ...(allPods.length - ready > 0 ? { unavailableReplicas: allPods.length - ready } : {}),
      conditions,
    };
    const latest = this.cluster.store.get('deployments', namespace, name);
    if (!latest) return;
    this.cluster.writeAsController('deployments', { ...latest, status }, MANAGER, 'status');
  }

  /** A condition, keeping its timestamps while status, reason and message stay the same. */
  private condition(owner: KubeObject, type: string, status: string, reason: string, message: string): Json {
    const previous = asList(asJson(owner.status).conditions).find((c) => c.type === type);
    const now = this.cluster.now();
    const same =
      previous && previous.status === status && previous.reason === reason && previous.message === message;
    return {
      type,
      status,
      lastUpdateTime: same ? previous.lastUpdateTime : now,
      lastTransitionTime: previous && previous.status === status ? previous.lastTransitionTime : now,
      reason,
      message,
    };
  }

  private createReplicaSet(
    deployment: KubeObject,
    template: Json,
    hash: string,
    revision: string,
    replicas: number,
  ): KubeObject | undefined {
    const namespace = namespaceOf(deployment);
    const templateMeta = asJson(template.metadata);
    const labels = { ...(templateMeta.labels as Record<string, string> | undefined), [HASH_LABEL]: hash };
    const selector = asJson(asJson(deployment.spec).selector);
    const body: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deployment.metadata.name}-${hash}`,
        namespace,
        labels,
        annotations: {
          [REVISION]: revision,
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + 1),
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: deployment.metadata.name,
            uid: deployment.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      } as unknown as KubeObject['metadata'],
      spec: {
        replicas,
        selector: { ...selector, matchLabels: { ...asJson(selector.matchLabels), [HASH_LABEL]: hash } },
        template: { ...clone(template), metadata: { ...clone(templateMeta), labels } },
      },
    };
    return this.cluster.createAsController('replicasets', namespace, body, MANAGER).object;
  }

  /** Brings a ReplicaSet to `replicas` pods; returns the admission message when pods are refused. */
  private scale(rs: KubeObject, replicas: number): string | undefined {
    const namespace = namespaceOf(rs);
    if (asJson(rs.spec).replicas !== replicas) {
      const scaled = clone(rs);
      scaled.spec = { ...asJson(scaled.spec), replicas };
      this.cluster.writeAsController('replicasets', scaled, MANAGER);
    }
    const pods = this.cluster.podsOf(rs).filter((p) => !p.metadata.deletionTimestamp);
    for (const pod of pods.slice(replicas)) this.cluster.deleteObject('pods', pod);
    // A refused pod is not retried on every event (the real controller backs off): the
    // ReplicaSet keeps reporting the refusal it got.
    const refused = asList(asJson(rs.status).conditions).find((c) => c.type === 'ReplicaFailure');
    let failure = refused ? String(refused.message) : undefined;
    for (let i = pods.length; i < replicas && !refused; i++) {
      failure = this.createPod(rs);
      if (failure) break;
    }
    const live = this.cluster.podsOf(rs);
    const ready = live.filter(podReady).length;
    const latest = this.cluster.store.get('replicasets', namespace, rs.metadata.name);
    if (latest) {
      const status: Json = {
        replicas: live.length,
        fullyLabeledReplicas: live.length,
        ...(ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : {}),
        observedGeneration: latest.metadata.generation ?? 1,
        ...(failure
          ? {
              conditions: [
                {
                  type: 'ReplicaFailure',
                  status: 'True',
                  lastTransitionTime: refused?.lastTransitionTime ?? this.cluster.now(),
                  reason: 'FailedCreate',
                  message: failure,
                },
              ],
            }
          : {}),
      };
      this.cluster.writeAsController('replicasets', { ...latest, status }, MANAGER, 'status');
    }
    return failure;
  }

  private createPod(rs: KubeObject): string | undefined {
    const namespace = namespaceOf(rs);
    const template = asJson(asJson(rs.spec).template);
    const podSpec = clone(asJson(template.spec));
    const name = `${rs.metadata.name}-${randomSuffix()}`;
    // PodSecurity admission (staging/src/k8s.io/pod-security-admission/admission/admission.go).
    const violations = restrictedViolations(podSpec);
    if (this.cluster.podSecurity(namespace, 'enforce') === 'restricted' && violations.length > 0) {
      return `pods "${name}" is forbidden: ${podSecurityWarning(violations).replace(/^would violate/, 'violates')}`;
    }
    const body: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        generateName: `${rs.metadata.name}-`,
        namespace,
        labels: { ...(asJson(template.metadata).labels as Record<string, string> | undefined) },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rs.metadata.name,
            uid: rs.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      } as unknown as KubeObject['metadata'],
      spec: { ...podSpec, nodeName: 'fake-node' },
    };
    let pod: KubeObject;
    try {
      pod = this.cluster.createAsController('pods', namespace, body, MANAGER).object;
    } catch (error) {
      // An admission refusal (ResourceQuota) is the ReplicaSet's FailedCreate, as with Pod Security.
      if (error instanceof StatusError) return error.status.message;
      throw error;
    }
    const containers = asList(podSpec.containers);
    this.writePodStatus(pod, {
      phase: 'Pending',
      qosClass: 'Burstable',
      startTime: this.cluster.now(),
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: this.cluster.now() },
        {
          type: 'Ready',
          status: 'False',
          lastTransitionTime: this.cluster.now(),
          reason: 'ContainersNotReady',
        },
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: 'ContainerCreating' } },
      })),
    });
    for (const container of containers) {
      this.cluster.appendLog(namespace, name, String(container.name), '');
      this.runContainer(namespace, name, container);
    }
    return undefined;
  }

  private writePodStatus(pod: KubeObject, status: Json): void {
    const latest = this.cluster.store.get('pods', namespaceOf(pod), pod.metadata.name);
    if (latest) this.cluster.writeAsController('pods', { ...latest, status }, KUBELET, 'status');
  }

  /** Edits one container's status in a live pod (no-op once the pod is gone). */
  private editContainer(
    namespace: string,
    podName: string,
    container: string,
    edit: (status: Json, pod: KubeObject) => void,
  ) {
    const pod = this.cluster.store.get('pods', namespace, podName);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const status = clone(asJson(pod.status));
    const entry = asList(status.containerStatuses).find((c) => c.name === container);
    if (!entry) return;
    edit(entry, pod);
    const statuses = asList(status.containerStatuses);
    const allReady = statuses.every((c) => c.ready === true);
    const running = statuses.some((c) => isJson(asJson(c.state).running));
    status.phase = running || allReady ? 'Running' : 'Pending';
    status.conditions = asList(status.conditions).map((c) =>
      c.type === 'Ready' && (c.status === 'True') !== allReady
        ? {
            type: 'Ready',
            status: allReady ? 'True' : 'False',
            lastTransitionTime: this.cluster.now(),
            ...(allReady ? {} : { reason: 'ContainersNotReady' }),
          }
        : c,
    );
    const conditions = status.conditions as Json[];
    if (allReady && !conditions.some((c) => c.type === 'ContainersReady')) {
      conditions.push({ type: 'ContainersReady', status: 'True', lastTransitionTime: this.cluster.now() });
    }
    this.writePodStatus(pod, status);
  }

  /** Schedules a container's life by its image's behaviour. */
  private runContainer(namespace: string, podName: string, container: Json): void {
    const name = String(container.name);
    const image = String(container.image);
    const behaviour = this.images.get(image) ?? { kind: 'ready' };
    const clock = this.cluster.clock;
    if (behaviour.kind === 'ready') {
      clock.after(behaviour.afterMs ?? this.options.podReadyAfterMs, () =>
        this.editContainer(namespace, podName, name, (c) => {
          c.ready = true;
          c.started = true;
          c.state = { running: { startedAt: this.cluster.now() } };
        }),
      );
      return;
    }
    if (behaviour.kind === 'pull-error') {
      const reason = behaviour.reason ?? 'ErrImagePull';
      const message =
        behaviour.message ??
        `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;
      clock.after(behaviour.afterMs ?? 1000, () => {
        this.editContainer(namespace, podName, name, (c) => {
          c.state = { waiting: { reason, message } };
        });
        if (reason !== 'ErrImagePull') return;
        // kubelet then backs off between pulls (pkg/kubelet/images/image_manager.go).
        clock.after(BACKOFF_MS[0]!, () =>
          this.editContainer(namespace, podName, name, (c) => {
            c.state = {
              waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` },
            };
          }),
        );
      });
      return;
    }
    const exitCode = behaviour.exitCode ?? 1;
    const crash = (attempt: number) => {
      const startedAt = this.cluster.now();
      this.editContainer(namespace, podName, name, (c, pod) => {
        if (attempt > 0) this.cluster.startNewRun(namespace, podName, name);
        this.cluster.appendLog(namespace, podName, name, behaviour.logs);
        c.ready = false;
        c.started = false;
        c.restartCount = attempt + 1;
        c.lastState = {
          terminated: { exitCode, reason: 'Error', startedAt, finishedAt: this.cluster.now() },
        };
        const backoff = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]! / 1000;
        c.state = {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off ${backoff >= 60 ? `${backoff / 60}m0s` : `${backoff}s`} restarting failed container=${name} pod=${podName}_${namespace}(${pod.metadata.uid})`,
          },
        };
      });
      if (attempt + 1 < BACKOFF_MS.length) {
        clock.after(BACKOFF_MS[attempt]!, () => crash(attempt + 1));
      }
    };
    // The first run ends, the kubelet restarts it at once, the second run ends: then back-off.
    clock.after(behaviour.afterMs ?? 2000, () => {
      this.cluster.appendLog(namespace, podName, name, behaviour.logs);
      this.cluster.startNewRun(namespace, podName, name);
      crash(0);
    });
  }
}
