import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultImage, movingTag, tagFromRef } from '../fakes/gitea/container-image.ts';

/**
 * The Gitea fake names the images its simulated builds push as the build-image action does:
 * each case is run through actions/build-image/build-image.sh `tags` for real and compared.
 */

const SCRIPT = path.resolve(import.meta.dirname, '../../actions/build-image/build-image.sh');
const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';

function scriptTags(env: Record<string, string>): Record<string, string> {
  const out = execFileSync('/bin/sh', [SCRIPT, 'tags'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BUILD_SHA: SHA, ...env },
    encoding: 'utf8',
  });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('the image a simulated build pushes', () => {
  const repositories: Array<[string, string]> = [
    ['http://127.0.0.1:3000/alice/shop', 'alice/shop'],
    ['https://Gitea.Example.com:8443/sub/Acme/My..Shop_', 'Acme/My..Shop_'],
    ['http://gitea.local/team_x/web--app', 'team_x/web--app'],
  ];
  it.each(repositories)('names the default image of %s as the script does', (url, fullName) => {
    const script = scriptTags({
      BUILD_REPOSITORY_URL: url,
      GITHUB_REPOSITORY: fullName,
      BUILD_REF_NAME: 'main',
    });
    expect(defaultImage(url, fullName)).toBe(script.image);
  });

  const refs = [
    'main',
    'feature/Login',
    'release/v1.2',
    '...',
    '-.-x',
    'ünïcode/brånch',
    'a'.repeat(140),
    'x y__z--w',
  ];
  it.each(refs)('makes the moving tag of branch %j as the script does', (ref) => {
    const script = scriptTags({
      BUILD_REPOSITORY_URL: 'http://127.0.0.1:3000/alice/shop',
      GITHUB_REPOSITORY: 'alice/shop',
      BUILD_REF_NAME: ref,
    });
    expect(movingTag({ refName: ref })).toBe(script['moving-tag']);
    expect(tagFromRef(ref)).toBe(script['moving-tag']);
  });

  it('tags a pull request build pr-<N>, whatever the branch', () => {
    const script = scriptTags({
      BUILD_REPOSITORY_URL: 'http://127.0.0.1:3000/alice/shop',
      GITHUB_REPOSITORY: 'alice/shop',
      BUILD_PR_NUMBER: '12',
      BUILD_REF_NAME: 'refs/pull/12/head',
    });
    expect(movingTag({ prNumber: 12, refName: 'refs/pull/12/head' })).toBe(script['moving-tag']);
    expect(script['moving-tag']).toBe('pr-12');
  });
});
