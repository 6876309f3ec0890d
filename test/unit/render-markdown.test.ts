import { describe, expect, it } from 'vitest';
import { addressTo } from '../../src/planning/render/markdown.ts';

describe('addressTo: a mention that never breaks the Markdown after it', () => {
  it('keeps the mention in front of plain text', () => {
    expect(addressTo('bob', 'Recorded 2 answers.')).toBe('@bob Recorded 2 answers.');
    expect(addressTo('bob', '**State:** in progress\n**Spec:** v1')).toBe(
      '@bob **State:** in progress\n**Spec:** v1',
    );
    expect(addressTo('bob', '`/plan` is not available here.')).toBe('@bob `/plan` is not available here.');
    expect(addressTo(['alice', 'bob'], 'The agent is blocked.')).toBe('@alice @bob The agent is blocked.');
  });

  it('puts the mention on its own line, then a blank line, above any other block', () => {
    for (const body of [
      '### AiWorker commands\n\ntext',
      '| Command | What |\n| --- | --- |\n| a | b |',
      '- one\n- two',
      '* one',
      '3. three\n4. four',
      '1) one',
      '> quoted',
      '```\ncode\n```',
      '~~~\ncode\n~~~',
      '<details><summary>x</summary>',
      '---',
      '* * *',
      '    indented code',
      '#',
    ]) {
      expect(addressTo('bob', body)).toBe(`@bob\n\n${body}`);
    }
  });

  it('does not glue the mention to a line the next line turns into a heading or a table header', () => {
    expect(addressTo('bob', 'Title\n=====')).toBe('@bob\n\nTitle\n=====');
    expect(addressTo('bob', 'Title\n---')).toBe('@bob\n\nTitle\n---');
    expect(addressTo('bob', 'a | b\n--|--\n1 | 2')).toBe('@bob\n\na | b\n--|--\n1 | 2');
    expect(addressTo('bob', 'Nothing left:\n- a')).toBe('@bob Nothing left:\n- a');
  });

  it('handles no body and nobody to mention', () => {
    expect(addressTo('bob', '')).toBe('@bob');
    expect(addressTo([], '### Heading')).toBe('### Heading');
    expect(addressTo('bob', '#hashtag is text')).toBe('@bob #hashtag is text');
    expect(addressTo('bob', '10 answers')).toBe('@bob 10 answers');
  });
});
