import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { jobPhase, jobRunStatus, latestPod, podOutcome } from '../../src/agents/runners/kubernetes/status.ts';
import { LogTail } from '../../src/agents/runners/log-tail.ts';

const started = '2025-05-01T10:00:00Z';
const ended = '2025-05-01T10:20:00Z';

function job(status: V1Job['status'], deadline = 3600): V1Job {
  return {
    metadata: { name: 'aiworker-run-7' },
    spec: { template: {}, activeDeadlineSeconds: deadline },
    status,
  };
}

function condition(type: string, reason?: string, message?: string) {
  return { type, status: 'True', lastTransitionTime: ended as unknown as Date, reason, message };
}

function pod(name: string, created: string, state: NonNullable<V1Pod['status']>['containerStatuses']): V1Pod {
  return {
    metadata: { name, creationTimestamp: created as unknown as Date },
    status: { containerStatuses: state },
  };
}

describe('jobRunStatus', () => {
  it('a new Job without pods running yet is pending', () => {
    expect(jobRunStatus(job({})).phase).toBe('pending');
    expect(jobRunStatus(job({ active: 1, ready: 0, startTime: started as unknown as Date })).phase).toBe(
      'pending',
    );
  });

  it('a Job with a started pod is running, since its start time', () => {
    const status = jobRunStatus(job({ active: 1, ready: 1, startTime: started as unknown as Date }));
    expect(status).toEqual({ phase: 'running', startedAt: new Date(started) });
    // Clusters older than 1.24 do not report `ready`.
    expect(jobPhase(job({ active: 1 }))).toBe('running');
  });

  it('Complete means succeeded, with the exit code and when it finished', () => {
    const status = jobRunStatus(
      job({
        succeeded: 1,
        startTime: started as unknown as Date,
        completionTime: ended as unknown as Date,
        conditions: [condition('SuccessCriteriaMet'), condition('Complete')],
      }),
      { exitCode: 0 },
    );
    expect(status).toEqual({
      phase: 'succeeded',
      exitCode: 0,
      startedAt: new Date(started),
      finishedAt: new Date(ended),
    });
  });

  it('Failed by BackoffLimitExceeded names the exit code of the agent', () => {
    const status = jobRunStatus(
      job({
        failed: 1,
        conditions: [
          condition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
        ],
      }),
      { exitCode: 2 },
    );
    expect(status.phase).toBe('failed');
    expect(status.exitCode).toBe(2);
    expect(status.message).toBe('BackoffLimitExceeded: the agent exited with code 2');
    expect(status.finishedAt).toEqual(new Date(ended));
  });

  it('Failed by DeadlineExceeded says how long the run was allowed', () => {
    const status = jobRunStatus(
      job(
        {
          failed: 1,
          conditions: [
            condition('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline'),
          ],
        },
        1800,
      ),
    );
    expect(status.phase).toBe('failed');
    expect(status.exitCode).toBeUndefined();
    expect(status.message).toBe('DeadlineExceeded: ran longer than 1800 s');
  });

  it('other failure reasons keep the API server message', () => {
    const status = jobRunStatus(
      job({
        conditions: [
          condition('Failed', 'PodFailurePolicy', 'Container agent for pod x failed with exit code 137'),
        ],
      }),
    );
    expect(status.message).toBe('PodFailurePolicy: Container agent for pod x failed with exit code 137');
  });

  it('FailureTarget already decides the run failed while the pod is still stopping', () => {
    const status = jobRunStatus(
      job({ active: 1, conditions: [condition('FailureTarget', 'DeadlineExceeded')] }, 60),
    );
    expect(status.phase).toBe('failed');
    expect(status.message).toBe('DeadlineExceeded: ran longer than 60 s');
  });

  it('a pending run says why its container is not starting', () => {
    const status = jobRunStatus(job({ active: 1, ready: 0 }), { waiting: 'ErrImagePull: manifest unknown' });
    expect(status).toEqual({ phase: 'pending', message: 'waiting to start: ErrImagePull: manifest unknown' });
  });

  it('conditions that are not True do not decide anything', () => {
    const notYet = { type: 'Failed', status: 'False' };
    expect(jobRunStatus(job({ active: 1, ready: 1, conditions: [notYet] })).phase).toBe('running');
  });
});

describe('podOutcome and latestPod', () => {
  it('reads the agent container exit code from its terminated state', () => {
    const p = pod('p', started, [
      {
        name: 'agent',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 3 } },
      },
    ]);
    expect(podOutcome(p)).toEqual({ exitCode: 3 });
  });

  it('reports a problem while waiting, but not the routine ContainerCreating', () => {
    const waiting = (reason: string, message?: string) =>
      pod('p', started, [
        {
          name: 'agent',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason, message } },
        },
      ]);
    expect(podOutcome(waiting('ImagePullBackOff', 'Back-off pulling image "x"'))).toEqual({
      waiting: 'ImagePullBackOff: Back-off pulling image "x"',
    });
    expect(podOutcome(waiting('ContainerCreating'))).toEqual({});
  });

  it('ignores other containers and picks the newest pod', () => {
    const sidecar = pod('p', started, [
      {
        name: 'proxy',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 9 } },
      },
    ]);
    expect(podOutcome(sidecar)).toEqual({});
    const older = pod('old', started, []);
    const newer = pod('new', ended, []);
    expect(latestPod([older, newer])?.metadata?.name).toBe('new');
    expect(latestPod([])).toBeUndefined();
  });
});

describe('log tail of a failed Job', () => {
  // Bounds and scrubbing are the shared LogTail's (test/unit/log-tail.test.ts); this checks the
  // Kubernetes runner's use of it: run tokens read from the run's Secret are removed.
  it('removes the run tokens and recognisable credentials', () => {
    const log = [
      'cloning https://agent:git-push-token-7-93af02@gitea.example.com/acme/web-shop.git',
      'POST /mcp Authorization: Bearer mcp-run-token-7-5b1d7c',
      'token was mcp-run-token-7-5b1d7c',
      'error: push rejected',
    ].join('\n');
    const tail = new LogTail({ secrets: ['git-push-token-7-93af02', 'mcp-run-token-7-5b1d7c'] });
    tail.push(log);
    const text = tail.toString();
    expect(text).not.toContain('git-push-token-7-93af02');
    expect(text).not.toContain('mcp-run-token-7-5b1d7c');
    expect(text).toContain('error: push rejected');
  });
});
