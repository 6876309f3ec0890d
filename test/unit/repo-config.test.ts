import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REPO_CONFIG,
  parseRepoConfig,
  renderConfigErrorComment,
  renderConfigErrorPointer,
} from '../../src/config/repo-config.ts';

describe('parseRepoConfig', () => {
  it('uses the defaults when the file is missing or empty', () => {
    expect(parseRepoConfig(null)).toEqual({ ok: true, config: DEFAULT_REPO_CONFIG });
    expect(parseRepoConfig('\n# nothing\n')).toEqual({ ok: true, config: DEFAULT_REPO_CONFIG });
    expect(DEFAULT_REPO_CONFIG.triggerLabel).toBe('ai');
    expect(DEFAULT_REPO_CONFIG.questions.max).toBe(5);
    expect(DEFAULT_REPO_CONFIG.subtasks.max).toBe(12);
  });

  it('reads settings and keeps defaults for the rest of a section', () => {
    const result = parseRepoConfig(
      [
        'triggerLabel: feature-bot',
        'questions:',
        '  max: 3',
        'agents:',
        '  dispatch: manual',
        'permissions:',
        '  approve-spec: admin',
      ].join('\n'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.triggerLabel).toBe('feature-bot');
    expect(result.config.questions.max).toBe(3);
    expect(result.config.agents.dispatch).toBe('manual');
    expect(result.config.agents.maxConcurrent).toBe(3);
    expect(result.config.permissions).toEqual({ 'approve-spec': 'admin' });
  });

  it('names unknown keys with their line, at any depth', () => {
    const result = parseRepoConfig(['questions:', '  max: 3', '  maximum: 4', 'trigerLabel: ai'].join('\n'));
    expect(result).toEqual({
      ok: false,
      problems: expect.arrayContaining([
        'line 3: `questions.maximum` is not a known setting',
        'line 4: `trigerLabel` is not a known setting',
      ]),
    });
  });

  it('reports wrong types and out-of-range values with their line', () => {
    const result = parseRepoConfig(
      ['subtasks:', '  max: 500', 'agents:', '  dispatch: sometimes'].join('\n'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(2);
    expect(result.problems[0]).toMatch(/^line 2: `subtasks\.max` .*50/);
    expect(result.problems[1]).toMatch(/^line 4: `agents\.dispatch`/);
  });

  it('reports YAML syntax errors with line and column', () => {
    const result = parseRepoConfig('questions:\n  max: [3\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatch(/^line \d+, column \d+: /);
  });

  it('refuses a list or a scalar at the top level and duplicate keys', () => {
    expect(parseRepoConfig('- a\n- b\n').ok).toBe(false);
    expect(parseRepoConfig('hello').ok).toBe(false);
    expect(parseRepoConfig('triggerLabel: a\ntriggerLabel: b\n').ok).toBe(false);
  });

  it('renders one comment quoting every problem', () => {
    const body = renderConfigErrorComment(
      ['line 3: `x` is not a known setting', 'line 4: `y` bad'],
      'abcdef0123456789',
    );
    expect(body).toContain('`.gitea/aiworker.yaml`');
    expect(body).toContain('2 problems');
    expect(body).toContain('- line 3: `x` is not a known setting');
    expect(body).toContain('abcdef0123');
  });

  it('points other issues to that comment in one line', () => {
    const url = 'https://git.example.com/acme/shop/issues/5#issuecomment-5012';
    const body = renderConfigErrorPointer({ issue: 5, url });
    expect(body.split('\n')).toHaveLength(1);
    expect(body).toContain('`.gitea/aiworker.yaml` on the default branch is invalid');
    expect(body).toContain(`[the problems listed on #5](${url})`);
  });
});
