import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkBoard } from '../../src/gitea/board/index.ts';
import { formatCheckResults, hasBlockingFailure } from '../../src/gitea/doctor-report.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';

/** The board part of `aiworker doctor` against the Gitea fake's web sign-in and project routes. */

const REPO = 'acme/shop';

let fake: GiteaFake;

beforeEach(async () => {
  fake = await startGiteaFake();
  fake.addUser('acme');
  fake.addUser('aiworker-bot', { password: 'bot-password' });
  fake.createRepo('acme', 'shop', { private: true });
  fake.setPermission(REPO, 'aiworker-bot', 'admin');
});

afterEach(async () => {
  await fake.close();
});

const check = (botPassword?: string, repo: string | undefined = REPO) =>
  checkBoard({ giteaUrl: fake.url, botLogin: 'aiworker-bot', botPassword, repo });

describe('checkBoard', () => {
  it('passes when the bot signs in and the Projects unit is enabled', async () => {
    const results = await check('bot-password');
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['board sign-in', true],
      [`projects of ${REPO}`, true],
    ]);
    expect(hasBlockingFailure(results)).toBe(false);
  });

  it('says the board is labels when no password is set', async () => {
    const results = await check(undefined);
    expect(results).toEqual([
      {
        name: 'board',
        ok: true,
        detail: 'GITEA_BOT_PASSWORD is not set: the board is shown with the ai-status/* labels',
      },
    ]);
    expect(fake.web.calls).toEqual([]);
  });

  it('fails on two-factor authentication and tells the admin to use a bot account without it', async () => {
    fake.web.enableTwoFactor('aiworker-bot');
    const results = await check('bot-password');
    expect(results[0]).toMatchObject({ name: 'board sign-in', ok: false });
    expect(results[0]?.fix).toContain('without two-factor authentication');
    expect(results[1]).toMatchObject({ ok: false, detail: 'skipped: the board sign-in failed' });
    expect(formatCheckResults(results)).toContain(
      '[FAIL] board sign-in: aiworker-bot has two-factor authentication enabled',
    );
  });

  it('fails on a wrong password with Gitea’s message', async () => {
    const [signIn] = await check('wrong-password', undefined);
    expect(signIn?.ok).toBe(false);
    expect(signIn?.detail).toContain('Username or password is incorrect.');
    expect(signIn?.fix).toContain('GITEA_BOT_PASSWORD');
  });

  it('fails with the way to enable Projects when the unit is disabled', async () => {
    fake.web.setProjectsEnabled(REPO, false);
    const [, projects] = await check('bot-password');
    expect(projects).toMatchObject({ name: `projects of ${REPO}`, ok: false });
    expect(projects?.fix).toContain('"has_projects": true');
    expect(hasBlockingFailure([projects!])).toBe(true);
  });

  it('fails when the bot cannot see the repository', async () => {
    fake.createRepo('acme', 'secret', { private: true });
    const [, projects] = await check('bot-password', 'acme/secret');
    expect(projects?.ok).toBe(false);
    expect(projects?.detail).toContain('cannot see the repository');
  });

  it('fails with a hint at GITEA_URL when Gitea cannot be reached', async () => {
    // Nothing listens on port 9 (discard): the connection is refused.
    const [signIn] = await checkBoard({
      giteaUrl: 'http://127.0.0.1:9',
      botLogin: 'aiworker-bot',
      botPassword: 'bot-password',
    });
    expect(signIn?.ok).toBe(false);
    expect(signIn?.detail).toContain('POST /user/login failed');
    expect(signIn?.fix).toContain('GITEA_URL');
  });
});
