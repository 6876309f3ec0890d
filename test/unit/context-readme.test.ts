import { describe, expect, it } from 'vitest';
import { buildRepoContext } from '../../src/context/build-context.ts';
import { findReadme, summarizeReadme } from '../../src/context/readme.ts';
import { FakeRepoReader } from '../fakes/repo-reader.ts';

describe('README summary', () => {
  it('keeps the opening description as plain text, without headings, badges, images, HTML or code', () => {
    const readme = [
      '<p align="center"><img src="docs/logo.png" width="120" alt="Acme logo"></p>',
      '',
      '# Acme Shop',
      '',
      '[![CI](https://ci.example/badge.svg)](https://ci.example) [![npm](https://img.shields.io/npm/v/acme.svg)](https://npm.im/acme)',
      '',
      '<!-- marketing copy below -->',
      '**Acme Shop** is a *small* storefront for [independent makers](https://acme.example/makers).',
      'It handles the `cart`, checkout and invoices.',
      '',
      '![screenshot](docs/shot.png)',
      '',
      '```bash',
      'npm install acme-shop',
      '```',
      '',
      '> Built for people who sell fewer than a thousand things a month.',
      '',
      '## Installation',
      '',
      'Run the installer and follow the prompts to configure it.',
    ].join('\n');
    expect(summarizeReadme(readme)).toBe(
      'Acme Shop is a small storefront for independent makers. It handles the cart, checkout and invoices.\n\n' +
        'Built for people who sell fewer than a thousand things a month.',
    );
  });

  it('stops at the first instructions section and drops tables and indented code', () => {
    const readme = [
      'Project Title',
      '=============',
      '',
      'A command-line tool that renames photos by the date they were taken.',
      '',
      '    photo-rename ~/Pictures',
      '',
      '| flag | meaning |',
      '| ---- | ------- |',
      '| -n   | dry run |',
      '',
      'Usage',
      '-----',
      '',
      'Point it at a folder and it does the rest, recursively.',
    ].join('\n');
    expect(summarizeReadme(readme)).toBe(
      'A command-line tool that renames photos by the date they were taken.',
    );
  });

  it('reads reStructuredText without its directives', () => {
    const readme = [
      '.. image:: https://ci.example/badge.svg',
      '   :target: https://ci.example',
      '',
      'Widgets',
      '=======',
      '',
      'Widgets is a library for drawing `charts <https://charts.example>`_ in the terminal.',
    ].join('\n');
    expect(summarizeReadme(readme)).toBe('Widgets is a library for drawing charts in the terminal.');
  });

  it('never exceeds 600 characters and cuts at a word boundary', () => {
    const paragraph =
      'The service stores customer orders and ships them to warehouses around the world. '.repeat(12);
    const summary = summarizeReadme(`# Orders\n\n${paragraph}`);
    expect(summary.length).toBeLessThanOrEqual(600);
    expect(summary.length).toBeGreaterThan(500);
    expect(summary.endsWith('…')).toBe(true);
    expect(summary).not.toMatch(/\s…$/);
  });

  it('is empty when the README has only a title and badges', () => {
    expect(summarizeReadme('# tool\n\n[![ci](https://x/b.svg)](https://x)\n')).toBe('');
  });

  it('finds the root README, preferring Markdown', () => {
    expect(findReadme(['docs/README.md', 'README.rst', 'readme.md', 'src/a.ts'])).toBe('readme.md');
    expect(findReadme(['README', 'src/a.ts'])).toBe('README');
    expect(findReadme(['docs/README.md'])).toBeNull();
  });

  it('puts the summary into the repository context', async () => {
    const reader = new FakeRepoReader({
      'README.md':
        '# Billing\n\n![build](https://b/x.svg)\n\nIssues invoices and collects payments for the Acme platform.\n',
      'main.go': 'package main\n',
    });
    const ctx = await buildRepoContext(reader, { repo: 'acme/billing', issueText: 'x' });
    expect(ctx.readmeSummary).toBe('Issues invoices and collects payments for the Acme platform.');
  });
});
