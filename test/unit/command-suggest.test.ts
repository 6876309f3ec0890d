import { describe, expect, it } from 'vitest';
import { KNOWN_COMMAND_NAMES } from '../../src/commands/index.ts';
import { editDistance, suggestCommand } from '../../src/commands/suggest.ts';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'help', 4],
    ['help', '', 4],
    ['help', 'help', 0],
    ['hlep', 'help', 1], // transposition
    ['aprove-spec', 'approve-spec', 1], // insertion
    ['approve-specc', 'approve-spec', 1], // deletion
    ['approve_spec', 'approve-spec', 1], // substitution
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3], // optimal string alignment: no edits of a transposed pair
  ])('%j → %j is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });

  it('gives up at the bound with max + 1', () => {
    expect(editDistance('kitten', 'sitting', 2)).toBe(3);
    expect(editDistance('a'.repeat(1_000_000), 'help', 2)).toBe(3);
    expect(editDistance(`approve-spec${'x'.repeat(100_000)}`, 'approve-spec', 2)).toBe(3);
  });
});

describe('suggestCommand', () => {
  it.each([
    ['aprove-spec', 'approve-spec'],
    ['approvespec', 'approve-spec'],
    ['aprove-spce', 'approve-spec'],
    ['APROVE-SPEC', 'approve-spec'],
    ['stauts', 'status'],
    ['stats', 'status'],
    ['hlep', 'help'],
    ['specs', 'spec'],
    ['plans', 'plan'],
    ['answers', 'answer'],
    ['canel', 'cancel'],
    ['rollbak', 'rollback'],
    ['promot', 'promote'],
    ['dispach', 'dispatch'],
    ['retyr', 'retry'],
    ['decompse', 'decompose'],
    ['revise', 'revise-spec'], // a typed prefix
    ['approve', 'approve-spec'],
    ['stat', 'status'],
    ['approve-spec-now', 'approve-spec'], // a known command as prefix
    ['helpme', 'help'],
  ])('/%s → /%s', (typed, expected) => {
    expect(suggestCommand(typed, KNOWN_COMMAND_NAMES)).toBe(expected);
  });

  it.each([
    'shrug',
    'cc',
    'me',
    'hello',
    'hold',
    'lgtm',
    'retest',
    'close',
    'assign',
    'sp', // too short to be a prefix worth suggesting
    'a',
    '',
    'help', // exact: not a suggestion
    'approve-spec',
  ])('/%s → nothing', (typed) => {
    expect(suggestCommand(typed, KNOWN_COMMAND_NAMES)).toBeUndefined();
  });

  it('prefers the smallest distance, then the earlier name', () => {
    expect(suggestCommand('pland', ['plan', 'planned'])).toBe('plan');
    expect(suggestCommand('bat', ['cat', 'hat'])).toBe('cat');
  });

  it('prefers the longest known prefix', () => {
    expect(suggestCommand('approve-spec-please', ['approve', 'approve-spec'])).toBe('approve-spec');
  });
});
