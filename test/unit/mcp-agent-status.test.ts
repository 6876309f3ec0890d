import { describe, expect, it } from 'vitest';
import type { SubtaskState } from '../../src/domain/lifecycle.ts';
import { type AgentStatus, agentStatusChange } from '../../src/mcp/agent-status.ts';

describe('agentStatusChange', () => {
  it.each<[SubtaskState, AgentStatus, SubtaskState]>([
    ['running', 'review', 'review'],
    ['running', 'failed', 'failed'],
    ['ready', 'running', 'running'],
    ['ready', 'review', 'review'],
  ])('%s + %s → %s, a transition of the lifecycle', (state, status, next) => {
    expect(agentStatusChange(state, status)).toEqual({ ok: true, state: next, moved: true, shown: next });
  });

  it.each<[SubtaskState, AgentStatus]>([
    ['running', 'running'],
    ['review', 'review'],
    ['failed', 'failed'],
  ])('%s + %s changes nothing (asking twice is fine)', (state, status) => {
    expect(agentStatusChange(state, status)).toEqual({ ok: true, state, moved: false, shown: state });
  });

  it.each<SubtaskState>(['running', 'ready', 'review', 'failed'])(
    'blocked is shown on a %s subtask without moving its state',
    (state) => {
      expect(agentStatusChange(state, 'blocked')).toEqual({
        ok: true,
        state,
        moved: false,
        shown: 'blocked',
      });
    },
  );

  it.each<[SubtaskState, AgentStatus, string]>([
    ['failed', 'running', 'it is failed, not ready'],
    ['review', 'failed', 'it is in review'],
    ['blocked', 'running', 'it is blocked by its dependencies, not ready'],
    ['done', 'review', 'it is done'],
    ['ready', 'failed', 'it is ready to start'],
  ])('%s + %s is refused: %s', (state, status, reason) => {
    expect(agentStatusChange(state, status)).toEqual({ ok: false, reason });
  });
});
