import { describe, expect, it } from 'vitest';
import { findMarker, hasMarker, parseMarkers, renderMarker } from '../../src/gitea/markers.ts';

describe('renderMarker', () => {
  it('renders the docs/architecture.md §2 form', () => {
    expect(renderMarker('questions', { task: 12, round: 1 })).toBe(
      '<!-- aiworker:questions task=12 round=1 -->',
    );
    expect(renderMarker('subtask', { parent: 12, key: 's3' })).toBe(
      '<!-- aiworker:subtask parent=12 key=s3 -->',
    );
    expect(renderMarker('spec')).toBe('<!-- aiworker:spec -->');
  });

  it('escapes values that would end the comment, split attributes or span lines', () => {
    const nasty = 'a --> b\nc=d <e> "f" %';
    const rendered = renderMarker('note', { text: nasty, branch: 'ai/12-add-login' });
    const inside = rendered.slice('<!--'.length, -'-->'.length);
    expect(inside).not.toContain('--');
    expect(inside).not.toMatch(/[\n<>"]/);
    expect(inside.trim().split(' ')).toHaveLength(3);
    expect(rendered).toContain('branch=ai/12-add-login');
    const [parsed] = parseMarkers(`text before\n${rendered}\ntext after`);
    expect(parsed).toEqual({ kind: 'note', attrs: { text: nasty, branch: 'ai/12-add-login' } });
  });

  it('round-trips dashes, unicode and empty values', () => {
    const attrs = { a: '--', b: 'x---y', c: 'élan 🚀', d: '' };
    expect(parseMarkers(renderMarker('k', attrs))).toEqual([{ kind: 'k', attrs }]);
  });

  it('rejects kinds and keys that are not plain names', () => {
    expect(() => renderMarker('Spec', {})).toThrow(/marker kind "Spec"/);
    expect(() => renderMarker('a--b', {})).toThrow(/marker kind/);
    expect(() => renderMarker('spec', { 'bad key': 1 })).toThrow(/attribute name "bad key"/);
    expect(() => renderMarker('spec', { n: Number.NaN })).toThrow(/finite number/);
  });
});

describe('parseMarkers', () => {
  it('finds every marker in order, ignoring other HTML comments', () => {
    const body = [
      '<!-- aiworker:spec task=12 version=3 -->',
      '<!-- a normal comment -->',
      '## Spec',
      'inline <!-- aiworker:progress run=8 --> marker',
    ].join('\n');
    expect(parseMarkers(body)).toEqual([
      { kind: 'spec', attrs: { task: '12', version: '3' } },
      { kind: 'progress', attrs: { run: '8' } },
    ]);
  });

  it('does not count markers quoted by a person or shown in code', () => {
    const body = [
      '> <!-- aiworker:questions task=12 round=1 -->',
      '> 1. Which providers?',
      '```',
      '<!-- aiworker:spec task=12 -->',
      '```',
      '~~~md',
      '<!-- aiworker:spec task=13 -->',
      '~~~',
      '/answer 1 Stripe',
    ].join('\n');
    expect(parseMarkers(body)).toEqual([]);
    expect(hasMarker(body)).toBe(false);
  });

  it('handles CRLF bodies and empty input', () => {
    expect(parseMarkers('hello\r\n<!-- aiworker:spec task=1 -->\r\n')).toEqual([
      { kind: 'spec', attrs: { task: '1' } },
    ]);
    expect(parseMarkers('')).toEqual([]);
    expect(parseMarkers(null)).toEqual([]);
    expect(hasMarker('plain text')).toBe(false);
  });
});

describe('findMarker', () => {
  const body = `${renderMarker('questions', { task: 12, round: 1 })}\n${renderMarker('questions', { task: 12, round: 2 })}`;

  it('matches kind and a subset of attributes, comparing numbers as text', () => {
    expect(findMarker(body, 'questions', { task: 12, round: 2 })?.attrs.round).toBe('2');
    expect(findMarker(body, 'questions', { task: '12' })?.attrs.round).toBe('1');
    expect(findMarker(body, 'questions')).toBeDefined();
  });

  it('finds nothing when a value or the kind differs', () => {
    expect(findMarker(body, 'questions', { task: 13 })).toBeUndefined();
    expect(findMarker(body, 'spec', { task: 12 })).toBeUndefined();
  });
});
