import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGiteaClient } from '../../src/gitea/client.ts';
import { RepoSettingsService } from '../../src/gitea/repo-settings.ts';
import { type GiteaFake, startGiteaFake } from '../fakes/gitea/index.ts';

const REPO = 'acme/shop';
const CONFIG = '.gitea/aiworker.yaml';

let gitea: GiteaFake;
let clock: number;
let settings: RepoSettingsService;

beforeEach(async () => {
  gitea = await startGiteaFake();
  const bot = gitea.addUser('aiworker-bot');
  gitea.addUser('acme');
  gitea.createRepo('acme', 'shop', { files: { 'README.md': '# shop\n' } });
  gitea.setPermission(REPO, 'aiworker-bot', 'admin');
  clock = 1_000_000;
  settings = new RepoSettingsService(
    createGiteaClient({ baseUrl: gitea.url, token: bot.token }),
    30_000,
    () => clock,
  );
});

afterEach(async () => {
  await gitea.close();
});

const maxQuestions = async (read: 'get' | 'recent') => {
  const found = await settings[read]('acme', 'shop', 'main');
  return found.ok ? found.config.questions.max : found.problems;
};
const calls = () => gitea.calls.map((c) => `${c.method} ${c.path.replace('/api/v1/repos/acme/shop', '')}`);

describe('per-repository settings', () => {
  it('follow the default branch at once, however late the push event is handled', async () => {
    gitea.setFiles(REPO, { [CONFIG]: 'questions:\n  max: 2\n' });
    expect(await maxQuestions('get')).toBe(2);
    // The fix is pushed; its push event has not been handled (nothing was invalidated).
    gitea.setFiles(REPO, { [CONFIG]: 'questions:\n  max: 4\n' });
    expect(await maxQuestions('get')).toBe(4);
    gitea.setFiles(REPO, { [CONFIG]: 'questions:\n  max: 3\n  maximum: 4\n' });
    expect(await maxQuestions('get')).toEqual(['line 3: `questions.maximum` is not a known setting']);
  });

  it('cost one call while the branch stays put, and read the file at the head they checked', async () => {
    const head = gitea.setFiles(REPO, { [CONFIG]: 'questions:\n  max: 2\n' });
    gitea.resetCalls();
    await maxQuestions('get');
    await maxQuestions('get');
    expect(calls()).toEqual(['GET /branches/main', `GET /raw/.gitea/aiworker.yaml`, 'GET /branches/main']);
    expect(gitea.calls[1]?.query).toEqual({ ref: head });
    gitea.setFiles(REPO, { 'README.md': '# shop v2\n' });
    gitea.resetCalls();
    expect(await maxQuestions('get')).toBe(2);
    expect(calls()).toEqual(['GET /branches/main', 'GET /raw/.gitea/aiworker.yaml']);
  });

  it('`recent` trusts a check younger than the limit, and checks again after a push or when older', async () => {
    gitea.setFiles(REPO, { [CONFIG]: 'questions:\n  max: 2\n' });
    await maxQuestions('get');
    gitea.setFiles(REPO, { [CONFIG]: 'questions:\n  max: 4\n' });
    gitea.resetCalls();
    expect(await maxQuestions('recent')).toBe(2);
    expect(calls()).toEqual([]);
    settings.invalidate('Acme', 'Shop');
    expect(await maxQuestions('recent')).toBe(4);
    gitea.setFiles(REPO, { [CONFIG]: 'questions:\n  max: 5\n' });
    clock += 30_000;
    expect(await maxQuestions('recent')).toBe(5);
  });

  it('are the defaults for a repository without the file or without the branch', async () => {
    expect(await maxQuestions('get')).toBe(5);
    const empty = await settings.get('acme', 'shop', 'no-such-branch');
    expect(empty.ok).toBe(true);
  });
});
