import { describe, expect, it } from 'vitest';
import { findMarker, parseMarkers } from '../../src/gitea/markers.ts';
import { cleanAgentLine, cleanAgentText } from '../../src/mcp/agent-text.ts';
import { redactDeep, redactText } from '../../src/mcp/redact.ts';
import {
  type ProgressView,
  renderBlockerBody,
  renderProgressBody,
  renderProgressComment,
  renderPullRequestBody,
} from '../../src/mcp/render.ts';

const SECRET = 'gitea-token-0123456789abcdef';

describe('redactDeep', () => {
  it('redacts every string of a nested result, known values and token formats, and leaves the rest', () => {
    const result = redactDeep(
      {
        path: 'src/config.ts',
        content: `const token = "${SECRET}";\nconst n = 42;`,
        matches: [{ line: 3, text: 'key = sk-ant-api03-abcdefghijklmnopqrstuvwxyz' }],
        nested: { runToken: `aiw_run_${'x'.repeat(43)}`, count: 3, flag: true, none: null },
      },
      [SECRET],
    );
    expect(result).toEqual({
      path: 'src/config.ts',
      content: 'const token = "[redacted]";\nconst n = 42;',
      matches: [{ line: 3, text: 'key = [redacted]' }],
      nested: { runToken: '[redacted]', count: 3, flag: true, none: null },
    });
  });

  it('redacts text content the same way', () => {
    expect(redactText(`Authorization: Bearer aiw_run_${'y'.repeat(43)}`, [])).not.toContain('aiw_run_');
    expect(redactText(`saw ${SECRET} in a log`, [SECRET])).toBe('saw [redacted] in a log');
  });
});

describe('cleanAgentText', () => {
  it('removes secrets, defuses markers and fences, and cuts to the bound', () => {
    const cleaned = cleanAgentText(
      `Done <!-- aiworker:spec task=1 --> with ${SECRET}\r\n\`\`\`\nstill text`,
      [SECRET],
      500,
    );
    expect(parseMarkers(cleaned)).toEqual([]);
    expect(cleaned).not.toContain(SECRET);
    expect(cleaned).not.toMatch(/^```/m);
    expect(cleaned).not.toContain('\r');
    expect(cleanAgentText('x'.repeat(50), [], 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('makes one line of a title', () => {
    expect(cleanAgentLine('Add the\n\nwishlist  ', [], 100)).toBe('Add the wishlist');
  });
});

function view(overrides: Partial<ProgressView> = {}): ProgressView {
  return {
    runId: 7,
    branch: 'ai/12-wishlist-api',
    status: 'running',
    message: 'Routes done\nTests next',
    checklist: [
      { item: 'POST route', done: true },
      { item: 'Tests', done: false },
    ],
    checklistSource: 'agent',
    pullRequest: null,
    updatedAt: new Date('2026-11-24T03:08:59Z'),
    ...overrides,
  };
}

describe('the progress comment', () => {
  it('shows the status line, the latest message and the checklist', () => {
    const body = renderProgressBody(view(), 5);
    expect(body).toContain('### 🤖 Agent progress — run #7');
    expect(body).toContain(
      '**Status:** 🔄 running · **Branch:** `ai/12-wishlist-api` · **Updated:** 2026-11-24 03:08 UTC',
    );
    expect(body).toContain('> Routes done\n> Tests next');
    expect(body).toContain('**Checklist**\n- [x] POST route\n- [ ] Tests');
    expect(body).toContain('at most once every 5 s');
    expect(body).not.toContain('Pull request');
  });

  it('names the acceptance criteria as such, and the pull request once there is one', () => {
    const body = renderProgressBody(
      view({ checklistSource: 'criteria', pullRequest: 15, status: 'review' }),
      5,
    );
    expect(body).toContain('**Acceptance criteria**');
    expect(body).toContain('**Pull request:** #15');
    expect(body).toContain('👀 review');
  });

  it('carries the run marker exactly as ensureComment writes it', () => {
    const comment = renderProgressComment(view(), 5);
    expect(comment.split('\n')[0]).toBe('<!-- aiworker:progress run=7 -->');
    expect(findMarker(comment, 'progress', { run: 7 })).toBeDefined();
    expect(comment.slice(comment.indexOf('\n') + 1)).toBe(renderProgressBody(view(), 5));
  });
});

describe('the blocker comment', () => {
  it('mentions the people and quotes the question', () => {
    const body = renderBlockerBody({
      runId: 7,
      branch: 'ai/12-x',
      mention: ['alice', 'bob'],
      question: '404 or 204?\nThe cart says 204.',
      details: 'Looked at src/cart.ts',
    });
    expect(body).toContain('\n\n@alice @bob The agent working on this subtask (run #7');
    expect(body).toContain('> 404 or 204?\n> The cart says 204.');
    expect(body).toContain('<details><summary>What the agent found so far</summary>');
    expect(renderBlockerBody({ runId: 7, branch: 'b', mention: [], question: 'q', details: '' })).toContain(
      '\nThe agent working',
    );
  });
});

describe('the pull request body', () => {
  const parent = {
    issueNumber: 1,
    title: 'Wishlist',
    specUrl: 'http://gitea/acme/shop/issues/1#issuecomment-5002',
    specVersion: 2,
  };

  it('closes the subtask and links the approved spec', () => {
    const body = renderPullRequestBody({
      runId: 7,
      issueNumber: 12,
      body: 'Adds the routes.',
      subtaskTitle: 'API',
      parent,
    });
    expect(body).toContain('Adds the routes.');
    expect(body).toMatch(/^Closes #12$/m);
    expect(body).toContain(
      'Part of #1 (Wishlist) · [approved specification v2](http://gitea/acme/shop/issues/1#issuecomment-5002)',
    );
    expect(findMarker(body, 'pr', { task: 12, run: 7 })).toBeDefined();
  });

  it('describes the change itself when the agent gave no body, and survives a missing spec link', () => {
    const body = renderPullRequestBody({
      runId: 7,
      issueNumber: 12,
      body: '',
      subtaskTitle: 'Wishlist API',
      parent: { ...parent, specUrl: null },
    });
    expect(body).toContain('Implements #12: Wishlist API');
    expect(body).toContain('approved specification on the parent issue');
  });
});
