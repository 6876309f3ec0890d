import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WebhookPayload } from '../../src/domain/payloads.ts';
import { hasAiworkerMarker, loopPreventionReason } from '../../src/events/loop-prevention.ts';
import { parseGiteaEvent } from '../../src/events/parse.ts';

function payload(file: string): WebhookPayload {
  return JSON.parse(readFileSync(new URL(`../../fixtures/gitea/${file}`, import.meta.url), 'utf8'));
}

const headers = { deliveryId: 'd-1', event: 'issue_comment', eventType: 'issue_comment' };

describe('loop prevention', () => {
  it('drops events sent by the bot, whatever the case of its login', () => {
    const body = payload('issue_comment.created.json'); // sender "example"
    expect(loopPreventionReason(parseGiteaEvent(headers, body), 'example')).toBe(
      'sent by the bot itself (example)',
    );
    expect(loopPreventionReason(parseGiteaEvent(headers, body), 'Example')).not.toBeNull();
    expect(loopPreventionReason(parseGiteaEvent(headers, body), 'aiworker-bot')).toBeNull();
  });

  it('drops the bot’s events of any kind, not only comments', () => {
    const event = parseGiteaEvent(
      { deliveryId: 'd', event: 'push', eventType: 'push' },
      payload('push.json'),
    );
    expect(loopPreventionReason(event, event.sender?.login ?? '')).toMatch(/^sent by the bot itself/);
  });

  it('drops comments carrying an aiworker marker, even from another account', () => {
    const body = payload('issue_comment.created.json');
    body.comment = {
      ...body.comment!,
      body: 'Questions:\n1. Which provider?\n<!-- aiworker:questions task=12 round=1 -->',
    };
    expect(loopPreventionReason(parseGiteaEvent(headers, body), 'aiworker-bot')).toBe(
      'the comment carries an aiworker marker',
    );
  });

  it('keeps a comment that merely quotes the word aiworker', () => {
    const body = payload('issue_comment.created.json');
    body.comment = { ...body.comment!, body: 'Is aiworker: the bot, down? <!-- a note -->' };
    expect(loopPreventionReason(parseGiteaEvent(headers, body), 'aiworker-bot')).toBeNull();
    expect(hasAiworkerMarker('<!-- aiworker:spec task=3 -->')).toBe(true);
  });

  it('drops a review whose summary carries the marker', () => {
    const body = payload('pull_request_review_comment.reviewed.json');
    body.review = { type: 'pull_request_review_comment', content: 'done <!-- aiworker:progress run=4 -->' };
    const event = parseGiteaEvent(
      { deliveryId: 'd', event: 'pull_request_comment', eventType: 'pull_request_review_comment' },
      body,
    );
    expect(loopPreventionReason(event, 'aiworker-bot')).toBe('the comment carries an aiworker marker');
  });
});
