import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  type ApplicationManifest,
  assessApplication,
  readApplication,
} from '../../src/deploy/argocd-application.ts';
import { assessRollout } from '../../src/deploy/rollout.ts';

/** The pure readings behind both deployers: a rollout's state and an Argo CD Application's. */

const IMAGE = 'shop:2';

function deployment(status: V1Deployment['status'], generation = 2): V1Deployment {
  return {
    metadata: { name: 'preview', generation },
    spec: { replicas: 1, selector: {}, template: {} },
    status,
  };
}

function pod(image: string, containerStatus: NonNullable<V1Pod['status']>['containerStatuses']): V1Pod {
  return {
    metadata: { name: `preview-${image.replace(':', '-')}` },
    spec: { containers: [{ name: 'app', image }] },
    status: { containerStatuses: containerStatus },
  };
}

describe('assessRollout', () => {
  it('available only once the controller saw the latest generation and the updated replica is available', () => {
    const done = { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 };
    expect(assessRollout(deployment(done), [], IMAGE)).toEqual({ state: 'available' });
    // Status from before the new spec was seen (still says available) is not the new rollout.
    expect(assessRollout(deployment({ ...done, observedGeneration: 1 }), [], IMAGE).state).toBe(
      'progressing',
    );
    // The old pod still running beside the new one.
    expect(assessRollout(deployment({ ...done, replicas: 2 }), [], IMAGE).state).toBe('progressing');
  });

  it('a failing old pod does not fail the new rollout; a failing new one does', () => {
    const crashing = [
      {
        name: 'app',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 4,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
      },
    ];
    const status = { observedGeneration: 2, replicas: 2, updatedReplicas: 1 };
    expect(assessRollout(deployment(status), [pod('shop:1', crashing)], IMAGE).state).toBe('progressing');
    expect(assessRollout(deployment(status), [pod(IMAGE, crashing)], IMAGE)).toEqual({
      state: 'failed',
      kind: 'crash-loop',
      reason: 'CrashLoopBackOff',
      message: 'container app exit code 137 (OOMKilled), restarted 4 time(s)',
      pod: 'preview-shop-2',
      container: 'app',
      exitCode: 137,
    });
  });

  it('a container that cannot be created (e.g. an image running as root under runAsNonRoot)', () => {
    const statuses = [
      {
        name: 'app',
        image: IMAGE,
        imageID: '',
        ready: false,
        restartCount: 0,
        state: {
          waiting: {
            reason: 'CreateContainerConfigError',
            message: 'container has runAsNonRoot and image will run as root',
          },
        },
      },
    ];
    expect(assessRollout(deployment({ observedGeneration: 2 }), [pod(IMAGE, statuses)], IMAGE)).toMatchObject(
      {
        state: 'failed',
        kind: 'container-error',
        message: 'container has runAsNonRoot and image will run as root',
      },
    );
  });

  it('pods refused (quota, Pod Security) and a passed progress deadline are the Deployment’s own failures', () => {
    const refused = deployment({
      observedGeneration: 2,
      conditions: [
        {
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message: 'pods "preview-x" is forbidden: exceeded quota: preview',
        },
      ],
    });
    expect(assessRollout(refused, [], IMAGE)).toMatchObject({
      kind: 'rollout-error',
      reason: 'FailedCreate',
    });
    const late = deployment({
      observedGeneration: 2,
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' },
      ],
    });
    expect(assessRollout(late, [], IMAGE)).toMatchObject({ kind: 'rollout-error', message: 'timed out' });
  });
});

function app(
  status: ApplicationManifest['status'],
  annotations: Record<string, string> = {},
): ApplicationManifest {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop', namespace: 'argocd', annotations },
    spec: {
      project: 'default',
      source: { repoURL: 'r', targetRevision: 'new', path: '.' },
      destination: { server: 's', namespace: 'n' },
    },
    status,
  };
}

describe('assessApplication', () => {
  const healthyAt = (revision: string, images: string[]) =>
    app({ sync: { status: 'Synced', revision }, health: { status: 'Healthy' }, summary: { images } });

  it('healthy only when synced at the expected revision and running the expected image', () => {
    expect(
      assessApplication(readApplication(healthyAt('new', ['shop:2'])), { revision: 'new', image: 'shop:2' })
        .state,
    ).toBe('healthy');
    expect(assessApplication(readApplication(healthyAt('old', ['shop:2'])), { revision: 'new' }).state).toBe(
      'pending',
    );
    expect(assessApplication(readApplication(healthyAt('new', ['shop:1'])), { image: 'shop:2' }).state).toBe(
      'pending',
    );
  });

  it('pending while a refresh it asked for is not yet done, whatever the status says', () => {
    const stale = app(healthyAt('new', ['shop:2']).status, { 'argocd.argoproj.io/refresh': 'hard' });
    expect(assessApplication(readApplication(stale), { revision: 'new' }).state).toBe('pending');
  });

  it('a failed operation for an older revision is history; for the expected one it is the answer', () => {
    const failedOld = app({
      sync: { status: 'OutOfSync' },
      operationState: { phase: 'Failed', message: 'boom', operation: { sync: { revision: 'old' } } },
    });
    expect(assessApplication(readApplication(failedOld), { revision: 'new' }).state).toBe('pending');
    const failedNew = app({
      sync: { status: 'OutOfSync' },
      operationState: {
        phase: 'Error',
        message: 'repository not found',
        operation: { sync: { revision: 'new' } },
      },
    });
    expect(assessApplication(readApplication(failedNew), { revision: 'new' })).toMatchObject({
      state: 'failed',
      kind: 'sync-failed',
      message: 'sync error: repository not found',
    });
  });

  it('Degraded names the resources and their messages; spec errors fail at once', () => {
    const degraded = app({
      sync: { status: 'Synced', revision: 'new' },
      health: { status: 'Degraded' },
      resources: [
        { kind: 'Service', name: 'web', health: { status: 'Healthy' } },
        {
          kind: 'Deployment',
          name: 'web',
          health: { status: 'Degraded', message: 'exceeded its progress deadline' },
        },
      ],
    });
    expect(assessApplication(readApplication(degraded), { revision: 'new' })).toMatchObject({
      state: 'failed',
      kind: 'degraded',
      message: 'Degraded: Deployment web: exceeded its progress deadline',
    });
    const invalid = app({ conditions: [{ type: 'InvalidSpecError', message: 'no such project' }] });
    expect(assessApplication(readApplication(invalid), {})).toMatchObject({
      kind: 'invalid',
      message: 'InvalidSpecError: no such project',
    });
  });
});
