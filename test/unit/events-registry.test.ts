import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.ts';
import { PermanentError, RetryableError } from '../../src/domain/errors.ts';
import type { GiteaEventType } from '../../src/domain/event-names.ts';
import type { CommentContext, EventContext } from '../../src/domain/events.ts';
import { parseGiteaEvent } from '../../src/events/parse.ts';
import { HandlerError, HandlerErrors, HandlerRegistry } from '../../src/events/registry.ts';
import { giteaEventHeaderFor } from '../support/webhooks.ts';

const log = createLogger({ level: 'silent' });

function eventFrom(file: string, deliveryId = 'd-1') {
  const eventType = file.split('.')[0] as GiteaEventType;
  const payload = JSON.parse(readFileSync(new URL(`../../fixtures/gitea/${file}`, import.meta.url), 'utf8'));
  return parseGiteaEvent({ deliveryId, event: giteaEventHeaderFor(eventType), eventType }, payload);
}

describe('HandlerRegistry routing', () => {
  it('runs a type.action handler only for that action', async () => {
    const seen: string[] = [];
    const registry = new HandlerRegistry().on('issues.opened', (ctx) => {
      seen.push(`${ctx.name}#${ctx.issueNumber}`);
    });
    await registry.dispatch(eventFrom('issues.opened.json'), { log });
    await registry.dispatch(eventFrom('issues.closed.json'), { log });
    expect(seen).toEqual(['issues.opened#1']);
  });

  it('runs a type handler for every action of the type', async () => {
    const seen: string[] = [];
    const registry = new HandlerRegistry().on('issues', (ctx) => {
      seen.push(ctx.action ?? '');
    });
    await registry.dispatch(eventFrom('issues.opened.json'), { log });
    await registry.dispatch(eventFrom('issues.closed.json'), { log });
    await registry.dispatch(eventFrom('issue_label.label_updated.json'), { log });
    expect(seen).toEqual(['opened', 'closed']); // a label change is issue_label, not issues
  });

  it('routes label changes by their event type issue_label', async () => {
    const seen: Array<{ name: string; labels: unknown }> = [];
    const registry = new HandlerRegistry().on('issue_label.label_updated', (ctx) => {
      seen.push({ name: ctx.name, labels: ctx.payload.issue?.labels?.map((l) => l.name) });
    });
    const event = eventFrom('issue_label.label_updated.json');
    const result = await registry.dispatch(event, { log });
    expect(result.matched).toBe(true);
    expect(seen).toEqual([{ name: 'issue_label.label_updated', labels: ['bug'] }]);
    expect(event.event).toBe('issues');
  });

  it('routes events without an action by type alone', async () => {
    const seen: string[] = [];
    const registry = new HandlerRegistry().on('push', (ctx) => {
      seen.push(`${ctx.name} ${ctx.payload.ref} ${ctx.payload.commits?.length}`);
    });
    await registry.dispatch(eventFrom('push.json'), { log });
    expect(seen).toEqual(['push refs/heads/main 3']);
  });

  it('dispatches comments both raw and as the normalised comment.<action>', async () => {
    const calls: string[] = [];
    let normalised: CommentContext | undefined;
    const registry = new HandlerRegistry()
      .on('issue_comment.created', (ctx) => {
        calls.push(`raw ${ctx.payload.comment?.id}`);
      })
      .on('comment.created', (ctx) => {
        calls.push(`comment ${ctx.payload.comment.id}`);
        normalised = ctx;
      })
      .on('comment.edited', () => {
        calls.push('edited');
      });
    await registry.dispatch(eventFrom('issue_comment.created.json'), { log });
    expect(calls).toEqual(['raw 2', 'comment 2']);
    expect(normalised?.name).toBe('comment.created');
    expect(normalised?.eventType).toBe('comment');
    expect(normalised?.issueNumber).toBe(1);
    expect(normalised?.repo.fullName).toBe('example/example');
  });

  it('sends pull request comments and reviews to the same comment handler', async () => {
    const kinds: string[] = [];
    const registry = new HandlerRegistry().on('comment', (ctx) => {
      kinds.push(`${ctx.payload.kind}:${ctx.action}:${ctx.payload.comment.body}`);
    });
    await registry.dispatch(eventFrom('pull_request_comment.created.json'), { log });
    await registry.dispatch(eventFrom('pull_request_review_approved.reviewed.json'), { log });
    await registry.dispatch(eventFrom('issue_comment.edited.json'), { log });
    expect(kinds).toEqual([
      'pull:created:example',
      'review:created:juhu thats a great idea',
      'issue:edited:edit test comment',
    ]);
  });

  it('runs onAny for every event, but only specific handlers count as a match', async () => {
    const any: string[] = [];
    const registry = new HandlerRegistry().onAny((ctx) => {
      any.push(ctx.name);
    });
    const result = await registry.dispatch(eventFrom('release.published.json'), { log });
    expect(any).toEqual(['release.published']);
    expect(result.matched).toBe(false);
  });

  it('runs a handler registered under both a type and its action once', async () => {
    let runs = 0;
    const registry = new HandlerRegistry().on(['pull_request', 'pull_request.closed'], () => {
      runs += 1;
    });
    await registry.dispatch(eventFrom('pull_request.closed.merged.json'), { log });
    expect(runs).toBe(1);
  });

  it('gives handlers the merged flag of a merged pull request', async () => {
    let merged: boolean | undefined;
    const registry = new HandlerRegistry().on('pull_request.closed', (ctx: EventContext) => {
      merged = ctx.payload.pull_request?.merged;
    });
    await registry.dispatch(eventFrom('pull_request.closed.merged.json'), { log });
    expect(merged).toBe(true);
    await registry.dispatch(eventFrom('pull_request.closed.json'), { log });
    expect(merged).toBe(false);
  });

  it('refuses names that are not Gitea event types, with the reason', () => {
    const registry = new HandlerRegistry();
    expect(() => registry.on('issue_coment.created' as never, () => {})).toThrow(
      '"issue_coment" is not a Gitea event type',
    );
    expect(() => registry.on('comment.pinned' as never, () => {})).toThrow(
      'comment actions are created, edited, deleted',
    );
    expect(() => registry.on('issues.opened.now' as never, () => {})).toThrow(
      'expected "type" or "type.action"',
    );
  });
});

