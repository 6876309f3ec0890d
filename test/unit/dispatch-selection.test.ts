import { describe, expect, it } from 'vitest';
import { freeSlots, selectForDispatch } from '../../src/agents/selection.ts';
import type { DispatchCandidate } from '../../src/db/runs.ts';

let nextId = 1;
function candidate(over: Partial<DispatchCandidate>): DispatchCandidate {
  const taskId = over.taskId ?? nextId++;
  return { taskId, repoId: 1, featureId: 10, issueNumber: 100 + taskId, wave: 0, order: 0, ...over };
}
const none = { total: 0, byRepo: new Map<number, number>() };

describe('dispatch limits', () => {
  it('free slots are the smaller of what the repository and the whole instance have left', () => {
    const limits = {
      global: 4,
      perRepo: new Map([
        [1, 3],
        [2, 3],
      ]),
    };
    expect(freeSlots(none, limits, 1)).toBe(3);
    expect(freeSlots({ total: 2, byRepo: new Map([[2, 2]]) }, limits, 1)).toBe(2);
    expect(freeSlots({ total: 3, byRepo: new Map([[1, 3]]) }, limits, 1)).toBe(0);
    expect(freeSlots({ total: 4, byRepo: new Map([[2, 4]]) }, limits, 1)).toBe(0);
    // More running than allowed (limits lowered meanwhile): never negative.
    expect(freeSlots({ total: 9, byRepo: new Map([[1, 9]]) }, limits, 1)).toBe(0);
  });

  it('starts at most the repository limit and says which limit held the rest back', () => {
    const ready = [1, 2, 3, 4, 5].map((order) => candidate({ order }));
    const { chosen, waiting } = selectForDispatch(ready, none, { global: 10, perRepo: new Map([[1, 2]]) });
    expect(chosen.map((c) => c.order)).toEqual([1, 2]);
    expect(waiting.map((w) => [w.candidate.order, w.limit])).toEqual([
      [3, 'repo'],
      [4, 'repo'],
      [5, 'repo'],
    ]);
  });

  it('counts runs already going against both limits', () => {
    const ready = [candidate({ repoId: 1 }), candidate({ repoId: 2 }), candidate({ repoId: 2 })];
    const active = { total: 3, byRepo: new Map([[1, 3]]) };
    const { chosen, waiting } = selectForDispatch(ready, active, {
      global: 4,
      perRepo: new Map([
        [1, 3],
        [2, 3],
      ]),
    });
    expect(chosen).toHaveLength(1);
    expect(chosen[0]?.repoId).toBe(2);
    expect(waiting.map((w) => w.limit)).toEqual(['repo', 'global']);
  });

  it('shares the global limit between repositories', () => {
    const ready = [
      candidate({ repoId: 1, featureId: 1 }),
      candidate({ repoId: 1, featureId: 1 }),
      candidate({ repoId: 2, featureId: 2 }),
    ];
    const { chosen } = selectForDispatch(ready, none, {
      global: 2,
      perRepo: new Map([
        [1, 5],
        [2, 5],
      ]),
    });
    expect(chosen).toHaveLength(2);
  });

  it('never picks the same subtask twice', () => {
    const one = candidate({});
    const { chosen } = selectForDispatch([one, { ...one }], none, { global: 5, perRepo: new Map() });
    expect(chosen).toHaveLength(1);
  });
});

describe('who is dispatched first', () => {
  it('earlier waves first, then the older feature, then the planned order', () => {
    const ready = [
      candidate({ taskId: 31, featureId: 2, wave: 1, order: 0 }),
      candidate({ taskId: 32, featureId: 1, wave: 1, order: 5 }),
      candidate({ taskId: 33, featureId: 2, wave: 0, order: 3 }),
      candidate({ taskId: 34, featureId: 1, wave: 1, order: 2 }),
      candidate({ taskId: 35, featureId: 2, wave: 0, order: 1 }),
    ];
    const { chosen, waiting } = selectForDispatch(ready, none, { global: 3, perRepo: new Map() });
    expect(chosen.map((c) => c.taskId)).toEqual([35, 33, 34]);
    expect(waiting.map((w) => w.candidate.taskId)).toEqual([32, 31]);
  });

  it('a wave is dispatched before any of the next one, whatever order rows arrive in', () => {
    const wave0 = [0, 1, 2].map((order) => candidate({ wave: 0, order }));
    const wave1 = [0, 1].map((order) => candidate({ wave: 1, order }));
    const { chosen } = selectForDispatch([...wave1, ...wave0].reverse(), none, {
      global: 3,
      perRepo: new Map(),
    });
    expect(chosen.every((c) => c.wave === 0)).toBe(true);
  });
});
