import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv, secretValues } from '../../src/config/env.ts';

const valid = {
  GITEA_URL: 'https://gitea.example.com/',
  GITEA_TOKEN: 'tok_0123456789',
  WEBHOOK_SECRET: 'a-long-webhook-secret',
  DATABASE_URL: 'mysql://aiworker:pw@127.0.0.1:3306/aiworker',
  REDIS_URL: 'redis://127.0.0.1:6379/0',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEnv', () => {
  it('applies the documented defaults', () => {
    const env = loadEnv(valid);
    expect(env.PORT).toBe(8080);
    expect(env.PUBLIC_URL).toBe('http://127.0.0.1:8080');
    expect(env.GITEA_URL).toBe('https://gitea.example.com');
    expect(env.LLM_PROVIDER).toBe('builtin');
    expect(env.AGENT_RUNNER).toBe('none');
    expect(env.PREVIEW_MODE).toBe('off');
    expect(env.WEBHOOK_MAX_BYTES).toBe(5 * 1024 * 1024);
  });

  it('derives PUBLIC_URL from PORT and strips trailing slashes', () => {
    expect(loadEnv({ ...valid, PORT: '9090' }).PUBLIC_URL).toBe('http://127.0.0.1:9090');
    expect(loadEnv({ ...valid, PUBLIC_URL: 'https://bot.example.com/' }).PUBLIC_URL).toBe(
      'https://bot.example.com',
    );
  });

  it('lists every problem at once, naming each variable', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'postgres://x/y', LLM_PROVIDER: 'gpt' });
    const names = problems.map((p) => p.split(' ')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'PORT',
        'GITEA_URL',
        'GITEA_TOKEN',
        'WEBHOOK_SECRET',
        'DATABASE_URL',
        'REDIS_URL',
        'LLM_PROVIDER',
      ]),
    );
    expect(problems.find((p) => p.startsWith('GITEA_TOKEN'))).toMatch(/required/);
    expect(problems.find((p) => p.startsWith('DATABASE_URL'))).toMatch(/mysql:\/\//);
  });

  it('requires the settings a chosen provider, runner or preview mode needs', () => {
    const problems = problemsOf({
      ...valid,
      LLM_PROVIDER: 'anthropic',
      AGENT_RUNNER: 'kubernetes',
      PREVIEW_MODE: 'argocd',
    });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(
      ['AGENT_IMAGE', 'AGENT_NAMESPACE', 'ANTHROPIC_API_KEY', 'GITOPS_REPO', 'PREVIEW_DOMAIN'].sort(),
    );
  });

  it('refuses a short webhook secret and an out-of-range port', () => {
    const problems = problemsOf({ ...valid, WEBHOOK_SECRET: 'short', PORT: '70000' });
    expect(problems).toHaveLength(2);
  });

  it('treats empty strings as unset for optional values', () => {
    expect(loadEnv({ ...valid, GITEA_BOT_PASSWORD: '', PORT: '' }).GITEA_BOT_PASSWORD).toBeUndefined();
  });

  it('knows which values are secrets, including passwords inside URLs', () => {
    const env = loadEnv({
      ...valid,
      GITEA_BOT_PASSWORD: 'hunter22',
      REDIS_URL: 'redis://:redispw@127.0.0.1:6379/0',
    });
    expect(secretValues(env)).toEqual(
      expect.arrayContaining(
        ['tok_0123456789', 'a-long-webhook-secret', 'hunter22', 'pw', 'redispw'].filter((s) => s.length >= 4),
      ),
    );
  });
});
