import { describe, expect, it } from 'vitest';
import {
  FEATURE_STATES,
  type FeatureEvent,
  type FeatureState,
  nextFeatureState,
  nextSubtaskState,
  type SubtaskEvent,
  type SubtaskState,
  statusLabelFor,
} from '../../src/domain/lifecycle.ts';

describe('nextFeatureState', () => {
  const rows: Array<[FeatureState, FeatureEvent, FeatureState | 'refused']> = [
    ['questioning', { type: 'questions_posted', count: 3 }, 'clarifying'],
    ['questioning', { type: 'questions_posted', count: 0 }, 'specifying'],
    ['questioning', { type: 'questions_failed' }, 'failed'],
    ['clarifying', { type: 'all_answered' }, 'specifying'],
    ['clarifying', { type: 'spec_requested' }, 'specifying'],
    ['failed', { type: 'spec_requested' }, 'specifying'],
    ['questioning', { type: 'spec_requested' }, 'refused'],
    ['spec_review', { type: 'spec_requested' }, 'refused'],
    ['specifying', { type: 'spec_written' }, 'spec_review'],
    ['specifying', { type: 'spec_failed', hasSpec: false }, 'clarifying'],
    ['specifying', { type: 'spec_failed', hasSpec: true }, 'spec_review'],
    ['spec_review', { type: 'revision_requested' }, 'specifying'],
    ['specifying', { type: 'revision_requested' }, 'refused'],
    ['clarifying', { type: 'revision_requested' }, 'refused'],
    ['spec_review', { type: 'approved' }, 'decomposing'],
    ['clarifying', { type: 'approved' }, 'refused'],
    ['approved', { type: 'approved' }, 'refused'],
    ['specifying', { type: 'approved' }, 'refused'],
    ['approved', { type: 'all_answered' }, 'refused'],
    ['clarifying', { type: 'trigger_removed' }, 'stopped'],
    ['spec_review', { type: 'trigger_removed' }, 'stopped'],
    ['approved', { type: 'trigger_removed' }, 'refused'],
    ['stopped', { type: 'trigger_restored', pausedState: 'clarifying' }, 'clarifying'],
    ['stopped', { type: 'trigger_restored', pausedState: 'spec_review' }, 'spec_review'],
    ['stopped', { type: 'trigger_restored', pausedState: null }, 'questioning'],
    ['clarifying', { type: 'trigger_restored', pausedState: 'clarifying' }, 'refused'],
    ['approved', { type: 'decomposition_started' }, 'decomposing'],
    ['decomposing', { type: 'decomposed' }, 'in_progress'],
    ['decomposing', { type: 'decomposition_failed' }, 'approved'],
    ['in_progress', { type: 'all_subtasks_done' }, 'done'],
    ['spec_review', { type: 'all_subtasks_done' }, 'refused'],
  ];
  it.each(rows)('%s + %o → %s', (state, event, expected) => {
    const result = nextFeatureState(state, event);
    if (expected === 'refused') {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason.length).toBeGreaterThan(5);
    } else {
      expect(result).toEqual({ ok: true, next: expected });
    }
  });

  it('tells the user why an approval is refused', () => {
    expect(nextFeatureState('clarifying', { type: 'approved' })).toEqual({
      ok: false,
      reason: 'there is no spec to approve yet',
    });
  });
});

describe('statusLabelFor', () => {
  it('maps every state to an ai-status label of the contract, or none when stopped', () => {
    const contract = new Set([
      'ai-status/clarifying',
      'ai-status/spec-review',
      'ai-status/approved',
      'ai-status/in-progress',
      'ai-status/blocked',
      'ai-status/ready',
      'ai-status/running',
      'ai-status/review',
      'ai-status/done',
      'ai-status/failed',
    ]);
    for (const state of FEATURE_STATES) {
      const label = statusLabelFor(state);
      if (state === 'stopped') expect(label).toBeNull();
      else expect(contract.has(label!)).toBe(true);
    }
    for (const state of ['blocked', 'ready', 'running', 'review', 'done', 'failed'] as const) {
      expect(statusLabelFor(state)).toBe(`ai-status/${state}`);
    }
  });
});

describe('nextSubtaskState', () => {
  const rows: Array<[SubtaskState, SubtaskEvent, SubtaskState | 'refused']> = [
    ['blocked', { type: 'dependencies_done' }, 'ready'],
    ['ready', { type: 'dependencies_done' }, 'refused'],
    ['ready', { type: 'dependency_reopened' }, 'blocked'],
    ['running', { type: 'dependency_reopened' }, 'refused'],
    ['ready', { type: 'dispatched' }, 'running'],
    ['blocked', { type: 'dispatched' }, 'refused'],
    ['running', { type: 'pull_request_opened' }, 'review'],
    ['running', { type: 'run_failed' }, 'failed'],
    ['failed', { type: 'retry', dependenciesDone: true }, 'ready'],
    ['review', { type: 'closed' }, 'done'],
    ['blocked', { type: 'closed' }, 'done'],
    ['done', { type: 'closed' }, 'refused'],
    ['done', { type: 'reopened', dependenciesDone: true }, 'ready'],
    ['done', { type: 'reopened', dependenciesDone: false }, 'blocked'],
    ['ready', { type: 'reopened', dependenciesDone: true }, 'refused'],
  ];
  it.each(rows)('%s + %o → %s', (state, event, expected) => {
    const result = nextSubtaskState(state, event);
    if (expected === 'refused') expect(result.ok).toBe(false);
    else expect(result).toEqual({ ok: true, next: expected });
  });
});
