import { describe, expect, it } from 'vitest';
import { renderActivity, renderSubtaskTable, type SubtaskStatus } from '../../src/commands/status-view.ts';

const run = (attempt: number, status: string, prNumber: number | null = null, active = false) => ({
  attempt,
  status,
  prNumber,
  active,
});

const subtasks: SubtaskStatus[] = [
  {
    issueNumber: 12,
    title: 'API | endpoints\nfor export',
    state: 'review',
    runs: [run(1, 'failed', 30), run(2, 'succeeded', 31)],
  },
  { issueNumber: 13, title: 'UI', state: 'running', runs: [run(1, 'failed'), run(2, 'paused', null, true)] },
  { issueNumber: 14, title: 'Docs', state: 'ready', runs: [] },
  { issueNumber: 15, title: 'Cleanup', state: 'ready', runs: [run(1, 'queued', null, true)] },
  { issueNumber: null, title: 'Later', state: null, runs: [] },
];

describe('the /status subtask table', () => {
  it('has one row per subtask with its state, newest pull request and latest run', () => {
    const lines = renderSubtaskTable(subtasks).split('\n');
    expect(lines.slice(0, 2)).toEqual([
      '| Subtask | State | Pull request | Latest agent run |',
      '| --- | --- | --- | --- |',
    ]);
    expect(lines.slice(2)).toEqual([
      '| #12 API \\| endpoints for export | review | #31 | attempt 2: succeeded |',
      '| #13 UI | running | — | attempt 2: paused, waiting for an answer |',
      '| #14 Docs | ready | — | — |',
      '| #15 Cleanup | ready | — | attempt 1: queued |',
      '| Later (issue not created yet) | planned | — | — |',
    ]);
  });
});

describe('what /status says is going on now', () => {
  it('lists unfinished runs and ready subtasks without a run, and how they start', () => {
    expect(renderActivity({ plannerWork: undefined, subtasks, readyStarts: 'automatically' })).toBe(
      [
        '**Now:**',
        '',
        '- #13: agent run paused, waiting for an answer (attempt 2).',
        '- #15: agent run queued (attempt 1).',
        '- #14 is ready: an agent starts as soon as a slot is free.',
      ].join('\n'),
    );
    const manual = renderActivity({
      plannerWork: undefined,
      subtasks: [subtasks[2]!, { ...subtasks[2]!, issueNumber: 16 }],
      readyStarts: 'by-dispatch',
    });
    expect(manual).toContain('- #14, #16 are ready: say `/dispatch` to start an agent.');
  });

  it('names the planner job a feature waits for', () => {
    expect(renderActivity({ plannerWork: 'spec', subtasks: [], readyStarts: 'automatically' })).toBe(
      '**Now:**\n\n- The planner is writing the specification (its job is queued or running).',
    );
    expect(
      renderActivity({ plannerWork: 'decompose', subtasks: [], readyStarts: 'automatically' }),
    ).toContain('splitting the spec into subtasks');
    expect(renderActivity({ plannerWork: undefined, subtasks: [], readyStarts: 'by-dispatch' })).toBe(
      '**Now:** nothing is queued or running.',
    );
  });
});
