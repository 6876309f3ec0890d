import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from '../../src/config/redact.ts';
import { redactPrompt } from '../../src/planning/llm/redact.ts';

describe('redactSecrets', () => {
  it('removes configured secret values wherever they appear', () => {
    const token = '3f9a1c0e5b7d4a2f8e6c1b0a9d8e7f6a5b4c3d2e';
    const text = `I set GITEA=${token} and the hook secret is s3cr3t-webhook-value, see ${token}.`;
    const out = redactSecrets(text, [token, 's3cr3t-webhook-value']);
    expect(out).not.toContain(token);
    expect(out).not.toContain('s3cr3t-webhook-value');
    expect(out.split(REDACTED)).toHaveLength(4);
  });

  const samples: Array<[string, string, string]> = [
    ['Anthropic key', 'key: sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv', 'sk-ant-api03'],
    ['OpenAI key', 'use sk-proj-abcdefghijklmnopqrstuvwxyz0123 here', 'sk-proj-abcdef'],
    ['GitHub token', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_abcdefghij'],
    ['AWS access key', 'AWS AKIAIOSFODNN7EXAMPLE in the log', 'AKIAIOSFODNN7EXAMPLE'],
    ['Slack token', 'xoxb-1234567890-abcdefghij', 'xoxb-1234567890'],
    [
      'JWT',
      'Cookie: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N',
      'eyJzdWIiOiIx',
    ],
    ['Stripe key', 'STRIPE=sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39'],
    ['bearer header', 'curl -H "Authorization: Bearer abc.def-123456"', 'abc.def-123456'],
    [
      'Gitea token header',
      'Authorization: token 0123456789abcdef0123456789abcdef01234567',
      '0123456789abcdef',
    ],
    ['URL credentials', 'DATABASE_URL is mysql://app:hunter22@db:3306/shop', 'hunter22'],
    ['query token', 'GET /api/v1/repos?token=abcdef123456&page=2', 'abcdef123456'],
    ['env line', 'DB_PASSWORD=correct-horse-battery', 'correct-horse'],
    ['yaml line', '  api_key: "a1b2c3d4e5f6"', 'a1b2c3d4e5f6'],
    ['quoted field', 'const config = { apiKey: "zz9-plural-z-alpha" };', 'zz9-plural'],
    [
      'private key',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXkt',
    ],
  ];

  it.each(samples)('removes a %s', (_kind, text, secretPart) => {
    const out = redactSecrets(text, []);
    expect(out).not.toContain(secretPart);
    expect(out).toContain(REDACTED);
  });

  it('keeps ordinary text, code and commit hashes intact', () => {
    const text = [
      'Fix the checkout at commit 9fceb02d0ae598e95dc970b74767f19372d61af8.',
      'const token = getToken(req);',
      'max_tokens: 8000',
      'The password reset email should expire after 1 hour.',
    ].join('\n');
    expect(redactSecrets(text, [])).toBe(text);
  });
});

describe('redactPrompt', () => {
  it('cleans every part of the prompt, including the repository context', () => {
    const secret = 'glpat-abcdefghijklmnopqrstu';
    const prompt = redactPrompt(
      {
        system: 'rules',
        cacheableContext: `.env.example: GITLAB_TOKEN=${secret}`,
        instructions: 'Write the spec.',
        untrusted: [{ label: 'issue description', text: `my token is ${secret}` }],
      },
      [],
    );
    expect(JSON.stringify(prompt)).not.toContain(secret);
    expect(prompt.untrusted[0]!.label).toBe('issue description');
  });
});
