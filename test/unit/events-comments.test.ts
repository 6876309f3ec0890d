import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/domain/errors.ts';
import type { WebhookPayload } from '../../src/domain/payloads.ts';
import { isCommentEvent, normaliseComment } from '../../src/events/comments.ts';

function fixture(name: string): WebhookPayload {
  return JSON.parse(readFileSync(new URL(`../../fixtures/gitea/${name}`, import.meta.url), 'utf8'));
}

describe('normaliseComment', () => {
  it('turns an issue comment into the common shape', () => {
    const comment = normaliseComment('issue_comment', fixture('issue_comment.created.json'));
    expect(comment).toEqual({
      kind: 'issue',
      repo: {
        owner: 'example',
        name: 'example',
        fullName: 'example/example',
        id: 1,
        defaultBranch: 'master',
      },
      issue: {
        number: 1,
        id: 1,
        title: 'example',
        body: '',
        state: 'open',
        isPull: false,
        labels: [],
        author: 'example',
      },
      comment: {
        id: 2,
        body: 'example',
        author: 'example',
        createdAt: '2022-03-09T16:20:44+09:00',
        htmlUrl: 'http://localhost:3000/example/example/issues/1#issuecomment-2',
      },
      sender: { id: 1, login: 'example' },
      action: 'created',
    });
  });

  it('marks a comment on a pull request as kind pull', () => {
    const comment = normaliseComment('pull_request_comment', fixture('pull_request_comment.created.json'));
    expect(comment?.kind).toBe('pull');
    expect(comment?.issue).toMatchObject({ number: 2, isPull: true, author: 'example2' });
    expect(comment?.comment).toMatchObject({ id: 6, body: 'example' });
  });

  it('keeps the body before an edit', () => {
    const edited = normaliseComment('issue_comment', fixture('issue_comment.edited.json'));
    expect(edited).toMatchObject({
      action: 'edited',
      comment: { id: 24400, body: 'edit test comment' },
      bodyBefore: 'test comment\r\n',
      issue: { number: 3 },
    });
  });

  it('reads 2018 payloads that have neither is_pull nor review fields', () => {
    const created = normaliseComment('issue_comment', fixture('issue_comment.created.legacy-2018.json'));
    expect(created).toMatchObject({
      kind: 'issue',
      issue: { number: 1, isPull: false },
      comment: { id: 43, body: 'Got it' },
    });
    const edited = normaliseComment('issue_comment', fixture('issue_comment.edited.legacy-2018.json'));
    expect(edited).toMatchObject({ comment: { body: 'Got it, chief' }, bodyBefore: 'Got it' });
  });

  it.each([
    [
      'pull_request_review_approved',
      'pull_request_review_approved.reviewed.json',
      'approved',
      'juhu thats a great idea',
    ],
    [
      'pull_request_review_rejected',
      'pull_request_review_rejected.reviewed.json',
      'rejected',
      'I decided otherwhies :O',
    ],
    [
      'pull_request_review_comment',
      'pull_request_review_comment.reviewed.json',
      'comment',
      'and somethimes you have to comment',
    ],
  ])('turns a %s review into a created comment of kind review', (eventType, file, state, body) => {
    const review = normaliseComment(eventType, fixture(file));
    expect(review).toMatchObject({
      kind: 'review',
      action: 'created',
      review: { state },
      issue: { number: 7, isPull: true, author: 'jony', title: 'somepull' },
      comment: {
        id: null,
        body,
        author: 'a_nice_user',
        htmlUrl: 'https://gitea.com/a_nice_user/hello_world_ci/pulls/7',
      },
      sender: { login: 'a_nice_user' },
      repo: { fullName: 'a_nice_user/hello_world_ci', defaultBranch: 'main' },
    });
  });

  it('reads the labels of the pull request a 2022 review is on', () => {
    const review = normaliseComment(
      'pull_request_review_comment',
      fixture('pull_request_review_comment.reviewed.legacy-2022.json'),
    );
    expect(review?.issue.labels).toEqual(['bug']);
    expect(review?.comment.body).toBe('123');
  });

  it('returns null for events that are not comments', () => {
    expect(normaliseComment('issues', fixture('issues.opened.json'))).toBeNull();
    expect(normaliseComment('pull_request', fixture('pull_request.closed.merged.json'))).toBeNull();
    expect(normaliseComment('push', fixture('push.json'))).toBeNull();
    expect(isCommentEvent('issue_comment', 'created')).toBe(true);
    expect(isCommentEvent('issue_comment', 'pinned')).toBe(false);
    expect(isCommentEvent('pull_request_review_approved', 'reviewed')).toBe(true);
  });

  it('names what is missing when a comment payload is incomplete', () => {
    const payload = fixture('issue_comment.created.json');
    delete payload.comment;
    expect(() => normaliseComment('issue_comment', payload)).toThrow(PermanentError);
    expect(() => normaliseComment('issue_comment', payload)).toThrow(
      'issue_comment.created payload is missing comment',
    );
  });
});
