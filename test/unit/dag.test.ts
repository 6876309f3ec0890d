import { describe, expect, it } from 'vitest';
import { type DagNode, dependents, readySet, validateDecomposition } from '../../src/planning/dag.ts';

function node(key: string, dependsOn: string[] = [], acceptanceCriteria: string[] = ['works']): DagNode {
  return { key, dependsOn, acceptanceCriteria };
}

describe('validateDecomposition', () => {
  it('returns topological waves, keeping the original order within a wave', () => {
    const result = validateDecomposition(
      {
        subtasks: [
          node('schema'),
          node('ui', ['api']),
          node('api', ['schema']),
          node('docs', ['api', 'ui']),
          node('fixtures'),
          node('tests', ['schema', 'fixtures']),
        ],
      },
      { maxSubtasks: 10 },
    );
    expect(result).toEqual({ ok: true, waves: [['schema', 'fixtures'], ['api', 'tests'], ['ui'], ['docs']] });
  });

  it('reports duplicate keys', () => {
    const result = validateDecomposition({ subtasks: [node('a'), node('a'), node('b')] }, { maxSubtasks: 5 });
    expect(result).toEqual({ ok: false, errors: ['duplicate subtask key "a"'] });
  });

  it('reports dependencies on unknown subtasks and on themselves', () => {
    const result = validateDecomposition(
      { subtasks: [node('a', ['ghost']), node('b', ['b'])] },
      { maxSubtasks: 5 },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      'subtask "a" depends on unknown subtask "ghost"',
      'subtask "b" depends on itself',
    ]);
  });

  it('names the cycle', () => {
    const result = validateDecomposition(
      { subtasks: [node('a', ['b']), node('b', ['a'])] },
      { maxSubtasks: 5 },
    );
    expect(result).toEqual({ ok: false, errors: ['dependency cycle: a → b → a (each depends on the next)'] });

    const longer = validateDecomposition(
      { subtasks: [node('start'), node('x', ['start', 'z']), node('y', ['x']), node('z', ['y'])] },
      { maxSubtasks: 5 },
    );
    expect(longer).toEqual({
      ok: false,
      errors: ['dependency cycle: x → z → y → x (each depends on the next)'],
    });
  });

  it('enforces the maximum number of subtasks', () => {
    const result = validateDecomposition({ subtasks: [node('a'), node('b'), node('c')] }, { maxSubtasks: 2 });
    expect(result).toEqual({ ok: false, errors: ['too many subtasks: 3, at most 2 are allowed'] });
  });

  it('requires acceptance criteria on every subtask and at least one subtask', () => {
    expect(validateDecomposition({ subtasks: [node('a', [], [])] }, { maxSubtasks: 2 })).toEqual({
      ok: false,
      errors: ['subtask "a" has no acceptance criteria'],
    });
    expect(validateDecomposition({ subtasks: [] }, { maxSubtasks: 2 })).toEqual({
      ok: false,
      errors: ['the decomposition has no subtasks'],
    });
  });

  it('reports every problem at once', () => {
    const result = validateDecomposition(
      { subtasks: [node('a', ['a', 'nope']), node('a'), node('c')] },
      { maxSubtasks: 2 },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(4);
  });
});

describe('dependents and readySet', () => {
  const d = {
    subtasks: [node('schema'), node('api', ['schema']), node('ui', ['api']), node('docs', ['api', 'ui'])],
  };

  it('lists who depends on a subtask, in original order', () => {
    expect(dependents(d, 'api')).toEqual(['ui', 'docs']);
    expect(dependents(d, 'docs')).toEqual([]);
  });

  it('returns the open subtasks whose dependencies are all closed', () => {
    expect(readySet(d, [])).toEqual(['schema']);
    expect(readySet(d, ['schema'])).toEqual(['api']);
    expect(readySet(d, ['schema', 'api'])).toEqual(['ui']);
    expect(readySet(d, new Set(['schema', 'api', 'ui']))).toEqual(['docs']);
    expect(readySet(d, ['schema', 'api', 'ui', 'docs'])).toEqual([]);
  });
});
