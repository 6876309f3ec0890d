import { spawn } from 'node:child_process';
import { redactSecrets } from '../../../config/redact.ts';

/**
 * The shallow clone a local run starts from. The git token reaches git only through
 * `GIT_CONFIG_*` variables of the clone process — an `http.<origin>/.extraHeader` scoped to the
 * clone URL's origin — so it is never in a command line (visible to every user in `ps`),
 * never in the remote URL, and never in `.git/config` where the agent would find it.
 */

export interface CloneRequest {
  cloneUrl: string;
  branch: string;
  token: string;
  dest: string;
  /** PATH, HOME, LANG for git: the bot's own environment does not reach git either. */
  baseEnv: Record<string, string>;
  signal: AbortSignal;
  /** Receives git's output as it is printed. */
  onOutput: (text: string) => void;
}

export type CloneResult = { ok: true } | { ok: false; aborted: boolean; message: string };

/** Variables that make git authenticate to the clone URL's origin, and to nothing else. */
export function gitAuthEnvironment(cloneUrl: string, token: string): Record<string, string> {
  const url = new URL(cloneUrl);
  const env: Record<string, string> = {
    // No prompts (a bad token fails at once) and no credential helper that could store it.
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'credential.helper',
    GIT_CONFIG_VALUE_0: '',
  };
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const basic = Buffer.from(`aiworker:${token}`, 'utf8').toString('base64');
    env.GIT_CONFIG_COUNT = '2';
    env.GIT_CONFIG_KEY_1 = `http.${url.origin}/.extraHeader`;
    env.GIT_CONFIG_VALUE_1 = `Authorization: Basic ${basic}`;
  }
  return env;
}

export function cloneArguments(cloneUrl: string, branch: string, dest: string): string[] {
  return ['clone', '--depth', '1', '--branch', branch, '--single-branch', '--no-tags', '--', cloneUrl, dest];
}

/** The lines of git's output that say why it failed, for the run's message. */
export function cloneFailureSummary(output: string, secrets: readonly string[]): string {
  const lines = redactSecrets(output, secrets)
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Cloning into'));
  const errors = lines.filter((line) => /^(fatal|error|remote):/i.test(line));
  const chosen = (errors.length > 0 ? errors : lines).slice(-3);
  return chosen.join(' ').slice(0, 500) || 'git printed nothing';
}

export function cloneRepository(request: CloneRequest): Promise<CloneResult> {
  const { cloneUrl, branch, token, dest } = request;
  const secrets = [token, Buffer.from(`aiworker:${token}`, 'utf8').toString('base64')];
  return new Promise((resolve) => {
    let output = '';
    const child = spawn('git', cloneArguments(cloneUrl, branch, dest), {
      env: { ...request.baseEnv, ...gitAuthEnvironment(cloneUrl, token) },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: request.signal,
    });
    const collect = (chunk: Buffer) => {
      const text = redactSecrets(chunk.toString('utf8'), secrets);
      output = (output + text).slice(-16_384);
      request.onOutput(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      if (request.signal.aborted) return; // 'close' follows and reports the abort
      resolve({ ok: false, aborted: false, message: `could not run git (${error.message})` });
    });
    child.on('close', (code) => {
      if (request.signal.aborted) {
        resolve({ ok: false, aborted: true, message: 'the clone was stopped' });
      } else if (code === 0) {
        resolve({ ok: true });
      } else {
        const where = `${cloneUrl} (branch ${branch})`;
        resolve({
          ok: false,
          aborted: false,
          message: `git clone of ${where} failed: ${cloneFailureSummary(output, secrets)}`,
        });
      }
    });
  });
}