describe('HandlerRegistry failures', () => {
  it('runs every handler even when one fails, then throws the failure with its handler name', async () => {
    const ran: string[] = [];
    const registry = new HandlerRegistry()
      .on(
        'issues.opened',
        () => {
          throw new PermanentError('the issue has no body');
        },
        { name: 'trigger' },
      )
      .on('issues.opened', function audit() {
        ran.push('audit');
      });
    const failure = await registry
      .dispatch(eventFrom('issues.opened.json'), { log })
      .catch((e: unknown) => e);
    expect(ran).toEqual(['audit']);
    expect(failure).toBeInstanceOf(HandlerError);
    expect((failure as HandlerError).handler).toBe('trigger');
    expect((failure as HandlerError).isRetryable).toBe(false);
    expect((failure as Error).message).toBe('handler trigger failed: the issue has no body');
  });

  it('throws all failures together, retryable when any is', async () => {
    const registry = new HandlerRegistry()
      .on('issues.opened', () => Promise.reject(new PermanentError('a')), { name: 'one' })
      .on('issues.opened', () => Promise.reject(new RetryableError('b')), { name: 'two' });
    const failure = await registry
      .dispatch(eventFrom('issues.opened.json'), { log })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HandlerErrors);
    expect((failure as HandlerErrors).failures.map((f) => f.handler)).toEqual(['one', 'two']);
    expect((failure as HandlerErrors).isRetryable).toBe(true);
  });

  it('reports each handler run to the observer', async () => {
    const observed: Array<[string, boolean]> = [];
    const registry = new HandlerRegistry()
      .on('issues.opened', () => {}, { name: 'fine' })
      .on('issues.opened', () => Promise.reject(new Error('boom')), { name: 'broken' });
    await registry
      .dispatch(eventFrom('issues.opened.json'), {
        log,
        observer: {
          handlerFinished: (name, seconds, error) =>
            observed.push([name, seconds >= 0 && error !== undefined]),
        },
      })
      .catch(() => undefined);
    expect(observed).toEqual([
      ['fine', false],
      ['broken', true],
    ]);
  });
});
