import { describe, expect, it } from 'vitest';
import { claimedEventType, readDeliveryHeaders } from '../../src/server/delivery-headers.ts';

const uuid = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

describe('readDeliveryHeaders', () => {
  it('reads the X-Gitea-* headers Gitea sends', () => {
    expect(
      readDeliveryHeaders({
        'x-gitea-delivery': uuid,
        'x-gitea-event': 'issues',
        'x-gitea-event-type': 'issue_label',
      }),
    ).toEqual({ deliveryId: uuid, event: 'issues', eventType: 'issue_label' });
  });

  it('prefers X-Gitea-* over the GitHub and Gogs copies', () => {
    expect(
      readDeliveryHeaders({
        'x-github-delivery': 'github-id',
        'x-gitea-delivery': uuid,
        'x-github-event': 'pull_request',
        'x-gitea-event': 'issues',
      }),
    ).toMatchObject({ deliveryId: uuid, event: 'issues' });
  });

  it('falls back to X-GitHub-* and X-Gogs-*, and the event type to the event', () => {
    expect(readDeliveryHeaders({ 'x-github-delivery': uuid, 'x-github-event': 'push' })).toEqual({
      deliveryId: uuid,
      event: 'push',
      eventType: 'push',
    });
    expect(readDeliveryHeaders({ 'x-gogs-delivery': uuid, 'x-gogs-event': 'create' })).toMatchObject({
      event: 'create',
    });
  });

  it('names the missing header', () => {
    expect(readDeliveryHeaders({ 'x-gitea-event': 'issues' })).toEqual({
      problem: 'X-Gitea-Delivery header missing',
    });
    expect(readDeliveryHeaders({ 'x-gitea-delivery': uuid })).toEqual({
      problem: 'X-Gitea-Event header missing',
    });
    expect(readDeliveryHeaders({ 'x-gitea-delivery': '', 'x-gitea-event': 'issues' })).toEqual({
      problem: 'X-Gitea-Delivery header missing',
    });
  });

  it('refuses delivery ids BullMQ cannot use as job ids, or too long for the deliveries table', () => {
    for (const id of ['12345', 'a:b', `${'a'.repeat(65)}`, '../etc', ' spaced']) {
      expect(readDeliveryHeaders({ 'x-gitea-delivery': id, 'x-gitea-event': 'issues' })).toEqual({
        problem: 'X-Gitea-Delivery must be an id such as a UUID',
      });
    }
  });

  it('refuses event names that are not snake_case words', () => {
    expect(readDeliveryHeaders({ 'x-gitea-delivery': uuid, 'x-gitea-event': 'Issues; drop' })).toMatchObject({
      problem: expect.stringContaining('must be event names'),
    });
    expect(
      readDeliveryHeaders({
        'x-gitea-delivery': uuid,
        'x-gitea-event': 'issues',
        'x-gitea-event-type': 'issue label',
      }),
    ).toMatchObject({ problem: expect.stringContaining('must be event names') });
  });

  it('reports the claimed event type for metrics, before anything is verified', () => {
    expect(claimedEventType({ 'x-gitea-event-type': 'issue_label', 'x-gitea-event': 'issues' })).toBe(
      'issue_label',
    );
    expect(claimedEventType({ 'x-github-event': 'push' })).toBe('push');
    expect(claimedEventType({})).toBeUndefined();
  });
});
