import { describe, expect, it } from 'vitest';
import { closingReferences, subtaskStateAfter } from '../../src/handlers/pull-requests.ts';

describe('closing references in a pull request body', () => {
  it.each([
    ['Closes #14', [14]],
    ['closes #14 and fixes #15', [14, 15]],
    ['Fixed: #3', [3]],
    ['Resolves acme/shop#9', [9]],
    ['(close #4)', [4]],
    ['Part of #12 · see #13', []],
    ['Resolves other/repo#9', []],
    ['xcloses #5', []],
    ['Closes #14\nCloses #14', [14]],
  ])('%j → %j', (body, numbers) => {
    expect(closingReferences(body, 'acme/shop')).toEqual(numbers);
  });

  it('ignores references in code blocks and quotes', () => {
    const body = ['> Closes #1', '```', 'Closes #2', '```', 'Implements the cart.', '', 'Closes #3'].join(
      '\n',
    );
    expect(closingReferences(body, 'acme/shop')).toEqual([3]);
  });
});

describe('subtask state after a pull request change', () => {
  it('an opened pull request puts a running or ready subtask in review', () => {
    expect(subtaskStateAfter('running', 'opened')).toBe('review');
    expect(subtaskStateAfter('ready', 'opened')).toBe('review');
    expect(subtaskStateAfter('review', 'opened')).toBeNull();
    expect(subtaskStateAfter('done', 'opened')).toBeNull();
    expect(subtaskStateAfter('blocked', 'opened')).toBeNull();
  });

  it('a reopened pull request brings a failed subtask back to review', () => {
    expect(subtaskStateAfter('failed', 'opened')).toBe('review');
  });

  it('closing without merge fails a subtask in review, and nothing else', () => {
    expect(subtaskStateAfter('review', 'closed-unmerged')).toBe('failed');
    expect(subtaskStateAfter('running', 'closed-unmerged')).toBeNull();
    expect(subtaskStateAfter('done', 'closed-unmerged')).toBeNull();
  });
});
